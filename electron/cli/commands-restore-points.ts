// `lifeboat backup`, `list`, `verify`, `restore`, `undo`, `prune`, `status`, `reindex`, `pin`: one
// function per command, each registering it on the program.
import { Option } from 'commander';
import type { Manifest } from '../../shared/model.ts';
import { NEW_SOURCE_SCHEDULE, type Engine } from '../engine/engine.ts';
import { LifeboatError, isLifeboatError } from '../engine/common/errors.ts';
import { formatBytes } from '../../shared/bytes.ts';
import { describeHolders } from '../engine/snapshot/open-holders.ts';
import { DEFAULT_ZSTD_LEVEL } from '../engine/artifact/artifact-codec.ts';
import { NOT_CHECKED_NO_KEY } from '../engine/restore/verify.ts';
import { filesOf } from '../engine/vault/manifest.ts';
import { engineHealth } from '../app/engine-health.ts';
import { setupScheduler } from '../schedule/setup-scheduler.ts';
import { fileAlertState } from '../app/alerts/alert-state.ts';
import { undeliveredAlerts } from '../app/alerts/alerts.ts';
import { scheduleRunner } from '../app/schedule-runner.ts';
import { collect, confirm, countOption, describeManifest, keysFor, keysFrom, levelOption, localTime, passphraseFrom, sizeOption, table, type CliContext, type GlobalOptions, type Io, withKeyOptions } from './shared.ts';

/** Registers the restore point commands on the program. */
export function registerRestorePointCommands(cx: CliContext): void {
  registerBackup(cx);
  registerList(cx);
  registerVerify(cx);
  registerRestore(cx);
  registerUndo(cx);
  registerPrune(cx);
  registerStatus(cx);
  registerReindex(cx);
  registerPins(cx);
}

interface BackupOptions {
  compact?: boolean;
  wholeFile?: boolean;
  maxSize?: number;
  trigger: 'manual' | 'scheduled';
  wait?: number;
  compress?: number | boolean;
  encrypt?: boolean;
  recipient?: string[];
  passphraseFile?: string;
  rememberPassphrase?: boolean;
  prune: boolean;
}

/** `lifeboat backup <database>`. */
function registerBackup(cx: CliContext): void {
  cx.program
    .command('backup')
    .description('take a restore point of a database (registering it as a source if it is new)')
    .argument('<database>', 'path to the SQLite file, or the id of a registered source')
    .option('--compact', 'take a compacted copy (VACUUM INTO) instead of a page-for-page copy')
    .option('--whole-file', 'keep this restore point as one file that sqlite3 opens (.zst/.age with --compress/--encrypt), not as pages in the page store')
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
    .option('--no-prune', 'do not apply retention after this backup (it runs after every other one)')
    .action(async (database: string, o: BackupOptions) => {
      const e = await cx.open();
      const known = e.sources.list().find((s) => s.id === database);
      const encrypt = await encryptionFor(cx.io, e, o);
      const compressLevel = o.compress === false ? false : o.compress === true ? DEFAULT_ZSTD_LEVEL : o.compress;
      const bar = cx.progress();
      let manifest: Manifest;
      let retention: { removed: string[]; error?: string } | undefined;
      const stopListening = e.events.on('retention-applied', (r) => (retention = r));
      try {
        const waitMs = (o.wait ?? 0) * 1000;
        // A database registered here gets the schedule the app gives one (every hour), as in the app.
        manifest = await e.backup(known ? { sourceId: known.id } : { path: database }, { newSourceSchedule: NEW_SOURCE_SCHEDULE, prune: o.prune, trigger: o.trigger, compact: o.compact, ...(o.wholeFile ? { pages: false } : {}), compressLevel, encrypt, maxBytes: o.maxSize, waitMs, onProgress: (p) => bar.update(p) });
      } finally {
        bar.done();
        stopListening();
      }
      await reportBackup(cx, e, manifest, o.prune, retention);
    });
}

