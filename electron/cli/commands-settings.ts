// `lifeboat sources`, `schedule` and `passphrase`: what to protect, when, and with which key.
import path from 'node:path';
import { LifeboatError } from '../engine/common/errors.ts';
import { describeSchedule } from '../../shared/schedule-words.ts';
import { nextRuns, parseSchedule, validateSchedule } from '../schedule/schedule.ts';
import { setupScheduler } from '../schedule/setup-scheduler.ts';
import { countOption, encodingFrom, localTime, passphraseFrom, retentionFrom, sizeOption, table, withEncodingOptions, withRetentionOptions, type CliContext } from './shared.ts';
import { formatBytes } from '../../shared/bytes.ts';
import { describeVaultMove, NEW_SOURCE_SCHEDULE } from '../engine/engine.ts';

/** Registers settings commands on the program. */
export function registerSettingsCommands(cx: CliContext): void {
  const { io, program, open, print, progress } = cx;
  program
    .command('schedule')
    .description('each source\'s schedule, its next five runs, its last run and success rate')
    .action(async () => {
      const e = await open();
      const timeZone = e.settings().timeZone;
      const zone = timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
      const scheduler = setupScheduler(e);
      const status = new Map(scheduler.status().map((s) => [s.sourceId, s]));
      const now = new Date();
      const views = e.sources.list().map((s) => {
        const schedule = s.schedule ?? { kind: 'off' as const };
        validateSchedule(schedule, timeZone);
        const st = status.get(s.id);
        return { sourceId: s.id, schedule, describe: describeSchedule(schedule), next: nextRuns(schedule, now, 5, timeZone).map((d) => d.toISOString()), lastRunAt: st?.lastRunAt, lastOk: st?.lastOk, successRate: st?.successRate };
      });
      const lines = [`Time zone: ${zone}${scheduler.isPaused() ? ' (schedule paused)' : ''}`];
      for (const v of views) {
        lines.push(`${v.sourceId}: ${v.describe}${v.lastRunAt ? `; last run ${localTime(v.lastRunAt)} ${v.lastOk ? 'ok' : 'FAILED'}` : ''}${v.successRate !== undefined ? `; ${Math.round(v.successRate * 100)}% successful` : ''}`);
        for (const n of v.next) lines.push(`  ${localTime(n)}`);
      }
      if (views.length === 0) lines.push('No sources yet.');
      print(lines.join('\n'), { timeZone: zone, paused: scheduler.isPaused(), sources: views });
    });

  const passphrase = program.command('passphrase').description('the passphrase remembered for encrypted scheduled backups');
  passphrase
    .command('set')
    .description('remember a (new) passphrase; new restore points use it, old ones keep theirs')
    .option('--passphrase-file <file>', 'read the passphrase from this file')
    .action(async (o: { passphraseFile?: string }) => {
      const e = await open();
      const p = await passphraseFrom(io, o.passphraseFile, { prompt: 'New passphrase: ', confirm: true });
      if (!p) throw new LifeboatError('usage', 'No passphrase given and no terminal to ask on', 'Use --passphrase-file or LIFEBOAT_PASSPHRASE');
      const r = await e.passphrase.remember(p);
      print(`Remembered as ${r.keyId} in ${r.where}. Keep a copy somewhere safe: without it, encrypted restore points cannot be opened.`, { keyId: r.keyId });
    });
  passphrase
    .command('status', { isDefault: true })
    .description('say whether a passphrase is remembered (never the passphrase)')
    .action(async () => {
      const e = await open();
      const r = await e.passphrase.current();
      print(r ? `A passphrase is remembered: ${r.keyId} (set ${localTime(r.setAt)})` : 'No passphrase is remembered.', r ?? null);
    });
  passphrase
    .command('forget')
    .description('forget the remembered passphrase')
    .action(async () => {
      const e = await open();
      await e.passphrase.forget();
      print('Forgotten. Scheduled backups of sources set to encrypt with it will fail until one is set again.', {});
    });

  const sources = program.command('sources').description('the databases Lifeboat protects');
  sources
    .command('list', { isDefault: true })
    .description('list sources')
    .action(async () => {
      const e = await open();
      const list = e.sources.list();
      print(list.length ? table([['ID', 'PATH'], ...list.map((s) => [s.id, s.path])]) : 'No sources yet. Add one with `lifeboat sources add <database>`.', list);
    });
  sources
    .command('add')
    .description('register a database')
    .argument('<database>', 'path to the SQLite file')
    .option('--name <id>', 'the id to use (default: from the file name)')
    .action(async (database: string, o: { name?: string }) => {
      const e = await open();
      // The schedule the app gives a new database (every hour): protected from now on, not only when backed up by hand.
      const s = await e.sources.add(database, { id: o.name, schedule: NEW_SOURCE_SCHEDULE });
      print(`Source ${s.id}: ${s.path}, backed up ${describeSchedule(s.schedule ?? NEW_SOURCE_SCHEDULE).toLowerCase()} (\`lifeboat sources set ${s.id} --schedule …\` changes it; \`lifeboat daemon install\` runs the schedule without the app)`, s);
    });
  sources
    .command('remove')
    .description('forget a source (its restore points stay in the vault)')
    .argument('<id>')
    .action(async (id: string) => {
      const e = await open();
      const s = e.sources.remove(id);
      print(`Removed source ${s.id}; its restore points stay in ${path.join(e.vaultDir, s.id)}`, s);
    });
  withEncodingOptions(withRetentionOptions(sources.command('set')), 'new restore points of this source')
    .description("change a source's settings")
    .argument('<id>')
    .option('--max-size <size>', 'largest database size to accept', sizeOption)
    .option('--compact', 'take compacted copies (VACUUM INTO)')
    .option('--no-compact', 'take page-for-page copies')
    .option('--whole-file', 'keep each restore point as one file that sqlite3 opens (no pages shared between them)')
    .option('--pages', 'keep restore points as pages in the page store, each page stored once (the default)')
    .option('--schedule <when>', 'back up on a schedule: off, "hourly :15", "daily 02:30", "weekly mon 09:00", "cron 30 2 * * *"')
    .option('--auto-upload', 'copy new restore points to the destinations (the default)')
    .option('--no-auto-upload', 'keep new restore points of this source in the vault only (push by hand)')
    .option('--lock-if-busy', 'if its program never pauses, copy a rollback-journal database holding its writers off for a moment (only for programs that wait for locks)')
    .option('--no-lock-if-busy', 'never hold up the program writing the database (the default)')
    .option('--when-closed', 'back up as soon as the program keeping the database open closes it (app and daemon)')
    .option('--no-when-closed', 'do not watch for the program closing the database')
    .action(async (id: string, o: Record<string, number | boolean | string[] | undefined>) => {
      const e = await open();
      const retention = retentionFrom(o);
      const s = await e.sources.update(id, {
        ...(o.maxSize !== undefined ? { maxBytes: o.maxSize as number } : {}),
        ...(o.compact !== undefined ? { compact: o.compact as boolean } : {}),
        ...(o.wholeFile === true ? { wholeFile: true } : o.pages === true ? { wholeFile: false } : {}),
        ...(typeof o.schedule === 'string' ? { schedule: parseSchedule(o.schedule) } : {}),
        ...(typeof o.autoUpload === 'boolean' ? { autoUpload: o.autoUpload } : {}),
        ...(typeof o.lockIfBusy === 'boolean' ? { lockIfBusy: o.lockIfBusy } : {}),
        ...(typeof o.whenClosed === 'boolean' ? { backUpWhenClosed: o.whenClosed } : {}),
        ...encodingFrom(o),
        ...(Object.keys(retention).length ? { retention } : {}),
      });
      print(`Source ${s.id} updated`, s);
    });

  program
    .command('settings')
    .description('where the vault is, the time zone schedules and retention use, and how often restore points are checked; options change them')
    .option('--time-zone <zone>', 'an IANA time zone (Europe/Paris), or "system" for this machine\'s own')
    .option('--verify-newest-every <days>', 'check the newest restore point of each database every N days (0: never)', countOption)
    .option('--verify-all-every <days>', 'check every restore point in the vault every N days (0: never)', countOption)
    .option('--verify-copies <n>', 'copies downloaded and checked at each destination at each check (0: none)', countOption)
    .action(async (o: { timeZone?: string; verifyNewestEvery?: number; verifyAllEvery?: number; verifyCopies?: number }) => {
      const e = await open();
      const verification = {
        ...(o.verifyNewestEvery !== undefined ? { newestEveryDays: o.verifyNewestEvery } : {}),
        ...(o.verifyAllEvery !== undefined ? { allEveryDays: o.verifyAllEvery } : {}),
        ...(o.verifyCopies !== undefined ? { destinationSample: o.verifyCopies } : {}),
      };
      const changed = o.timeZone !== undefined || Object.keys(verification).length > 0;
      if (changed) e.updateSettings({ ...(o.timeZone !== undefined ? { timeZone: o.timeZone === 'system' ? null : o.timeZone } : {}), ...(Object.keys(verification).length ? { verification } : {}) });
      const st = e.settings();
      const machine = Intl.DateTimeFormat().resolvedOptions().timeZone;
      const v = st.verification;
      const every = (days: number, what: string) => (days > 0 ? `${what} every ${days} day${days === 1 ? '' : 's'}` : `${what} never`);
      const lines = [
        ...(changed ? ['Settings saved.'] : []),
        `Vault: ${e.vaultDir} (\`lifeboat vault move <folder>\` moves it)`,
        `Time zone: ${st.timeZone ?? `${machine} (this machine's)`}`,
        `Checks: ${every(v.newestEveryDays, 'the newest restore point of each database')}; ${every(v.allEveryDays, 'every restore point')}; ${v.destinationSample} cop${v.destinationSample === 1 ? 'y' : 'ies'} per destination each time`,
        `Log: ${path.join(e.dataDir, 'logs')} (\`lifeboat log\`)`,
      ];
      print(lines.join('\n'), { vaultDir: e.vaultDir, timeZone: st.timeZone ?? null, machineTimeZone: machine, verification: v, logDir: path.join(e.dataDir, 'logs') });
    });

  const vault = program.command('vault').description('where the restore points are kept');
  vault
    .command('status', { isDefault: true })
    .description('the vault\'s folder, how many restore points it holds and the free space there')
    .action(async () => {
      const e = await open();
      const s = await e.status();
      const count = s.sources.reduce((n, x) => n + x.restorePoints, 0) + s.orphans;
      print(
        [`Vault: ${s.vaultDir}`, `${count} restore point${count === 1 ? '' : 's'}, ${formatBytes(s.vaultBytes)} on disk${s.logicalBytes > s.vaultBytes * 1.05 ? ` (${formatBytes(s.logicalBytes)} of databases: unchanged pages are stored once)` : ''}${s.freeBytes !== undefined ? `; ${formatBytes(s.freeBytes)} free on its disk` : ''}`, ...(s.vaultProblem ? [`PROBLEM: ${s.vaultProblem}`] : [])].join('\n'),
        { vaultDir: s.vaultDir, restorePoints: count, bytes: s.vaultBytes, logicalBytes: s.logicalBytes, freeBytes: s.freeBytes, problem: s.vaultProblem ?? null },
      );
    });
  vault
    .command('move')
    .description('move the vault into an empty folder (an external disk, a bigger one): every restore point is copied and checked, then the old files are removed')
    .argument('<folder>', 'an empty folder that exists')
    .action(async (folder: string) => {
      const e = await open();
      const bar = progress();
      const stop = new AbortController();
      const cancel = () => stop.abort();
      process.once('SIGINT', cancel);
      try {
        const r = await cx.record({ kind: 'move-vault', title: 'Moving the vault' }, () => e.moveVault(folder, { onProgress: (p) => bar.update(p), signal: stop.signal }), (m) => ({ message: describeVaultMove(m) }));
        bar.done();
        print(describeVaultMove(r), r);
      } finally {
        bar.done();
        process.off('SIGINT', cancel);
      }
    });
}
