// `lifeboat`: the command line over the same engine the desktop app runs.
// Exit codes: 0 success, 1 failure, 2 usage error.
import { Command, CommanderError, Option } from 'commander';
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline/promises';
import { Writable } from 'node:stream';
import path from 'node:path';
import type { Manifest } from '../../shared/model.ts';
import { APP_VERSION } from '../engine/app-version.ts';
import { createEngine, type Engine } from '../engine/engine.ts';
import { LifeboatError, isLifeboatError } from '../engine/errors.ts';
import { defaultDataDir, formatBytes, parseBytes } from '../engine/layout.ts';
import { describeHolders } from '../engine/open-holders.ts';
import { createProgress } from './progress.ts';
import { describeSchedule, nextRuns, parseSchedule, validateSchedule } from '../schedule/schedule.ts';
import { setupScheduler, systemClock } from '../schedule/setup-scheduler.ts';
import { allDrivers, driveDriver, googleClientFor, REFRESH_TOKEN_SECRET } from '../drive/drive-setup.ts';
import { connectGoogle, oauthClient } from '../drive/google-auth.ts';
import { googleEndpoints } from '../drive/google-endpoints.ts';
import { spawn } from 'node:child_process';
import { DEFAULT_ZSTD_LEVEL, parseKeyFile, type DecryptWith } from '../engine/artifact-codec.ts';

interface GlobalOptions {
  home?: string;
  json?: boolean;
  yes?: boolean;
  quiet?: boolean;
}

interface Io {
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  stdin: NodeJS.ReadStream;
  env: NodeJS.ProcessEnv;
}

/** Pauses at the checkpoint named by LIFEBOAT_TEST_HOLD_AT until the process is killed (crash tests). */
function checkpointFromEnv(io: Io): ((name: string) => Promise<void>) | undefined {
  const holdAt = io.env.LIFEBOAT_TEST_HOLD_AT;
  if (!holdAt) return undefined;
  return async (name) => {
    if (name !== holdAt) return;
    io.stderr.write(`HOLD ${name}\n`);
    // Wait to be killed; a test that forgot to kill us must not leave us running for long.
    await new Promise(() => setTimeout(() => process.exit(99), 60_000));
  };
}

function sizeOption(value: string): number {
  const n = parseBytes(value);
  if (n === undefined || n <= 0) throw new LifeboatError('usage', `"${value}" is not a size`, 'Write it like 500MB or 2GiB');
  return n;
}

function countOption(value: string): number {
  if (!/^\d+$/.test(value)) throw new LifeboatError('usage', `"${value}" is not a whole number`, 'Give a number like 7');
  return Number(value);
}