/** How `backup` encrypts: --recipient, --encrypt (a passphrase, remembered when asked), --no-encrypt, or as the source's settings say (undefined). */
async function encryptionFor(io: Io, e: Engine, o: BackupOptions): Promise<false | { passphrase: string } | { recipients: string[] } | undefined> {
  if (o.recipient?.length) return { recipients: o.recipient };
  if (!o.encrypt) return o.encrypt === false ? false : undefined;
  const passphrase = await passphraseFrom(io, o.passphraseFile, { prompt: 'Passphrase for this backup: ', confirm: true });
  if (!passphrase) throw new LifeboatError('usage', '--encrypt needs a passphrase, and there is no terminal to ask on', 'Set LIFEBOAT_PASSPHRASE or use --passphrase-file, or encrypt to a key with --recipient');
  if (o.rememberPassphrase) await e.passphrase.remember(passphrase);
  return { passphrase };
}

/**
 * After a backup: copies to the destinations (a failed upload is reported, retried later, and never
 * fails the backup), each destination's retention (as the app and the daemon do after every
 * backup), then what happened; a copy that fails its integrity check makes the command fail.
 */
async function reportBackup(cx: CliContext, e: Engine, manifest: Manifest, prune: boolean, retention: { removed: string[]; error?: string } | undefined): Promise<void> {
  const replicas = manifest.integrity.status === 'ok' ? await e.uploadNew(manifest) : [];
  const names = new Map(e.destinations.list().map((d) => [d.id, d.name]));
  const uploadLines = replicas.map((r) => (r.status === 'completed' ? `  copied to ${names.get(r.destinationId)}` : `  NOT copied to ${names.get(r.destinationId)}: ${r.error} (retried by \`lifeboat push\` or the app)`));
  const remote = prune && manifest.integrity.status === 'ok' && replicas.length ? await e.pruneDestinations({ sourceId: manifest.source.id }) : [];
  const retentionLines = [
    ...(retention?.error ? [`  warning: old restore points were not removed: ${retention.error}`] : retention?.removed.length ? [`  retention removed ${retention.removed.length} older restore point${retention.removed.length === 1 ? '' : 's'} from the vault`] : []),
    ...remote.filter((r) => r.remove.length).map((r) => `  retention removed ${r.remove.length} at ${names.get(r.destinationId) ?? r.destinationId}`),
  ];
  const locations = ['vault', ...replicas.filter((r) => r.status === 'completed').map((r) => names.get(r.destinationId) ?? r.destinationId)];
  cx.print(
    [`Restore point ${describeManifest(manifest)}`, ...filesOf(e.vaultDir, manifest).stored.map((s) => `  ${s.file}`), ...uploadLines, ...retentionLines].join('\n'),
    cx.program.opts<GlobalOptions>().json ? { ...manifest, locations, replicas, retention: { vault: retention?.removed ?? [], destinations: remote.map((r) => ({ destinationId: r.destinationId, removed: r.remove.map((d) => d.id) })) } } : manifest,
  );
  if (manifest.integrity.status !== 'ok') {
    const registered = e.sources.list().some((s) => s.id === manifest.source.id);
    throw new LifeboatError(
      'integrity-failed',
      `The copy was taken but fails SQLite's integrity check (${manifest.integrity.message.split('\n')[0]}), so the database itself is probably damaged; the copy is kept and marked failed${registered ? '' : ', and the database was not added to the ones Lifeboat protects'}`,
      'Restore an earlier restore point (`lifeboat list`) or repair the database',
    );
  }
}

type Listed = Manifest & { locations: string[] };

