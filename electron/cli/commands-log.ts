// `lifeboat log`: what Lifeboat did (the app, the daemon and the command line alike), one line per
// event in words, or the raw JSON lines with --json, for support. `--follow` keeps printing what is
// added, until Ctrl-C. `lifeboat history`: every operation, whoever ran it, as the app's Activity.
import { open, stat } from 'node:fs/promises';
import { logFiles, readLog } from '../engine/common/log.ts';
import { describeLogEntry, describeOperation } from './log-words.ts';
import { countOption, personLocale, table, type CliContext, type GlobalOptions } from './shared.ts';

/** Registers `lifeboat history`: the operations of every program, newest first, as the app's Activity shows them. */
function registerHistoryCommand(cx: CliContext): void {
  const { io, program, open: openEngine, print } = cx;
  program
    .command('history')
    .description('every backup, copy, restore and check, whoever ran it (the app, the daemon, the command line): the app\'s Activity')
    .option('-n, --lines <n>', 'how many operations', countOption, 30)
    .option('--source <id>', 'only this source\'s')
    .action(async (o: { lines: number; source?: string }) => {
      const e = await openEngine();
      const ops = e.history.list({ limit: o.lines, ...(o.source ? { sourceId: o.source } : {}) });
      const locale = personLocale(io.env);
      print(ops.length ? table([['STARTED', 'BY', 'WHAT', 'RESULT'], ...ops.map((j) => describeOperation(j, locale))]) : 'Nothing has run yet.', ops);
    });
}

/** Registers `lifeboat log` and `lifeboat history`. */
export function registerLogCommand(cx: CliContext): void {
  registerHistoryCommand(cx);
  const { io, program, dataDir, print } = cx;
  const locale = personLocale(io.env);
  const formatLogEntry = (e: Record<string, unknown>) => describeLogEntry(e, locale);
  program
    .command('log')
    .description('what Lifeboat did lately, one line per event (backups, copies, restores, errors); the app and the daemon write here too; --json: the raw lines')
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