function levelOption(value: string): number {
  if (!/^-?\d+$/.test(value) || Number(value) < -7 || Number(value) > 22) throw new LifeboatError('usage', `"${value}" is not a zstd level`, 'Use a level from 1 (fast) to 19 (small); 3 is the default');
  return Number(value);
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** Reads a passphrase without echoing it (a terminal is required). */
async function promptHidden(io: Io, question: string): Promise<string> {
  io.stderr.write(question);
  const silent = new Writable({ write: (_chunk, _enc, done) => done() });
  const rl = createInterface({ input: io.stdin, output: silent, terminal: true });
  try {
    return await rl.question('');
  } finally {
    rl.close();
    io.stderr.write('\n');
  }
}

/**
 * The passphrase for this run: --passphrase-file, then LIFEBOAT_PASSPHRASE, then a prompt on a
 * terminal. `undefined` when none of them is available.
 */
async function passphraseFrom(io: Io, file: string | undefined, opts: { prompt?: string; confirm?: boolean } = {}): Promise<string | undefined> {
  if (file) {
    try {
      return (await readFile(file, 'utf8')).replace(/\r?\n$/, '');
    } catch (e) {
      throw new LifeboatError('usage', `The passphrase file ${file} cannot be read (${(e as Error).message})`, 'Check the path');
    }
  }
  if (io.env.LIFEBOAT_PASSPHRASE) return io.env.LIFEBOAT_PASSPHRASE;
  if (!opts.prompt || !io.stdin.isTTY) return undefined;
  const first = await promptHidden(io, opts.prompt);
  if (opts.confirm && (await promptHidden(io, 'Again, to be sure: ')) !== first) throw new LifeboatError('usage', 'The two passphrases differ', 'Nothing was encrypted; try again');
  return first;
}

/** Keys for opening encrypted restore points, from --identity files and a passphrase. */
async function keysFrom(io: Io, o: { identity?: string[]; passphraseFile?: string }): Promise<DecryptWith> {
  const identities: string[] = [];
  for (const f of o.identity ?? []) {
    let text;
    try {
      text = await readFile(f, 'utf8');
    } catch (e) {
      throw new LifeboatError('usage', `The key file ${f} cannot be read (${(e as Error).message})`, 'Give the file age-keygen wrote');
    }
    const found = parseKeyFile(text).identities;
    if (found.length === 0) throw new LifeboatError('usage', `${f} holds no age identity (AGE-SECRET-KEY-1…)`, 'Give the file age-keygen wrote, not the recipient');
    identities.push(...found);
  }
  const passphrase = await passphraseFrom(io, o.passphraseFile);
  return { identities, passphrases: passphrase ? [passphrase] : [] };
}

const RETENTION_OPTIONS = [
  ['keepLast', '--keep-last <n>', 'keep the newest N restore points'],
  ['keepDaily', '--keep-daily <n>', 'keep one per day for N days'],
  ['keepWeekly', '--keep-weekly <n>', 'keep one per week for N weeks'],
  ['keepMonthly', '--keep-monthly <n>', 'keep one per month for N months'],
  ['keepYearly', '--keep-yearly <n>', 'keep one per year for N years'],
  ['keepWithinDays', '--keep-within-days <n>', 'keep everything younger than N days'],
  ['minCount', '--min-count <n>', 'never keep fewer than N'],
] as const;

/** Adds the retention rule options (shared by `sources set` and `destinations set`). */
function withRetentionOptions(cmd: Command): Command {
  for (const [, flag, help] of RETENTION_OPTIONS) cmd.option(flag, help, countOption);
  return cmd;
}

/** The retention rules given on the command line. */
function retentionFrom(o: Record<string, unknown>): Partial<Record<(typeof RETENTION_OPTIONS)[number][0], number>> {
  return Object.fromEntries(RETENTION_OPTIONS.filter(([key]) => typeof o[key] === 'number').map(([key]) => [key, o[key] as number]));
}

function localTime(iso: string): string {
  const d = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ').trimEnd()).join('\n');
}

function describeManifest(m: Manifest): string {
  const integrity = m.integrity.status === 'ok' ? 'integrity ok' : 'INTEGRITY CHECK FAILED';
  return `${m.id} of ${m.source.id} (${formatBytes(m.artifact.bytes)}, ${integrity}, ${(m.durationMs / 1000).toFixed(1)} s)`;
}

async function confirm(io: Io, opts: GlobalOptions, question: string): Promise<void> {
  if (opts.yes) return;
  if (!io.stdin.isTTY) {
    throw new LifeboatError('usage', 'This replaces a database and needs confirmation, but there is no terminal to ask on', 'Add --yes to confirm');
  }
  const rl = createInterface({ input: io.stdin, output: io.stderr });
  try {
    const answer = (await rl.question(`${question} [y/N] `)).trim().toLowerCase();
    if (answer !== 'y' && answer !== 'yes') throw new LifeboatError('cancelled', 'Nothing was changed', '');
  } finally {
    rl.close();
  }
}

/** Runs the CLI with `argv` (without node and script) and returns the exit code. */
export async function runCli(argv: string[], io: Io): Promise<number> {
  let engine: Engine | undefined;
  const program = new Command();
  const print = (human: string, json: unknown) => {
    const o = program.opts<GlobalOptions>();
    io.stdout.write(o.json ? `${JSON.stringify(json, null, 2)}\n` : human ? `${human}\n` : '');
  };
  const open = async (): Promise<Engine> => {
    const o = program.opts<GlobalOptions>();
    engine ??= await createEngine({ dataDir: o.home ? path.resolve(o.home) : defaultDataDir(io.env), appVersion: APP_VERSION, checkpoint: checkpointFromEnv(io), driverFactory: allDrivers(io.env) });
    return engine;
  };
  const progress = () => {
    const o = program.opts<GlobalOptions>();
    return createProgress(io.stderr, { quiet: Boolean(o.quiet) });
  };

  program
    .name('lifeboat')
    .description('Consistent, checksummed restore points of SQLite databases.')
    .version(APP_VERSION)
    .option('--home <dir>', 'data folder (vault, index, settings); default: the desktop app\'s, or $LIFEBOAT_HOME')
    .option('--json', 'print machine-readable JSON on stdout')
    .option('-y, --yes', 'answer yes to confirmations (required without a terminal)')
    .option('-q, --quiet', 'no progress output')
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) });

  /** `push` and `drive push`: copy what is waiting (or one restore point) and report each copy. */
  const push = async (id: string | undefined, to: string | undefined) => {
    const e = await open();
    const restorePointId = id ? (await e.get(id)).id : undefined;
    const results = await e.push({ restorePointId, destinationId: to, force: true });
    const names = new Map(e.destinations.list().map((d) => [d.id, d.name]));
    const lines = results.map((r) => `${r.status === 'completed' ? 'copied ' : 'FAILED '} ${r.restorePointId} to ${names.get(r.destinationId)}${r.error ? `: ${r.error}` : ''}`);
    const failed = results.filter((r) => r.status !== 'completed').length;
    print(lines.join('\n') || 'Nothing to copy: every destination is up to date.', results);
    if (failed) throw new LifeboatError('busy', `${failed} cop${failed === 1 ? 'y' : 'ies'} failed`, 'The restore points are safe in the vault; fix the destination and run `lifeboat push` again');
  };

  program
    .command('backup')
    .description('take a restore point of a database (registering it as a source if it is new)')
    .argument('<database>', 'path to the SQLite file, or the id of a registered source')
    .option('--compact', 'take a compacted copy (VACUUM INTO) instead of a page-for-page copy')
    .option('--max-size <size>', 'allow a database up to this size for this run (e.g. 8GB)', sizeOption)
    .addOption(new Option('--trigger <trigger>', 'why it is taken').choices(['manual', 'scheduled']).default('manual'))
    .option('--wait <seconds>', 'wait this long for another job on the same database', countOption)
    .option('--compress [level]', `zstd-compress the artifact (level ${DEFAULT_ZSTD_LEVEL} unless given); \`zstd -d\` opens it`, levelOption)
    .option('--no-compress', "store a plain SQLite file even if the source's settings compress")
    .option('--encrypt', 'encrypt the artifact with a passphrase (prompt, LIFEBOAT_PASSPHRASE or --passphrase-file); `age -d` opens it')
    .option('--no-encrypt', "do not encrypt even if the source's settings do")
    .option('--recipient <age1…>', 'encrypt to this age public key (from age-keygen); repeatable', collect)
    .option('--passphrase-file <file>', 'read the passphrase from this file')
    .option('--remember-passphrase', 'remember the passphrase for scheduled backups (see `lifeboat passphrase`)')
    .action(async (database: string, o: { compact?: boolean; maxSize?: number; trigger: 'manual' | 'scheduled'; wait?: number; compress?: number | boolean; encrypt?: boolean; recipient?: string[]; passphraseFile?: string; rememberPassphrase?: boolean }) => {
      const e = await open();
      const known = e.sources.list().find((s) => s.id === database);
      let encrypt: false | { passphrase: string } | { recipients: string[] } | undefined = o.encrypt === false ? false : undefined;
      if (o.recipient?.length) encrypt = { recipients: o.recipient };
      else if (o.encrypt) {
        const passphrase = await passphraseFrom(io, o.passphraseFile, { prompt: 'Passphrase for this backup: ', confirm: true });
        if (!passphrase) throw new LifeboatError('usage', '--encrypt needs a passphrase, and there is no terminal to ask on', 'Set LIFEBOAT_PASSPHRASE or use --passphrase-file, or encrypt to a key with --recipient');
        if (o.rememberPassphrase) await e.passphrase.remember(passphrase);
        encrypt = { passphrase };
      }
      const compressLevel = o.compress === false ? false : o.compress === true ? DEFAULT_ZSTD_LEVEL : o.compress;
      const bar = progress();
      let manifest: Manifest;
      try {
        manifest = await e.backup(known ? { sourceId: known.id } : { path: database }, {
          trigger: o.trigger,
          compact: o.compact,
          compressLevel,
          encrypt,
          maxBytes: o.maxSize,
          waitMs: (o.wait ?? 0) * 1000,
          onProgress: (p) => bar.update(p),
        });
      } finally {
        bar.done();
      }
      // Copies to the destinations; a failed upload is reported, retried later, and never fails the backup.
      const replicas = manifest.integrity.status === 'ok' ? await e.uploadNew(manifest) : [];
      const names = new Map(e.destinations.list().map((d) => [d.id, d.name]));
      const uploadLines = replicas.map((r) => (r.status === 'completed' ? `  copied to ${names.get(r.destinationId)}` : `  NOT copied to ${names.get(r.destinationId)}: ${r.error} (retried by \`lifeboat push\` or the app)`));
      print([`Restore point ${describeManifest(manifest)}`, `  ${path.join(e.ctx.vaultDir, manifest.artifact.path)}`, ...uploadLines].join('\n'), program.opts<GlobalOptions>().json ? { ...manifest, replicas } : manifest);
      if (manifest.integrity.status !== 'ok') {
        throw new LifeboatError(
          'integrity-failed',
          `The copy was taken but fails SQLite's integrity check (${manifest.integrity.message.split('\n')[0]}), so the database itself is probably damaged; the copy is kept and marked failed`,
          'Restore an earlier restore point (`lifeboat list`) or repair the database',
        );
      }
    });

  program
    .command('list')
    .description('list restore points, newest first')
    .option('--source <id>', 'only this source')
    .option('--remote', 'also read the destinations, to show restore points that are only there (a new machine)')
    .action(async (o: { source?: string; remote?: boolean }) => {
      const e = await open();
      const names = new Map(e.destinations.list().map((d) => [d.id, d.name]));
      const where = new Map<string, string[]>();
      for (const r of e.replicas()) if (r.status === 'completed') where.set(r.restorePointId, [...(where.get(r.restorePointId) ?? []), names.get(r.destinationId) ?? r.destinationId]);
      const points: (Manifest & { locations: string[] })[] = e.list({ sourceId: o.source }).map((m) => ({ ...m, locations: ['vault', ...(where.get(m.id) ?? [])] }));
      const warnings: string[] = [];
      if (o.remote) {
        for (const { destination, points: remote, error } of await e.destinations.listRemote()) {
          if (error) warnings.push(`${destination.name}: ${error}`);
          for (const { manifest } of remote) {
            if (o.source && manifest.source.id !== o.source) continue;
            const known = points.find((p) => p.id === manifest.id);
            if (known) {
              if (!known.locations.includes(destination.name)) known.locations.push(destination.name);
            } else points.push({ ...manifest, locations: [destination.name] });
          }
        }
        points.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
      }
      const rows = [['ID', 'SOURCE', 'CREATED', 'TRIGGER', 'SIZE', 'INTEGRITY', 'PINNED', 'WHERE']];
      for (const m of points) rows.push([m.id, m.source.id, localTime(m.createdAt), m.trigger, formatBytes(m.artifact.bytes), m.integrity.status, m.pinned ? 'pinned' : '', m.locations.join(', ')]);
      const human = points.length ? table(rows) : 'No restore points yet. Take one with `lifeboat backup <database>`.';
      print([human, ...warnings.map((w) => `warning: ${w}`)].join('\n'), points);
    });

  program
    .command('verify')
    .description('re-hash and integrity-check restore points (all, or the ones given); exits 1 on any failure')
    .argument('[ids...]', 'restore point ids')
    .option('--identity <file>', 'an age-keygen key file for restore points encrypted to its recipient; repeatable', collect)
    .option('--passphrase-file <file>', 'read the passphrase from this file')
    .action(async (ids: string[], o: { identity?: string[]; passphraseFile?: string }) => {
      const e = await open();
      const keys = await keysFrom(io, o);
      const scan = ids.length ? { problems: [] } : await e.reindex();
      const targets = ids.length ? ids : e.list().map((m) => m.id);
      const bar = progress();
      const results = [];
      for (const id of targets) {
        results.push(await e.verify(id, { keys, onBytes: (b) => bar.update({ phase: 'hashing', done: b, total: 0, unit: 'bytes' }) }));
      }
      bar.done();
      const problems = scan.problems.map((p) => ({ file: p.file, ok: false, message: p.error.message }));
      const lines = [...results.map((r) => `${r.ok ? 'ok    ' : 'FAILED'}  ${r.id}  ${r.sourceId}${r.ok ? '' : `  ${r.message}`}`), ...problems.map((p) => `FAILED  ${p.message}`)];
      const failed = results.filter((r) => !r.ok).length + problems.length;
      lines.push(`${results.length + problems.length} checked, ${failed} failed`);
      print(lines.join('\n'), { results, problems, failed });
      if (failed > 0) throw new LifeboatError('integrity-failed', `${failed} restore point${failed === 1 ? '' : 's'} failed verification`, 'Do not rely on them; take a new backup and keep the ones that passed');
    });

  program
    .command('restore')
    .description('restore a restore point over its database (a safety copy is taken first) or to a new file')
    .argument('<id>', 'restore point id (or a unique part of it)')
    .option('--to <path>', 'restore to this new file instead of over the database')
    .option('--wait <seconds>', 'wait this long for another job on the same database', countOption)
    .option('--identity <file>', 'an age-keygen key file, for a restore point encrypted to its recipient; repeatable', collect)
    .option('--passphrase-file <file>', 'read the passphrase from this file')
    .option('--from <destination>', 'fetch it from this destination (otherwise: the vault, then each destination)')
    .action(async (id: string, o: { to?: string; wait?: number; identity?: string[]; passphraseFile?: string; from?: string }) => {
      const e = await open();
      const local = o.from
        ? undefined
        : await e.get(id).catch((err: unknown) => {
            if (isLifeboatError(err) && err.code === 'unknown-restore-point') return undefined;
            throw err;
          });
      const m = local ?? (await e.pull(id, o.from));
      if (!local) io.stderr.write(`Fetched ${m.id} from a destination into the vault.\n`);
      const keys = await keysFrom(io, o);
      if (m.artifact.encryption?.kind === 'passphrase' && !keys.passphrases?.length && !(await e.passphrase.current()) && io.stdin.isTTY) {
        keys.passphrases = [await promptHidden(io, `Passphrase for ${m.id}${m.artifact.encryption.keyId ? ` (${m.artifact.encryption.keyId})` : ''}: `)];
      }
      if (!o.to) await confirm(io, program.opts(), `Restore ${m.id} (${localTime(m.createdAt)}) over ${m.source.path}? A safety copy of the current database is taken first.`);
      const bar = progress();
      try {
        const r = await e.restore({ id: m.id, to: o.to, keys, waitMs: (o.wait ?? 0) * 1000, onProgress: (p) => bar.update(p) });
        bar.done();
        const lines = [`Restored ${r.restored.id} to ${r.target}${r.method === 'sqlite-backup' ? ' (through SQLite, so programs using it see the restored data)' : ''}`];
        if (r.safetyCopy) lines.push(`Safety copy of the previous database: ${r.safetyCopy.id} (undo with \`lifeboat undo\`)`);
        if (r.quarantinedTo) lines.push(`The previous, unreadable files were kept in ${r.quarantinedTo}`);
        if (r.requiresRestart) lines.push(r.holders.length ? `Restart the programs that had it open: ${describeHolders(r.holders)}` : 'Restart any program that had it open');
        print(lines.join('\n'), r);
      } finally {
        bar.done();
      }
    });

  program
    .command('undo')
    .description('put back the database as it was before the last restore (from its safety copy)')
    .option('--source <id>', 'the last restore of this source')
    .action(async (o: { source?: string }) => {
      const e = await open();
      const safety = e.lastSafetyCopy(o.source);
      if (safety) await confirm(io, program.opts(), `Put back ${safety.source.path} as it was at ${localTime(safety.createdAt)} (before restoring ${safety.safety?.restoring})?`);
      const bar = progress();
      try {
        const r = await e.undo({ sourceId: o.source, onProgress: (p) => bar.update(p) });
        bar.done();
        print(`Undone: ${r.target} is back as it was at ${localTime(r.restored.createdAt)}${r.safetyCopy ? `\nSafety copy of what was there: ${r.safetyCopy.id}` : ''}`, r);
      } finally {
        bar.done();
      }
    });

  program
    .command('prune')
    .description('delete restore points that the retention policy no longer keeps')
    .option('--dry-run', 'only show what would be deleted and why each survivor is kept')
    .option('--source <id>', 'only this source')
    .action(async (o: { dryRun?: boolean; source?: string }) => {
      const e = await open();
      const results = await e.prune({ dryRun: o.dryRun, sourceId: o.source });
      const remote = await e.pruneDestinations({ dryRun: o.dryRun, sourceId: o.source });
      const names = new Map(e.destinations.list().map((d) => [d.id, d.name]));
      const lines: string[] = [];
      for (const r of [...results, ...remote]) {
        const destinationId = 'destinationId' in r ? String(r.destinationId) : undefined;
        const where = destinationId ? ` at ${names.get(destinationId) ?? destinationId}` : '';
        if ('error' in r && r.error) {
          lines.push(`${where.trim()}: not pruned: ${r.error}`);
          continue;
        }
        lines.push(`${r.sourceId}${where}: keep ${r.keep.length}, ${o.dryRun ? 'would delete' : 'deleted'} ${r.remove.length}`);
        for (const d of r.keep) lines.push(`  keep    ${d.id}  ${d.reasons.join('; ')}`);
        for (const d of r.remove) lines.push(`  ${o.dryRun ? 'delete' : 'deleted'}  ${d.id}`);
      }
      print(lines.join('\n') || 'Nothing to prune.', program.opts<GlobalOptions>().json ? [...results, ...remote] : results);
    });

  program
    .command('status')
    .description('sources, their newest restore points and the vault')
    .action(async () => {
      const e = await open();
      const s = await e.status();
      const lines = [`Data folder: ${s.dataDir}`, `Vault: ${s.vaultDir}${s.freeBytes !== undefined ? ` (${formatBytes(s.freeBytes)} free)` : ''}`];
      if (s.sources.length === 0) lines.push('No sources yet. Back one up with `lifeboat backup <database>`.');
      for (const x of s.sources) {
        const newest = x.newest ? `${localTime(x.newest.createdAt)} (${x.newest.integrity.status === 'ok' ? 'ok' : 'INTEGRITY FAILED'})` : 'never';
        lines.push(`${x.source.id}: ${x.source.path}`, `  restore points: ${x.restorePoints} (${formatBytes(x.bytes)}), last backup: ${newest}`);
      }
      if (s.orphans) lines.push(`${s.orphans} restore point(s) belong to sources no longer registered`);
      print(lines.join('\n'), s);
    });

  program
    .command('reindex')
    .description('rebuild the restore point list from the manifests in the vault')
    .action(async () => {
      const e = await open();
      const scan = await e.reindex();
      const lines = [`Indexed ${scan.manifests.length} restore point${scan.manifests.length === 1 ? '' : 's'}.`];
      for (const p of scan.problems) lines.push(`Not indexed: ${p.error.oneLine}`);
      print(lines.join('\n'), { indexed: scan.manifests.length, problems: scan.problems.map((p) => ({ file: p.file, ...p.error.toJSON() })) });
    });

  for (const [name, pinned] of [['pin', true], ['unpin', false]] as const) {
    program
      .command(name)
      .description(pinned ? 'keep a restore point whatever the retention policy says' : 'let retention decide about a restore point again')
      .argument('<id>', 'restore point id')
      .action(async (id: string) => {
        const e = await open();
        const m = pinned ? await e.pin(id) : await e.unpin(id);
        print(`${m.id} ${pinned ? 'pinned' : 'unpinned'}`, m);
      });
  }

  program
    .command('schedule')
    .description('each source\'s schedule, its next five runs, its last run and success rate')
    .action(async () => {
      const e = await open();
      const timeZone = e.ctx.settings.read().timeZone;
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

  program
    .command('daemon')
    .description('run scheduled backups in the foreground (for machines without the desktop app); Ctrl-C stops')
    .action(async () => {
      const e = await open();
      const uploads = e.startUploads(systemClock);
      const scheduler = setupScheduler(e, {
        onRunFinished: (sourceId, error) =>
          io.stderr.write(`${new Date().toISOString()} ${sourceId}: ${error ? `backup failed: ${isLifeboatError(error) ? error.oneLine : String(error)}` : 'restore point taken'}\n`),
      });
      scheduler.start();
      for (const s of scheduler.status()) io.stderr.write(`${s.sourceId}: ${describeSchedule(s.schedule)}${s.nextRunAt ? `, next ${localTime(s.nextRunAt)}` : ''}\n`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      scheduler.stop();
      uploads.stop();
      await uploads.drain();
    });

  const destinations = program.command('destinations').description('where copies go besides the vault: folders on other disks or a NAS');
  destinations
    .command('list', { isDefault: true })
    .description('destinations with their last upload and status')
    .action(async () => {
      const e = await open();
      const list = e.destinations.status();
      const rows = [['ID', 'FOLDER', 'ENABLED', 'COPIES', 'WAITING', 'FAILED', 'LAST UPLOAD', 'LAST ERROR']];
      for (const d of list) rows.push([d.destination.id, d.destination.kind === 'folder' ? d.destination.path : d.destination.name, d.destination.enabled ? 'yes' : 'no', String(d.completed), String(d.pending), String(d.failed), d.lastUploadAt ? localTime(d.lastUploadAt) : 'never', d.lastError ?? '']);
      print(list.length ? table(rows) : 'No destinations yet. Add a folder on another disk with `lifeboat destinations add <folder>`.', list);
    });
  destinations
    .command('add')
    .description('copy restore points to this folder (an external disk, a NAS mount) after each backup')
    .argument('<folder>')
    .option('--name <name>', 'a name to show')
    .option('--id <id>', 'the id to use (default: from the folder name)')
    .action(async (folder: string, o: { name?: string; id?: string }) => {
      const e = await open();
      const d = await e.destinations.addFolder(folder, o);
      print(`Destination ${d.id}: ${d.kind === 'folder' ? d.path : ''}. New restore points are copied there; \`lifeboat push\` copies what is already in the vault.`, d);
    });
  destinations
    .command('remove')
    .description('stop copying to a destination (what is there stays)')
    .argument('<id>')
    .action(async (id: string) => {
      const e = await open();
      print(`Removed destination ${e.destinations.remove(id).id}; the copies there were not touched.`, { id });
    });
  withRetentionOptions(
    destinations
      .command('set')
      .description("a destination's own retention (e.g. Drive keeps more than the vault)")
      .argument('<id>'),
  )
    .option('--upload-manual', 'copy manual backups automatically (the default)')
    .option('--no-upload-manual', 'do not copy manual backups automatically')
    .option('--upload-scheduled', 'copy scheduled backups automatically (the default)')
    .option('--no-upload-scheduled', 'do not copy scheduled backups automatically')
    .action(async (id: string, o: Record<string, number | boolean | undefined>) => {
      const e = await open();
      const retention = retentionFrom(o);
      if (Object.keys(retention).length) e.setDestinationRetention(id, retention);
      const { uploadManual, uploadScheduled } = o;
      const d = e.setDestinationUpload(id, { manual: uploadManual as boolean | undefined, scheduled: uploadScheduled as boolean | undefined });
      print(`Destination ${id} updated`, d);
    });
  for (const [name, enabled] of [['enable', true], ['disable', false]] as const) {
    destinations
      .command(name)
      .description(enabled ? 'copy to this destination again' : 'stop copying to this destination for now')
      .argument('<id>')
      .action(async (id: string) => {
        const e = await open();
        print(`${id} ${enabled ? 'enabled' : 'disabled'}`, e.destinations.setEnabled(id, enabled));
      });
  }

  program
    .command('push')
    .description('copy restore points to the destinations now: what is waiting or failed, or one restore point everywhere it is missing')
    .argument('[id]', 'a restore point to copy to every destination that lacks it')
    .option('--to <destination>', 'only this destination')
    .action(async (id: string | undefined, o: { to?: string }) => push(id, o.to));

  program
    .command('pull')
    .description('bring a restore point from a destination into the vault (verified), e.g. on a new machine')
    .argument('<id>')
    .option('--from <destination>', 'only this destination')
    .action(async (id: string, o: { from?: string }) => {
      const e = await open();
      const m = await e.pull(id, o.from);
      print(`Fetched ${m.id} of ${m.source.id} into the vault`, m);
    });

  const drive = program.command('drive').description('Google Drive: connect your account and keep copies there');
  drive
    .command('connect')
    .description('sign in with Google in your browser and copy restore points to Google Drive')
    .option('--client-id <id>', 'your "Desktop app" OAuth client id (saved in settings)')
    .option('--client-secret <secret>', 'its client secret (saved in settings)')
    .action(async (o: { clientId?: string; clientSecret?: string }) => {
      const e = await open();
      if (o.clientId) e.ctx.settings.update((s) => ({ ...s, google: { clientId: o.clientId as string, clientSecret: o.clientSecret } }));
      const client = googleClientFor(e.ctx, io.env);
      const { refreshToken } = await connectGoogle({
        client,
        endpoints: googleEndpoints(io.env),
        onUrl: (url) => io.stderr.write(`Open this address to sign in with Google (waiting up to 5 minutes):\n${url}\n`),
        openBrowser: async (url) => {
          if (io.env.LIFEBOAT_NO_BROWSER) return;
          const opener = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
          spawn(opener, [url], { detached: true, stdio: 'ignore' }).on('error', () => undefined).unref();
        },
      });
      await e.ctx.secrets.set(REFRESH_TOKEN_SECRET, refreshToken);
      const dest = e.addDestination({ id: 'drive', kind: 'drive', name: 'Google Drive', folderName: 'Lifeboat Backups', enabled: true, priority: 50, upload: { manual: true, scheduled: true } });
      const quota = await (driveDriver(e.ctx, dest as Extract<typeof dest, { kind: 'drive' }>, io.env)).quota();
      // Uploads that waited for a reconnection go now.
      const resumed = await e.push({ destinationId: dest.id, force: true });
      const copied = resumed.filter((r) => r.status === 'completed').length;
      print(
        `Connected to Google Drive as ${quota.email}. New restore points are copied to "${(dest as { folderName: string }).folderName}"${copied ? `; ${copied} waiting cop${copied === 1 ? 'y' : 'ies'} uploaded` : ''}; \`lifeboat push\` copies the ones already in the vault.`,
        { email: quota.email, destination: dest.id, resumed },
      );
    });
  drive
    .command('push')
    .description('copy restore points to Google Drive now (what is waiting, or one restore point)')
    .argument('[id]')
    .action(async (id: string | undefined) => push(id, 'drive'));
  drive
    .command('list')
    .description('the restore points on Google Drive (read from Drive)')
    .action(async () => {
      const e = await open();
      const [remote] = await e.destinations.listRemote('drive');
      if (remote?.error) throw new LifeboatError('busy', remote.error, '');
      const points = (remote?.points ?? []).map((p) => p.manifest).sort((a, b) => b.createdAt.localeCompare(a.createdAt));
      const rows = [['ID', 'SOURCE', 'CREATED', 'SIZE', 'FORMAT'], ...points.map((m) => [m.id, m.source.id, localTime(m.createdAt), formatBytes(m.artifact.bytes), m.artifact.format])];
      print(points.length ? table(rows) : 'No restore points on Google Drive yet.', points);
    });
  drive
    .command('pull')
    .description('bring a restore point from Google Drive into the vault (verified)')
    .argument('<id>')
    .action(async (id: string) => {
      const e = await open();
      const m = await e.pull(id, 'drive');
      print(`Fetched ${m.id} of ${m.source.id} from Google Drive into the vault`, m);
    });
  drive
    .command('status')
    .description('the connected account, its storage and how much of it is Lifeboat\'s')
    .action(async () => {
      const e = await open();
      const dest = e.destinations.list().find((d) => d.kind === 'drive');
      if (!dest || dest.kind !== 'drive') throw new LifeboatError('not-found', 'Google Drive is not connected', 'Run `lifeboat drive connect`');
      const q = await driveDriver(e.ctx, dest, io.env).quota();
      const lines = [
        `Account: ${q.email}`,
        `Storage: ${formatBytes(q.usage)} used${q.limit ? ` of ${formatBytes(q.limit)} (${Math.round((q.usage / q.limit) * 100)}%)` : ' (no limit)'}; in Drive ${formatBytes(q.usageInDrive)}, in the trash ${formatBytes(q.usageInTrash)}`,
        `Lifeboat's restore points: ${formatBytes(q.lifeboatBytes)}`,
      ];
      if (q.level !== 'ok') lines.push(`warning: Google Drive is ${q.level === 'critical' ? 'almost full (95% or more)' : 'filling up (80% or more)'}; free space or buy more storage before uploads fail`);
      print(lines.join('\n'), q);
    });
  drive
    .command('disconnect')
    .description('revoke Lifeboat\'s access and forget the token (copies on Drive stay)')
    .action(async () => {
      const e = await open();
      const token = await e.ctx.secrets.get(REFRESH_TOKEN_SECRET);
      if (token) {
        await oauthClient(googleClientFor(e.ctx, io.env), googleEndpoints(io.env)).revokeToken(token).catch(() => undefined);
        await e.ctx.secrets.delete(REFRESH_TOKEN_SECRET);
      }
      if (e.destinations.list().some((d) => d.id === 'drive')) e.destinations.remove('drive');
      print('Disconnected from Google Drive; the restore points there were not touched.', {});
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
      const s = await e.sources.add(database, { id: o.name });
      print(`Source ${s.id}: ${s.path}`, s);
    });
  sources
    .command('remove')
    .description('forget a source (its restore points stay in the vault)')
    .argument('<id>')
    .action(async (id: string) => {
      const e = await open();
      const s = e.sources.remove(id);
      print(`Removed source ${s.id}; its restore points stay in ${path.join(e.ctx.vaultDir, s.id)}`, s);
    });
  withRetentionOptions(sources.command('set'))
    .description("change a source's settings")
    .argument('<id>')
    .option('--max-size <size>', 'largest database size to accept', sizeOption)
    .option('--compact', 'take compacted copies (VACUUM INTO)')
    .option('--no-compact', 'take page-for-page copies')
    .option('--compress [level]', 'zstd-compress restore points of this source', levelOption)
    .option('--no-compress', 'store plain SQLite files')
    .option('--encrypt-passphrase', 'encrypt restore points with the remembered passphrase (`lifeboat passphrase set`)')
    .option('--encrypt-to <age1…>', 'encrypt restore points to this age public key; repeatable', collect)
    .option('--no-encrypt', 'stop encrypting new restore points')
    .option('--schedule <when>', 'back up on a schedule: off, "hourly :15", "daily 02:30", "weekly mon 09:00", "cron 30 2 * * *"')
    .option('--auto-upload', 'copy new restore points to the destinations (the default)')
    .option('--no-auto-upload', 'keep new restore points of this source in the vault only (push by hand)')
    .action(async (id: string, o: Record<string, number | boolean | string[] | undefined>) => {
      const e = await open();
      const retention = retentionFrom(o);
      const s = e.sources.update(id, {
        ...(o.maxSize !== undefined ? { maxBytes: o.maxSize as number } : {}),
        ...(o.compact !== undefined ? { compact: o.compact as boolean } : {}),
        ...(typeof o.schedule === 'string' ? { schedule: parseSchedule(o.schedule) } : {}),
        ...(typeof o.autoUpload === 'boolean' ? { autoUpload: o.autoUpload } : {}),
        ...(o.compress !== undefined ? { compressLevel: o.compress === false ? undefined : o.compress === true ? DEFAULT_ZSTD_LEVEL : (o.compress as number) } : {}),
        ...(o.encryptTo ? { encryption: { kind: 'recipients' as const, recipients: o.encryptTo as string[] } } : o.encryptPassphrase ? { encryption: { kind: 'passphrase' as const } } : o.encrypt === false ? { encryption: undefined } : {}),
        ...(Object.keys(retention).length ? { retention } : {}),
      });
      print(`Source ${s.id} updated`, s);
    });

  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return 0;
      return 2;
    }
    const json = program.opts<GlobalOptions>().json;
    if (isLifeboatError(e)) {
      if (json) io.stdout.write(`${JSON.stringify({ error: e.toJSON() }, null, 2)}\n`);
      io.stderr.write(`lifeboat: ${e.oneLine}\n`);
      return e.code === 'usage' ? 2 : 1;
    }
    const message = e instanceof Error ? e.message : String(e);
    if (json) io.stdout.write(`${JSON.stringify({ error: { code: 'internal', message, hint: '' } }, null, 2)}\n`);
    io.stderr.write(`lifeboat: unexpected error: ${message}. Nothing was listed that is incomplete; please report this with LIFEBOAT_DEBUG=1 output\n`);
    if (io.env.LIFEBOAT_DEBUG) io.stderr.write(`${(e as Error).stack}\n`);
    return 1;
  } finally {
    engine?.close();
  }
}