/** `lifeboat list`. */
function registerList(cx: CliContext): void {
  cx.program
    .command('list')
    .description('list restore points, newest first')
    .option('--source <id>', 'only this source')
    .option('--remote', 'also read the destinations, to show restore points that are only there (a new machine)')
    .action(async (o: { source?: string; remote?: boolean }) => {
      const e = await cx.open();
      const names = new Map(e.destinations.list().map((d) => [d.id, d.name]));
      const where = new Map<string, string[]>();
      for (const r of e.replicas()) if (r.status === 'completed') where.set(r.restorePointId, [...(where.get(r.restorePointId) ?? []), names.get(r.destinationId) ?? r.destinationId]);
      const points: Listed[] = e.list({ sourceId: o.source }).map((m) => ({ ...m, locations: ['vault', ...(where.get(m.id) ?? [])] }));
      const warnings: string[] = [];
      const vaultProblem = (await e.status()).vaultProblem;
      if (vaultProblem) warnings.push(`${vaultProblem}; the list below is what the index knows`);
      if (o.remote) warnings.push(...(await addRemote(e, points, o.source)));
      // What is known of each one now: its integrity check when taken, and the last verification since.
      const verifications = e.verifications();
      const withChecks = points.map((m) => {
        const v = verifications.get(m.id);
        return v ? { ...m, verification: { status: v.status, at: v.at, message: v.message } } : m;
      });
      const state = (m: (typeof withChecks)[number]) =>
        m.integrity.status !== 'ok' ? 'INTEGRITY FAILED' : 'verification' in m && m.verification.status === 'failed' ? `VERIFY FAILED ${localTime(m.verification.at)}` : 'ok';
      const rows = [['ID', 'SOURCE', 'CREATED', 'TRIGGER', 'SIZE', 'STATUS', 'PINNED', 'WHERE']];
      for (const m of withChecks) rows.push([m.id, m.source.id, localTime(m.createdAt), m.trigger, formatBytes(m.artifact.bytes), state(m), m.pinned ? 'pinned' : '', m.locations.join(', ')]);
      const human = points.length ? table(rows) : 'No restore points yet. Take one with `lifeboat backup <database>`.';
      cx.print([human, ...warnings.map((w) => `warning: ${w}`)].join('\n'), withChecks);
    });
}

/** Adds what the destinations hold to `points` (newest first again), and returns what could not be read there, one line each. */
async function addRemote(e: Engine, points: Listed[], sourceId: string | undefined): Promise<string[]> {
  const warnings: string[] = [];
  for (const { destination, points: remote, problems, error } of await e.destinations.listRemote()) {
    if (error) warnings.push(`${destination.name}: ${error}`);
    // What could not be read there is said, one line each, never skipped in silence.
    for (const problem of problems) warnings.push(`${destination.name}: ${problem}`);
    for (const { manifest } of remote) {
      if (sourceId && manifest.source.id !== sourceId) continue;
      const known = points.find((p) => p.id === manifest.id);
      if (known) {
        if (!known.locations.includes(destination.name)) known.locations.push(destination.name);
      } else points.push({ ...manifest, locations: [destination.name] });
    }
  }
  points.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  return warnings;
}

/** `lifeboat verify [ID...]`. */
function registerVerify(cx: CliContext): void {
  withKeyOptions(cx.program.command('verify').description('re-hash and integrity-check restore points (all, or the ones given); exits 1 on any failure').argument('[ids...]', 'restore point ids')).action(
    async (ids: string[], o: { identity?: string[]; passphraseFile?: string }) => {
      const e = await cx.open();
      const keys = await keysFrom(cx.io, o);
      const title = ids.length === 1 ? 'Verifying a restore point' : ids.length ? `Verifying ${ids.length} restore points` : 'Verifying every restore point';
      const counts = await cx.record({ kind: 'verify', title, ...(ids.length === 1 ? { restorePointId: ids[0] } : {}) }, () => verifyAll(cx, e, ids, keys), (n) => ({ message: n.failed ? `${n.failed} of ${n.total} FAILED` : `${n.total} checked, all good${n.unchecked ? ` (${n.unchecked} ${NOT_CHECKED_NO_KEY})` : ''}`, failed: n.failed > 0 }));
      if (counts.failed > 0) throw new LifeboatError('integrity-failed', `${counts.failed} restore point${counts.failed === 1 ? '' : 's'} failed verification`, 'Do not rely on them; take a new backup and keep the ones that passed');
    },
  );
}

