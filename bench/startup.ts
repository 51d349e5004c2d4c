// How fast the `lifeboat` command starts: --version, status and list, each the median of five
// runs, with peak memory; beside `node -e 0`, the floor any Node program pays.
import path from 'node:path';
import { timed } from './timed.ts';

const REPO = path.resolve(import.meta.dirname, '..');

/** Rows for the table, against a data folder `home` that holds a few restore points. */
export function benchStartup(home: string): string[][] {
  const cli = path.join(REPO, 'bin', 'lifeboat.mjs');
  const median = (args: string[]) => {
    const runs = [0, 1, 2, 3, 4].map(() => timed(process.execPath, args));
    const sorted = [...runs].sort((a, b) => a.seconds - b.seconds);
    return { seconds: sorted[2]!.seconds, peakKb: Math.max(...runs.map((r) => r.peakKb)) };
  };
  const rows = [['', 'time (s, median of 5)', 'peak RSS']];
  const add = (name: string, args: string[]) => {
    const r = median(args);
    rows.push([name, r.seconds.toFixed(3), `${(r.peakKb / 1024).toFixed(0)} MB`]);
  };
  add('node -e 0 (the floor)', ['-e', '0']);
  add('lifeboat --version', [cli, '--version']);
  add('lifeboat status', [cli, '--home', home, 'status']);
  add('lifeboat list', [cli, '--home', home, 'list']);
  return rows;
}
