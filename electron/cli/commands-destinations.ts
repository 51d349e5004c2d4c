// `lifeboat destinations`, `push`, `pull` and `drive`: copies beyond the vault. Every kind of
// destination is set up through the registry: `destinations add <folder>`, `destinations add --kind
// drive`, and `drive connect|status|disconnect` as they always were, all over the kinds' own flows.
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { Option, type Command } from 'commander';
import type { SetupFieldView } from '../../shared/ipc-contract.ts';
import { formatBytes } from '../../shared/bytes.ts';
import type { Destination, Replica } from '../../shared/model.ts';
import type { DestinationKind, DestinationKinds, SetupEffects, SetupValues } from '../destinations/registry.ts';
import { LifeboatError } from '../engine/common/errors.ts';
import type { Engine } from '../engine/engine.ts';
import { encodingFrom, localTime, promptHidden, retentionFrom, table, withEncodingOptions, withRetentionOptions, type CliContext, type Io } from './shared.ts';

const kebab = (name: string) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
/** The commander property of a field's option (`--client-secret-file` → clientSecretFile). */
const optionKey = (f: SetupFieldView) => (f.type === 'secret' ? `${f.name}File` : f.name);

/** Adds an option for each typed field of `kinds` (a secret as `--…-file`; its value on the command line is refused). */
function withFieldOptions(cmd: Command, kinds: DestinationKind[]): Command {
  const seen = new Set<string>();
  for (const f of kinds.flatMap((k) => k.describe.fields)) {
    if (f.type === 'folder' || seen.has(f.name)) continue;
    seen.add(f.name);
    if (f.type === 'secret') {
      cmd.option(`--${kebab(f.name)}-file <file>`, `read the ${f.label.toLowerCase()} from this file (kept in the secret store, never in settings)`);
      cmd.addOption(new Option(`--${kebab(f.name)} <secret>`).hideHelp());
    } else cmd.option(`--${kebab(f.name)} <value>`, f.label.toLowerCase());
  }
  return cmd;
}

/**
 * A secret field's value: its file, then its environment variable, then a hidden prompt on a
 * terminal; never the command line (visible to everyone on the machine, kept in shell history).
 */
async function secretFrom(io: Io, f: SetupFieldView, o: Record<string, unknown>): Promise<string | undefined> {
  if (o[f.name] !== undefined) {
    throw new LifeboatError('usage', `A ${f.label.toLowerCase()} on the command line is visible to everyone on this machine (ps) and stays in your shell history`, `Type it when asked, or give it with --${kebab(f.name)}-file FILE${f.env ? ` or in ${f.env}` : ''}`);
  }
  const file = o[optionKey(f)] as string | undefined;
  if (file) {
    try {
      return (await readFile(file, 'utf8')).trim();
    } catch (e) {
      throw new LifeboatError('usage', `The ${f.label.toLowerCase()} file ${file} cannot be read (${(e as Error).message})`, 'Check the path');
    }
  }
  if (f.env && io.env[f.env]) return io.env[f.env];
  if (!io.stdin.isTTY) return undefined;
  return (await promptHidden(io, `${f.label} (Enter for none): `)).trim() || undefined;
}

/** The set-up values of `kind` from the command's options (and `folder`, the argument). */
async function valuesFrom(io: Io, kind: DestinationKind, o: Record<string, unknown>, folder?: string): Promise<SetupValues> {
  const values: SetupValues = {};
  const typed = kind.describe.fields.filter((f) => f.type !== 'secret' && o[f.name] !== undefined);
  for (const f of kind.describe.fields) {
    if (f.type === 'folder') values[f.name] = folder;
    else if (f.type === 'text') values[f.name] = o[f.name] as string | undefined;
    // A secret is asked for only beside the values it belongs to (the client id).
    else if (f.type === 'secret' && (typed.length > 0 || o[optionKey(f)] !== undefined || o[f.name] !== undefined)) values[f.name] = await secretFrom(io, f, o);
  }
  if (kind.describe.fields.some((f) => f.type === 'folder' && !f.optional) && !folder) throw new LifeboatError('usage', `A ${kind.describe.label.toLowerCase()} destination needs the folder`, `lifeboat destinations add <folder> --kind ${kind.describe.kind}`);
  return values;
}