/** Verifies `ids` (or every restore point, after re-reading the vault) and prints each result; returns the counts. */
async function verifyAll(cx: CliContext, e: Engine, ids: string[], keys: Awaited<ReturnType<typeof keysFrom>>): Promise<{ failed: number; unchecked: number; total: number }> {
  const scan = ids.length ? { problems: [] } : await e.reindex();
  const targets = ids.length ? ids : e.list().map((m) => m.id);
  const bar = cx.progress();
  const results = [];
  for (const id of targets) {
    results.push(await e.verify(id, { keys, onBytes: (b) => bar.update({ phase: 'hashing', done: b, total: 0, unit: 'bytes' }) }));
  }
  bar.done();
  const problems = scan.problems.map((p) => ({ file: p.file, ok: false, message: p.error.message }));
  const word = { ok: 'ok', failed: 'FAILED', unchecked: NOT_CHECKED_NO_KEY } as const;
  const width = Math.max(...results.map((r) => word[r.status].length), problems.length ? 6 : 2);
  const lines = [
    ...results.map((r) => `${word[r.status].padEnd(width)}  ${r.id}  ${r.sourceId}${r.status === 'ok' ? '' : `  ${r.status === 'unchecked' ? r.message.slice(NOT_CHECKED_NO_KEY.length + 2) : r.message}`}`),
    ...problems.map((p) => `${'FAILED'.padEnd(width)}  ${p.message}`),
  ];
  const failed = results.filter((r) => r.status === 'failed').length + problems.length;
  const unchecked = results.filter((r) => r.status === 'unchecked').length;
  const total = results.length + problems.length;
  lines.push(`${total} restore point${total === 1 ? '' : 's'}: ${total - failed - unchecked} ok, ${failed} failed${unchecked ? `, ${unchecked} ${NOT_CHECKED_NO_KEY}` : ''}`);
  cx.print(lines.join('\n'), { results, problems, failed, unchecked });
  return { failed, unchecked, total };
}

/** `lifeboat restore ID`. */
function registerRestore(cx: CliContext): void {
  const { io, program } = cx;
  withKeyOptions(program.command('restore').description('restore a restore point over its database (a safety copy is taken first) or to a new file').argument('<id>', 'restore point id (or a unique part of it)'))
    .option('--to <path>', 'restore to this new file instead of over the database')
    .option('--wait <seconds>', 'wait this long for another job on the same database', countOption)
    .option('--from <destination>', 'fetch it from this destination (otherwise: the vault, then each destination)')
    .option('--while-open', 'restore in place even though another program has the database open (restart it afterwards)')
    .action(async (id: string, o: { to?: string; wait?: number; identity?: string[]; passphraseFile?: string; from?: string; whileOpen?: boolean }) => {
      const e = await cx.open();
      const local = o.from
        ? undefined
        : await e.get(id).catch((err: unknown) => {
            if (isLifeboatError(err) && err.code === 'unknown-restore-point') return undefined;
            throw err;
          });
      const m = local ?? (await e.pull(id, o.from));
      if (!local) io.stderr.write(`Fetched ${m.id} from a destination into the vault.\n`);
      const keys = await keysFor(io, e, m, o);
      // The real file: the registered database's own path (never the path a manifest claims).
      const target = e.restoreTarget(m, o.to);
      // A database open in another program is refused by the engine before anything happens (unless
      // --while-open), so there is nothing to confirm then.
      const users = o.to ? undefined : await e.programsUsing(target);
      if (!o.to && (!users?.length || o.whileOpen)) {
        await confirm(io, program.opts(), `Restore ${m.id} (${localTime(m.createdAt)}) over ${target}?${users?.length ? ` It is open in ${describeHolders(users)}: restart that afterwards.` : ''} A safety copy of the current database is taken first.`);
      }
      const bar = cx.progress();
      try {
        const r = await cx.record(
          { kind: 'restore', title: o.to ? `Restoring ${m.source.name} into another file` : `Restoring ${m.source.name}`, sourceId: m.source.id, restorePointId: m.id },
          () => e.restore({ id: m.id, to: o.to, keys, waitMs: (o.wait ?? 0) * 1000, onProgress: (p) => bar.update(p), whileOpen: o.whileOpen }),
          restoreOutcome,
        );
        bar.done();
        const lines = [`Restored ${r.restored.id} to ${r.target}${r.method === 'sqlite-backup' ? ' (through SQLite, so programs using it see the restored data)' : ''}`];
        if (r.safetyCopy) lines.push(`Safety copy of the previous database: ${r.safetyCopy.id} (undo with \`lifeboat undo\`)`);
        if (r.quarantinedTo) lines.push(`The previous, unreadable files were kept in ${r.quarantinedTo}`);
        if (r.requiresRestart) lines.push(r.holders.length ? `Restart the programs that had it open: ${describeHolders(r.holders)}` : 'Restart any program that had it open');
        cx.print(lines.join('\n'), r);
      } finally {
        bar.done();
      }
    });
}

