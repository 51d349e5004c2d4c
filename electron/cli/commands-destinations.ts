// `lifeboat destinations`, `push`, `pull` and `drive`: copies beyond the vault.
import { LifeboatError } from '../engine/common/errors.ts';
import { formatBytes } from '../../shared/bytes.ts';
import { connectDrive, disconnectDrive, driveDestinationOf, driveQuota, setGoogleClient } from '../destinations/drive/drive-account.ts';
import { spawn } from 'node:child_process';
import { Option } from 'commander';
import { readFile } from 'node:fs/promises';
import { encodingFrom, localTime, promptHidden, retentionFrom, table, withEncodingOptions, withRetentionOptions, type CliContext, type Io } from './shared.ts';

/**
 * The Google client secret for `drive connect`: --client-secret-file, then
 * LIFEBOAT_GOOGLE_CLIENT_SECRET, then a hidden prompt on a terminal; never the command line.
 */
async function clientSecretFrom(io: Io, file: string | undefined, clientId: string): Promise<string | undefined> {
  if (file) {
    try {
      return (await readFile(file, 'utf8')).trim();
    } catch (e) {
      throw new LifeboatError('usage', `The client secret file ${file} cannot be read (${(e as Error).message})`, 'Check the path');
    }
  }
  if (io.env.LIFEBOAT_GOOGLE_CLIENT_SECRET) return io.env.LIFEBOAT_GOOGLE_CLIENT_SECRET;
  if (!io.stdin.isTTY) return undefined;
  return (await promptHidden(io, `Client secret of ${clientId} (Enter for none): `)).trim() || undefined;
}

/** Registers destination commands on the program. */
export function registerDestinationCommands(cx: CliContext): void {
  const { io, program, open, print } = cx;
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

  const destinations = program.command('destinations').description('where copies go besides the vault: folders on other disks or a NAS');
  destinations
    .command('list', { isDefault: true })
    .description('destinations with their last upload and status')
    .action(async () => {
      const e = await open();
      const list = e.destinations.status();
      const rows = [['ID', 'FOLDER', 'ENABLED', 'SENDS', 'COPIES', 'WAITING', 'FAILED', 'LAST UPLOAD', 'LAST ERROR']];
      const sends = (d: (typeof list)[number]['destination']) =>
        [d.compressLevel !== undefined ? 'zstd' : '', d.encrypt ? (d.encrypt.kind === 'passphrase' ? 'age (passphrase)' : 'age (keys)') : ''].filter(Boolean).join('+') || 'as is';
      for (const d of list) rows.push([d.destination.id, d.destination.kind === 'folder' ? d.destination.path : d.destination.name, d.destination.enabled ? 'yes' : 'no', sends(d.destination), String(d.completed), String(d.pending), String(d.failed), d.lastUploadAt ? localTime(d.lastUploadAt) : 'never', d.lastError ?? '']);
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
      const same = (await e.status()).sameDisk.find((x) => x.destinationId === d.id);
      if (same) io.stderr.write(`warning: ${folder} is on the same disk as ${same.sourceIds.map((id) => e.sources.get(id).name).join(', ')}: it is not a copy off this disk (a failing disk would take both). Prefer an external disk, a NAS or Google Drive.\n`);
      const waiting = e.destinations.status().find((x) => x.destination.id === d.id)?.pending ?? 0;
      print(
        `Destination ${d.id}: ${d.kind === 'folder' ? d.path : ''}. New restore points are copied there${waiting ? `; ${waiting} restore point${waiting === 1 ? '' : 's'} already in the vault (what its retention keeps) ${waiting === 1 ? 'is' : 'are'} queued for it: \`lifeboat push\` sends them now (the app and \`lifeboat daemon\` send them on their own)` : ''}.`,
        d,
      );
    });
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
    .option('--client-id <id>', 'your "Desktop app" OAuth client id (saved in settings); its secret is asked for, or read from LIFEBOAT_GOOGLE_CLIENT_SECRET or --client-secret-file')
    .option('--client-secret-file <file>', 'read the client secret from this file (kept in the secret store, never in settings)')
    .addOption(new Option('--client-secret <secret>').hideHelp())
    .action(async (o: { clientId?: string; clientSecret?: string; clientSecretFile?: string }) => {
      if (o.clientSecret !== undefined) {
        throw new LifeboatError('usage', 'A client secret on the command line is visible to everyone on this machine (ps) and stays in your shell history', 'Type it when asked, or give it with --client-secret-file FILE or in LIFEBOAT_GOOGLE_CLIENT_SECRET');
      }
      const e = await open();
      if (o.clientId || o.clientSecretFile) {
        const clientId = o.clientId ?? e.settings().google?.clientId;
        if (!clientId) throw new LifeboatError('usage', '--client-secret-file needs the client id it belongs to', 'Add --client-id …apps.googleusercontent.com');
        await setGoogleClient(e, { clientId, clientSecret: await clientSecretFrom(io, o.clientSecretFile, clientId) });
      }
      const { quota, destination, resumed } = await connectDrive(e, {
        env: io.env,
        onUrl: (url) => io.stderr.write(`Open this address to sign in with Google (waiting up to 5 minutes):\n${url}\n`),
        openBrowser: async (url) => {
          if (io.env.LIFEBOAT_NO_BROWSER) return;
          const opener = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
          spawn(opener, [url], { detached: true, stdio: 'ignore' }).on('error', () => undefined).unref();
        },
      });
      const copied = resumed.filter((r) => r.status === 'completed').length;
      print(
        `Connected to Google Drive as ${quota.email}. New restore points are copied to "${destination.folderName}"${copied ? `; ${copied} waiting cop${copied === 1 ? 'y' : 'ies'} uploaded` : ''}; \`lifeboat push\` copies the ones already in the vault.`,
        { email: quota.email, destination: destination.id, resumed },
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
      const warnings = (remote?.problems ?? []).map((p) => `warning: ${p}`);
      print([points.length ? table(rows) : 'No restore points on Google Drive yet.', ...warnings].join('\n'), points);
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
      // Not connected is an answer, not a failure.
      if (!driveDestinationOf(e)) return print('Google Drive is not connected. Connect it with `lifeboat drive connect` (or Destinations in the app).', { connected: false });
      const q = await driveQuota(e, io.env);
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
      await disconnectDrive(await open(), io.env);
      print('Disconnected from Google Drive; the restore points there were not touched.', {});
    });

}