/** The terminal's ways of showing a sign-in: the address printed, the system browser opened (unless LIFEBOAT_NO_BROWSER). */
function cliEffects(io: Io): SetupEffects {
  return {
    onUrl: (url) => io.stderr.write(`Open this address to sign in (waiting up to 5 minutes):\n${url}\n`),
    openBrowser: async (url) => {
      if (io.env.LIFEBOAT_NO_BROWSER) return;
      const opener = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
      spawn(opener, [url], { detached: true, stdio: 'ignore' }).on('error', () => undefined).unref();
    },
  };
}

/** Where a destination is, as its kind says (its name when this build cannot read its settings). */
function whereOf(kinds: DestinationKinds, d: Destination): string {
  try {
    return kinds.of(d).where(d);
  } catch {
    return d.name;
  }
}

/** The destination of a kind that allows one (Google Drive), or a clear error. */
function theOneOf(e: Engine, kind: DestinationKind): Destination | undefined {
  return e.destinations.list().find((d) => d.kind === kind.describe.kind);
}

type SetUp = (kind: DestinationKind, values: SetupValues) => Promise<{ e: Engine; d: Destination; resumed: Replica[] }>;
type Push = (id: string | undefined, to: string | undefined) => Promise<void>;

/** `push` and `drive push`: copies what is waiting (or one restore point) and reports each copy. */
function pusher({ open, print }: CliContext): Push {
  return async (id, to) => {
    const e = await open();
    const restorePointId = id ? (await e.get(id)).id : undefined;
    const results = await e.push({ restorePointId, destinationId: to, force: true });
    const names = new Map(e.destinations.list().map((d) => [d.id, d.name]));
    const lines = results.map((r) => `${r.status === 'completed' ? 'copied ' : 'FAILED '} ${r.restorePointId} to ${names.get(r.destinationId)}${r.error ? `: ${r.error}` : ''}`);
    const failed = results.filter((r) => r.status !== 'completed').length;
    print(lines.join('\n') || 'Nothing to copy: every destination is up to date.', results);
    if (failed) throw new LifeboatError('busy', `${failed} cop${failed === 1 ? 'y' : 'ies'} failed`, 'The restore points are safe in the vault; fix the destination and run `lifeboat push` again');
  };
}

/** Sets a destination of a kind up through its own flow; one that signs in gets what waited for it at once. */
function setUpper({ io, open }: CliContext): SetUp {
  return async (kind, values) => {
    const e = await open();
    const done = await kind.setup(e, values, cliEffects(io));
    if (!done) throw new LifeboatError('cancelled', 'Nothing was set up', '');
    // Uploads that waited for a reconnection go now (and a new destination's history).
    const resumed = kind.describe.browserSignIn ? await e.push({ destinationId: done.destination.id, force: true }) : [];
    return { e, d: done.destination, resumed };
  };
}