/** How a restore or an undo reads in the history (as the app's restore job says it). */
function restoreOutcome(r: { inPlace: boolean; restored: Manifest; safetyCopy?: Manifest; target: string }): { message: string; restorePointId: string } {
  return { message: r.inPlace ? `Restored ${r.restored.source.name}${r.safetyCopy ? '; the previous database was kept as a safety copy' : ''}` : `Restored into ${r.target}`, restorePointId: r.restored.id };
}

/** `lifeboat undo`. */
function registerUndo(cx: CliContext): void {
  const { io, program, open, print, progress } = cx;
  program
    .command('undo')
    .description('put back the database as it was before the last restore or rows brought back (from its safety copy)')
    .option('--source <id>', 'the last restore of this source')
    .option('--while-open', 'undo even though another program has the database open (restart it afterwards)')
    .action(async (o: { source?: string; whileOpen?: boolean }) => {
      const e = await open();
      const change = e.lastChange(o.source);
      const safety = change?.safetyCopy;
      const users = safety ? await e.programsUsing(e.restoreTarget(safety)) : undefined;
      if (change && safety && (!users?.length || o.whileOpen)) {
        const before = change.reason === 'recover' ? `before rows were brought back from ${change.restoredId}` : change.reason === 'undo' ? 'before the last undo' : `before restoring ${change.restoredId}`;
        await confirm(io, program.opts(), `Put back ${e.restoreTarget(safety)} as it was at ${localTime(safety.createdAt)} (${before})?${users?.length ? ` It is open in ${describeHolders(users)}: restart that afterwards.` : ''}`);
      }
      const bar = progress();
      try {
        const r = await cx.record({ kind: 'undo', title: `Undoing the last change${safety ? ` of ${safety.source.name}` : ''}`, ...(safety ? { sourceId: safety.source.id } : {}) }, () => e.undo({ sourceId: o.source, onProgress: (p) => bar.update(p), whileOpen: o.whileOpen }), restoreOutcome);
        bar.done();
        print(`Undone: ${r.target} is back as it was at ${localTime(r.restored.createdAt)}${r.safetyCopy ? `\nSafety copy of what was there: ${r.safetyCopy.id}` : ''}`, r);
      } finally {
        bar.done();
      }
    });
}

