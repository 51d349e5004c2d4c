// `lifeboat log`: what Lifeboat did (the app, the daemon and the command line alike), for a person
// reading it or for support. `--follow` keeps printing what is added, until Ctrl-C.
import { open, stat } from 'node:fs/promises';
import { logFiles, readLog } from '../engine/common/log.ts';
import { countOption, localTime, type CliContext, type GlobalOptions } from './shared.ts';
import { oneLine } from './terminal-text.ts';

/** One log entry on one line: time, level, program, message, then its fields (control characters visible: see terminal-text.ts). */
export function formatLogEntry(e: Record<string, unknown>): string {
  const { time, level, msg, process: proc, pid: _pid, hostname: _h, err, ...fields } = e;
  const when = typeof time === 'string' ? localTime(time) : '';
  const error = err && typeof err === 'object' ? (err as { message?: string; hint?: string }) : undefined;
  const rest = Object.entries(fields)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
  return oneLine([when, String(level ?? '').toUpperCase().padEnd(5), `[${String(proc ?? '')}]`, String(msg ?? ''), rest, error ? `— ${error.message ?? ''}${error.hint ? ` (${error.hint})` : ''}` : ''].filter(Boolean).join(' '));
}

/** Registers `lifeboat log`. */
export function registerLogCommand(cx: CliContext): void {
  const { io, program, dataDir, print } = cx;
  program
    .command('log')
    .description('what Lifeboat did lately (backups, copies, restores, errors with their details); the app and the daemon write here too')
    .option('-n, --lines <n>', 'how many entries', countOption, 50)
    .option('-f, --follow', 'keep printing new entries until Ctrl-C')
    .action(async (o: { lines: number; follow?: boolean }) => {
      const dir = dataDir();
      const json = program.opts<GlobalOptions>().json;
      const entries = await readLog(dir, o.lines);
      if (json && !o.follow) return print('', entries);
      for (const e of entries) io.stdout.write(`${json ? JSON.stringify(e) : formatLogEntry(e)}\n`);
      if (!entries.length && !o.follow) io.stdout.write(`Nothing logged yet in ${dir}.\n`);
      if (!o.follow) return;
      // Follow the newest file (the log may roll over to a new one meanwhile).
      let file = (await logFiles(dir)).at(-1);
      let offset = file ? (await stat(file)).size : 0;
      let stop = false;
      process.once('SIGINT', () => (stop = true));
      process.once('SIGTERM', () => (stop = true));
      let carry = '';
      while (!stop) {
        const newest = (await logFiles(dir)).at(-1);
        if (newest !== file) [file, offset] = [newest, 0];
        if (file) {
          const size = (await stat(file).catch(() => ({ size: offset }))).size;
          if (size > offset) {
            const handle = await open(file, 'r');
            const buffer = Buffer.alloc(size - offset);
            await handle.read(buffer, 0, buffer.length, offset);
            await handle.close();
            offset = size;
            const lines = (carry + buffer.toString('utf8')).split('\n');
            carry = lines.pop() ?? '';
            for (const line of lines.filter(Boolean)) {
              try {
                const e = JSON.parse(line) as Record<string, unknown>;
                io.stdout.write(`${json ? line : formatLogEntry(e)}\n`);
              } catch {
                // a line still being written
              }
            }
          }
        }
        await new Promise((r) => setTimeout(r, 500));
      }
    });
}