/** `destinations list` and `destinations add [folder] [--kind KIND --FIELD VALUE…]`. */
function registerListAndAdd(cx: CliContext, destinations: Command, setUp: SetUp): void {
  const { io, open, print, kinds } = cx;
  destinations
    .command('list', { isDefault: true })
    .description('destinations with their last upload and status')
    .action(async () => {
      const e = await open();
      const list = e.destinations.status();
      const rows = [['ID', 'WHERE', 'ENABLED', 'SENDS', 'COPIES', 'WAITING', 'FAILED', 'LAST UPLOAD', 'LAST ERROR']];
      const sends = (d: (typeof list)[number]['destination']) =>
        [d.compressLevel !== undefined ? 'zstd' : '', d.encrypt ? (d.encrypt.kind === 'passphrase' ? 'age (passphrase)' : 'age (keys)') : ''].filter(Boolean).join('+') || 'as is';
      for (const d of list) rows.push([d.destination.id, whereOf(kinds, d.destination), d.destination.enabled ? 'yes' : 'no', sends(d.destination), String(d.completed), String(d.pending), String(d.failed), d.lastUploadAt ? localTime(d.lastUploadAt) : 'never', d.lastError ?? '']);
      print(list.length ? table(rows) : 'No destinations yet. Add a folder on another disk with `lifeboat destinations add <folder>`.', list);
    });
  withFieldOptions(
    destinations
      .command('add')
      .description('copy restore points to this folder (an external disk, a NAS mount) after each backup; or, with --kind, to another kind of destination')
      .argument('[folder]')
      .option('--kind <kind>', `the kind of destination: ${kinds.list.map((k) => k.describe.kind).join(', ')}`, 'folder'),
    kinds.list,
  ).action(async (folder: string | undefined, o: Record<string, unknown> & { kind: string }) => {
    const kind = kinds.get(o.kind);
    const { e, d, resumed } = await setUp(kind, await valuesFrom(io, kind, o, folder));
    const same = (await e.status()).sameDisk.find((x) => x.destinationId === d.id);
    if (same) io.stderr.write(`warning: ${folder} is on the same disk as ${same.sourceIds.map((id) => e.sources.get(id).name).join(', ')}: it is not a copy off this disk (a failing disk would take both). Prefer an external disk, a NAS or Google Drive.\n`);
    const waiting = e.destinations.status().find((x) => x.destination.id === d.id)?.pending ?? 0;
    const copied = resumed.filter((r) => r.status === 'completed').length;
    print(
      `Destination ${d.id}: ${whereOf(kinds, d)}. New restore points are copied there${copied ? `; ${copied} cop${copied === 1 ? 'y' : 'ies'} sent` : ''}${waiting ? `; ${waiting} restore point${waiting === 1 ? '' : 's'} already in the vault (what its retention keeps) ${waiting === 1 ? 'is' : 'are'} queued for it: \`lifeboat push\` sends them now (the app and \`lifeboat daemon\` send them on their own)` : ''}.`,
      d,
    );
  });
}

/** `destinations remove|set|enable|disable`. */
function registerChanges(cx: CliContext, destinations: Command): void {
  const { open, print } = cx;
  destinations
    .command('remove')
    .description('stop copying to a destination (what is there stays)')
    .argument('<id>')
    .action(async (id: string) => {
      const e = await open();
      print(`Removed destination ${(await e.destinations.remove(id)).id}; the copies there were not touched.`, { id });
    });
  withEncodingOptions(
    withRetentionOptions(
      destinations
        .command('set')
        .description("a destination's own retention, uploads and encryption (e.g. encrypt what goes to Drive, keep more there)")
        .argument('<id>'),
    ),
    'copies of plain restore points sent here (the vault keeps them as they are)',
  )
    .option('--upload-manual', 'copy manual backups automatically (the default)')
    .option('--no-upload-manual', 'do not copy manual backups automatically')
    .option('--upload-scheduled', 'copy scheduled backups automatically (the default)')
    .option('--no-upload-scheduled', 'do not copy scheduled backups automatically')
    .action(async (id: string, o: Record<string, number | boolean | string[] | undefined>) => {
      const e = await open();
      const retention = retentionFrom(o);
      if (Object.keys(retention).length) e.destinations.setRetention(id, retention);
      const encoding = encodingFrom(o);
      if (Object.keys(encoding).length) await e.destinations.setEncoding(id, { ...('compressLevel' in encoding ? { compressLevel: encoding.compressLevel ?? null } : {}), ...('encryption' in encoding ? { encrypt: encoding.encryption ?? null } : {}) });
      const { uploadManual, uploadScheduled } = o;
      const d = e.destinations.setUpload(id, { manual: uploadManual as boolean | undefined, scheduled: uploadScheduled as boolean | undefined });
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

}

/** Registers destination commands on the program: `destinations …`, `push`, `pull`, `drive …`. */
export function registerDestinationCommands(cx: CliContext): void {
  const { program, open, print } = cx;
  const push = pusher(cx);
  const setUp = setUpper(cx);
  const destinations = program.command('destinations').description('where copies go besides the vault: folders on other disks or a NAS, Google Drive');
  registerListAndAdd(cx, destinations, setUp);
  registerChanges(cx, destinations);
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

  registerDriveCommands(cx, setUp, push);
}

/**
 * `lifeboat drive …`, as it always was, over the Drive kind from the registry: connect (sign in,
 * then send what waited), push, list, pull, status (the account and its storage), disconnect.
 */
function registerDriveCommands(cx: CliContext, setUp: SetUp, push: Push): void {
  const { io, program, open, print, kinds } = cx;
  const kind = kinds.get('drive');
  const driveId = async () => theOneOf(await open(), kind)?.id ?? 'drive';
  const drive = program.command('drive').description('Google Drive: connect your account and keep copies there');
  withFieldOptions(drive.command('connect').description('sign in with Google in your browser and copy restore points to Google Drive'), [kind]).action(async (o: Record<string, unknown>) => {
    const { e, d, resumed } = await setUp(kind, await valuesFrom(io, kind, o));
    const usage = await kind.usage?.(e, d);
    const copied = resumed.filter((r) => r.status === 'completed').length;
    print(
      `Connected to ${kind.describe.label} as ${usage?.account ?? 'your account'}. ${usage?.detail ?? 'New restore points are copied there.'}${copied ? ` ${copied} waiting cop${copied === 1 ? 'y' : 'ies'} uploaded.` : ''} \`lifeboat push\` copies the ones already in the vault.`,
      { email: usage?.account, destination: d.id, resumed },
    );
  });
  drive
    .command('push')
    .description('copy restore points to Google Drive now (what is waiting, or one restore point)')
    .argument('[id]')
    .action(async (id: string | undefined) => push(id, await driveId()));
  drive
    .command('list')
    .description('the restore points on Google Drive (read from Drive)')
    .action(async () => {
      const e = await open();
      const [remote] = await e.destinations.listRemote(await driveId());
      if (remote?.error) throw new LifeboatError('busy', remote.error, '');
      const points = (remote?.points ?? []).map((p) => p.manifest).sort((a, b) => b.createdAt.localeCompare(a.createdAt));
      const rows = [['ID', 'SOURCE', 'CREATED', 'SIZE', 'FORMAT'], ...points.map((m) => [m.id, m.source.id, localTime(m.createdAt), formatBytes(m.artifact.bytes), m.artifact.format])];
      const warnings = (remote?.problems ?? []).map((p) => `warning: ${p}`);
      print([points.length ? table(rows) : 'No restore points on Google Drive yet.', ...warnings].join('\n'), points);
    });
  drive
    .command('pull')
    .description('bring a restore point from Google Drive into the vault (verified)')
    .argument('<id>')
    .action(async (id: string) => {
      const e = await open();
      const m = await e.pull(id, await driveId());
      print(`Fetched ${m.id} of ${m.source.id} from Google Drive into the vault`, m);
    });
  drive
    .command('status')
    .description("the connected account, its storage and how much of it is Lifeboat's")
    .action(async () => {
      const e = await open();
      const d = theOneOf(e, kind);
      // Not connected is an answer, not a failure.
      if (!d) return print('Google Drive is not connected. Connect it with `lifeboat drive connect` (or Destinations in the app).', { connected: false });
      const usage = await kind.usage?.(e, d);
      if (usage?.error) throw new LifeboatError(usage.needsSignIn ? 'wrong-key' : 'busy', usage.lines.join('; '), '');
      print((usage?.lines ?? []).join('\n'), usage);
    });
  drive
    .command('disconnect')
    .description("revoke Lifeboat's access and forget the token (copies on Drive stay)")
    .action(async () => {
      const e = await open();
      const d = theOneOf(e, kind);
      // Removing the destination gives up its access (its storage revokes the token).
      if (d) await e.destinations.remove(d.id);
      print('Disconnected from Google Drive; the restore points there were not touched.', {});
    });
}
