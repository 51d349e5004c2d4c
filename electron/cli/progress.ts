// Progress for the terminal: a redrawn bar, only when stderr is a terminal (git's convention). With a
// pipe, a log file, a cron job's mail or `--json`, a command prints its result or its one clear error
// and nothing else.
import type { JobProgress } from '../../shared/model.ts';
import { formatBytes } from '../../shared/bytes.ts';

export interface ProgressReporter {
  update(p: JobProgress): void;
  done(): void;
}

const LABELS: Record<JobProgress['phase'], string> = {
  preparing: 'preparing',
  copying: 'copying',
  checking: 'checking integrity',
  hashing: 'hashing',
  compressing: 'compressing',
  encrypting: 'encrypting',
  finishing: 'finishing',
  'safety-copy': 'taking a safety copy',
  restoring: 'restoring',
  uploading: 'copying to destinations',
  downloading: 'fetching from a destination',
  opening: 'opening the restore point',
  comparing: 'comparing',
  'bringing-back': 'bringing rows back',
  exporting: 'exporting',
  moving: 'copying the restore points to the new folder',
};

/** A bar redrawn on `out` (stderr) when it is a terminal; silent with `quiet`, `--json` or no terminal. */
export function createProgress(out: NodeJS.WriteStream, opts: { quiet: boolean; now?: () => number }): ProgressReporter {
  if (opts.quiet || !out.isTTY) return { update() {}, done() {} };
  const now = opts.now ?? Date.now;
  let lastPhase: string | undefined;
  let phaseStart = now();
  let lastDraw = 0;
  return {
    update(p) {
      if (p.phase !== lastPhase) {
        lastPhase = p.phase;
        phaseStart = now();
      }
      const t = now();
      if (t - lastDraw < 100 && p.done < p.total) return;
      lastDraw = t;
      const fraction = p.total > 0 ? Math.min(1, p.done / p.total) : 0;
      const width = 24;
      const filled = Math.round(fraction * width);
      const elapsed = (t - phaseStart) / 1000;
      const eta = fraction > 0.02 && fraction < 1 ? ` ETA ${Math.ceil((elapsed / fraction) * (1 - fraction))} s` : '';
      const amount = p.unit === 'bytes' && p.total > 1 ? ` ${formatBytes(p.done)}/${formatBytes(p.total)}` : p.unit === 'rows' && p.total > 1 ? ` ${p.done.toLocaleString('en')}/${p.total.toLocaleString('en')} rows` : '';
      out.write(`\r\x1b[K${LABELS[p.phase]} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${Math.round(fraction * 100)}%${amount}${eta}`);
    },
    done() {
      if (lastPhase) out.write('\r\x1b[K');
    },
  };
}