/** `lifeboat prune`. */
function registerPrune(cx: CliContext): void {
  const { program, open, print } = cx;
  program
    .command('prune')
    .description('delete restore points that the retention policy no longer keeps')
    .option('--dry-run', 'only show what would be deleted and why each survivor is kept')
    .option('--source <id>', 'only this source')
    .action(async (o: { dryRun?: boolean; source?: string }) => {
      const e = await open();
      const both = async () => ({ results: await e.prune({ dryRun: o.dryRun, sourceId: o.source }), remote: await e.pruneDestinations({ dryRun: o.dryRun, sourceId: o.source }) });
      // What only shows what would go changes nothing, and is not an operation in the history.
      const { results, remote } = o.dryRun
        ? await both()
        : await cx.record({ kind: 'prune', title: 'Removing old restore points', ...(o.source ? { sourceId: o.source } : {}) }, both, (r) => ({ message: `${r.results.reduce((n, x) => n + x.remove.length, 0)} deleted in the vault, ${r.remote.reduce((n, x) => n + ('remove' in x ? x.remove.length : 0), 0)} at the destinations` }));
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
}

/** `lifeboat status`. */
function registerStatus(cx: CliContext): void {
  const { program, open, print } = cx;
  program
    .command('status')
    .description('sources, their newest restore points and the vault')
    .action(async () => {
      const e = await open();
      const s = await e.status();
      // The same judgement the app shows: "ok" only when it is.
      // Every program's last backups (the one history), as the app judges from them.
      const scheduler = setupScheduler(e);
      const health = await engineHealth(e, { scheduler, recentJobs: e.history.list({ limit: 100 }), undeliveredAlerts: undeliveredAlerts(fileAlertState(e.dataDir).read(), e.settings().alerts.channels) }, s);
      const runner = await scheduleRunner(e, scheduler.status());
      const verifications = e.verifications();
      const lines = [`Data folder: ${s.dataDir}`, `Vault: ${s.vaultDir}${s.freeBytes !== undefined ? ` (${formatBytes(s.freeBytes)} free)` : ''}`];
      if (s.sources.length === 0) lines.push('No sources yet. Back one up with `lifeboat backup <database>`.');
      for (const x of s.sources) {
        const verdict = (m: Manifest) => (m.integrity.status !== 'ok' ? 'INTEGRITY FAILED' : verifications.get(m.id)?.status === 'failed' ? 'VERIFY FAILED' : 'integrity ok');
        const newest = x.newest ? `${localTime(x.newest.createdAt)} (${verdict(x.newest)})` : 'never';
        lines.push(`${x.source.id}: ${x.source.path}`, `  restore points: ${x.restorePoints} (${formatBytes(x.bytes)}), last backup: ${newest}`);
        if (x.advice) lines.push(`  note: ${x.advice.message}.`, `  ${x.advice.hint}.`);
      }
      const destinations = e.destinations.status();
      for (const d of destinations) {
        const state = !d.destination.enabled ? 'off' : d.failed ? `${d.failed} FAILED${d.lastError ? `: ${d.lastError}` : ''}` : d.pending ? `${d.pending} waiting` : 'up to date';
        lines.push(`destination ${d.destination.id} (${d.destination.kind === 'folder' ? d.destination.path : d.destination.name}): ${d.completed} copies, ${state}`);
      }
      if (s.orphans) lines.push(`${s.orphans} restore point(s) belong to sources no longer registered`);
      lines.push(`Schedule: ${runner.text}`);
      lines.push(`Health: ${health.summary}`, ...health.reasons.map((r) => `  ${r.level === 'error' ? 'PROBLEM' : 'warning'}: ${r.text} ${r.action}`));
      print(lines.join('\n'), { ...s, destinations, health, scheduleRunner: runner });
    });
}

/** `lifeboat reindex`. */
function registerReindex(cx: CliContext): void {
  const { program, open, print } = cx;
  program
    .command('reindex')
    .description('rebuild the restore point list from the manifests in the vault')
    .action(async () => {
      const e = await open();
      const scan = await e.reindex();
      const lines = [`Indexed ${scan.manifests.length} restore point${scan.manifests.length === 1 ? '' : 's'}.`];
      for (const p of scan.problems) lines.push(`Not indexed: ${p.error.oneLine}`);
      // The record of copies is rebuilt from the destinations themselves; what they lack is queued.
      const destinations = await e.reconcileDestinations();
      for (const d of destinations) {
        lines.push(`${d.destinationId}: ${d.error ? `could not be read (${d.error})` : `holds ${d.held}`}, ${d.queued} queued`);
      }
      if (destinations.some((d) => d.queued > 0)) lines.push('Queued copies go with `lifeboat push` (or on their own in the app and the daemon).');
      print(lines.join('\n'), { indexed: scan.manifests.length, problems: scan.problems.map((p) => ({ file: p.file, ...p.error.toJSON() })), destinations });
    });
}

/** `lifeboat pin ID` and `lifeboat unpin ID`. */
function registerPins(cx: CliContext): void {
  const { program, open, print } = cx;
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
}
