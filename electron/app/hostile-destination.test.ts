// A hostile destination (DESIGN.md promises 5, 10 and 11): a folder destination anyone on the
// network could write to, crafted with manifests that name other files, date themselves in the
// future or claim to be safety copies, zstd bombs, artifacts that are links to /dev/zero or FIFOs,
// huge, special and malformed manifests, links out of the folder and a planted marker link. Each
// case is run through the real CLI (every file it writes capped by `ulimit -f`, so a case that got
// through would fail with EFBIG rather than fill the disk), and, once pulled into the vault, through
// the desktop app's IPC handler table (with main's dialogs as recorded stand-ins). Every case must be
// refused or contained with a clear message, and nothing outside the data folder and the chosen
// target may change.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { constants as zlib, createZstdCompress } from 'node:zlib';
import { beforeAll, describe, expect, it, beforeEach } from 'vitest';
import { ipcContract, type ChannelName } from '../../shared/ipc-contract.ts';
import type { Manifest } from '../../shared/model.ts';
import { makeBankDb, readMarker, runCli, setMarker, setSetting, sha256, startCliHeldAt, type CliResult, keepWholeFiles } from '../engine/testing/fixtures.ts';
import { useTestFolder } from '../engine/testing/test-folder.ts';
import { createDesktopServices, type DesktopServices } from './desktop-services.ts';
import type { ConfirmRequest } from './effects.ts';
import { invokeChecked } from './ipc-dispatch.ts';
import { addFolderDestination } from '../destinations/folder/folder-kind.ts';

const tmp = useTestFolder();
// Whole-file restore points are what is tested here (the page store has tests of its own).
beforeEach(() => keepWholeFiles(tmp.home));
/** Every file the CLI writes in these tests is capped at 64 MiB. */
const CAP_KB = 64 * 1024;
const GiB = 1024 ** 3;
let bomb: Buffer;

beforeAll(async () => {
  bomb = await zstdOfZeros(GiB);
});

/** A standard zstd frame that expands to `bytes` zero bytes (about 33 KB for 1 GiB). */
async function zstdOfZeros(bytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const z = createZstdCompress({ params: { [zlib.ZSTD_c_compressionLevel]: 3 } });
  z.on('data', (c: Buffer) => chunks.push(c));
  const zero = Buffer.alloc(1 << 20);
  for (let i = 0; i < bytes / zero.length; i++) if (!z.write(zero)) await once(z, 'drain');
  z.end();
  await once(z, 'end');
  return Buffer.concat(chunks);
}

const usb = () => path.join(tmp.dir, 'usb');
const newHome = () => path.join(tmp.dir, 'new-home');
const cli = (args: string[], o: { home?: string; env?: NodeJS.ProcessEnv } = {}): Promise<CliResult> => runCli(args, { home: o.home ?? tmp.home, env: o.env, maxFileKb: CAP_KB });

/** This machine: store.db registered, one restore point copied to the destination. */
async function machineWithACopy(): Promise<Manifest> {
  makeBankDb(tmp.db, { mode: 'wal', blobRows: 50 });
  setMarker(tmp.db, 'monday');
  expect((await cli(['destinations', 'add', usb()])).code).toBe(0);
  const r = await cli(['--json', 'backup', tmp.db]);
  expect(r.code, r.stderr).toBe(0);
  const m = JSON.parse(r.stdout) as Manifest & { replicas: { status: string }[] };
  expect(m.replicas.map((x) => x.status)).toEqual(['completed']);
  return m;
}

/** A new machine: an empty data folder with the same destination. */
async function newMachine(): Promise<string> {
  expect((await cli(['destinations', 'add', usb()], { home: newHome() })).code).toBe(0);
  return newHome();
}

function newId(): string {
  return `${new Date().toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '')}-${randomBytes(3).toString('hex')}`;
}

const suffix = (format: Manifest['artifact']['format']) => `.sqlite${format.includes('zstd') ? '.zst' : ''}${format.includes('age') ? '.age' : ''}`;

/**
 * Plants a restore point at the destination, made from `base` (a real one) with a new id: its
 * artifact is `artifact` bytes, a link, or a FIFO, and `change` edits the manifest. Returns it.
 */
function plant(base: Manifest, o: { artifact?: Buffer | { link: string } | 'fifo'; sourceId?: string; change?: (m: Manifest) => Manifest } = {}): Manifest {
  const id = newId();
  const sourceId = o.sourceId ?? base.source.id;
  const bytes = o.artifact === undefined ? readFileSync(path.join(usb(), base.artifact.path)) : Buffer.isBuffer(o.artifact) ? o.artifact : undefined;
  let m: Manifest = {
    ...base,
    id,
    source: { ...base.source, id: sourceId },
    artifact: { ...base.artifact, ...(bytes ? { bytes: bytes.length, sha256: sha256Of(bytes) } : {}) },
  };
  m = o.change ? o.change(m) : m;
  m = { ...m, artifact: { ...m.artifact, path: `${sourceId}/${sourceId}_${id}${suffix(m.artifact.format)}` } };
  const dir = path.join(usb(), sourceId);
  mkdirSync(dir, { recursive: true });
  const artifact = path.join(usb(), m.artifact.path);
  if (bytes) writeFileSync(artifact, bytes);
  else if (o.artifact === 'fifo') mkfifo(artifact);
  else if (o.artifact && !Buffer.isBuffer(o.artifact)) symlinkSync(o.artifact.link, artifact);
  writeFileSync(path.join(dir, `${sourceId}_${id}.manifest.json`), JSON.stringify(m, null, 2));
  return m;
}

function sha256Of(bytes: Buffer): string {
  const file = path.join(tmp.dir, `.hash-${randomBytes(4).toString('hex')}`);
  writeFileSync(file, bytes);
  return sha256(file);
}

function mkfifo(file: string): void {
  const r = spawnSync('mkfifo', [file]);
  if (r.status !== 0) throw new Error(`mkfifo failed: ${r.stderr.toString()}`);
}

/** Files whose names say they are Lifeboat's temporary files, anywhere under `dir`. */
function leftovers(dir: string): string[] {
  return (readdirSync(dir, { recursive: true }) as string[]).filter((f) => /lifeboat-(tmp|restore)/.test(path.basename(f)));
}

describe('a hostile destination, through the CLI', () => {
  it('a manifest naming another file never chooses what a restore overwrites', async () => {
    const monday = await machineWithACopy();
    const victim = path.join(tmp.dir, 'notes.txt');
    writeFileSync(victim, 'my notes\n');
    // Of a database not registered on the new machine, "living" at the victim's path.
    const foreign = plant(monday, { sourceId: 'bashrc', change: (m) => ({ ...m, source: { ...m.source, name: '.bashrc', path: victim } }) });
    const home = await newMachine();
    const inPlace = await cli(['--yes', 'restore', foreign.id], { home });
    expect(inPlace.code).toBe(2);
    expect(inPlace.stderr).toMatch(/not a database registered on this machine.*--to PATH/);
    const chosen = path.join(tmp.dir, 'chosen.db');
    const to = await cli(['restore', foreign.id, '--to', chosen], { home });
    expect(to.code, to.stderr).toBe(0);
    expect(readMarker(chosen)).toBe('monday');

    // Of the registered database, but naming the victim: the registered file is the target.
    const named = plant(monday, { change: (m) => ({ ...m, source: { ...m.source, path: victim } }) });
    setMarker(tmp.db, 'tuesday');
    const r = await cli(['--json', '--yes', 'restore', named.id]);
    expect(r.code, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as { target: string }).target).toBe(tmp.db);
    expect(readMarker(tmp.db)).toBe('monday');
    expect(readFileSync(victim, 'utf8')).toBe('my notes\n');
  });

  it('restore points dated in the future or posing as safety copies steer neither undo nor retention', async () => {
    const monday = await machineWithACopy();
    setMarker(tmp.db, 'tuesday');
    expect((await cli(['--yes', 'restore', monday.id])).code).toBe(0);
    const future = plant(monday, { change: (m) => ({ ...m, createdAt: '2099-01-01T00:00:00.000Z', trigger: 'safety', safety: { before: 'restore', restoring: monday.id } }) });
    const pulled = await cli(['--json', 'pull', future.id]);
    expect(pulled.code, pulled.stderr).toBe(0);
    expect((JSON.parse(pulled.stdout) as Manifest).received?.from).toBe('usb');

    const plan = await cli(['--json', 'prune', '--dry-run']);
    const [store] = JSON.parse(plan.stdout) as { keep: { id: string; reasons: string[] }[] }[];
    expect(store?.keep.find((d) => d.id === future.id)?.reasons.join(' ')).not.toMatch(/2099/);

    setMarker(tmp.db, 'wednesday');
    const u = await cli(['--json', '--yes', 'undo']);
    expect(u.code, u.stderr).toBe(0);
    expect(readMarker(tmp.db)).toBe('tuesday');
    // On a new machine there is nothing to undo, whatever the destination holds.
    const home = await newMachine();
    expect((await cli(['pull', future.id], { home })).code).toBe(0);
    const none = await cli(['--yes', 'undo'], { home });
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/no restore to undo/);
  });

  it('a zstd bomb stops at the size its manifest declares, in place and with --to', async () => {
    const monday = await machineWithACopy();
    const bombed = plant(monday, {
      artifact: bomb,
      change: (m) => ({ ...m, artifact: { ...m.artifact, format: 'sqlite+zstd', compression: { algorithm: 'zstd', level: 3, ratio: 1 } } }),
    });
    const chosen = path.join(tmp.dir, 'chosen.db');
    const to = await cli(['restore', bombed.id, '--to', chosen]);
    expect(to.code).toBe(1);
    expect(to.stderr).toMatch(/expands beyond the .* its manifest declares, so decoding was stopped/);
    expect(existsSync(chosen)).toBe(false);

    setMarker(tmp.db, 'tuesday');
    const before = (await cli(['--json', 'list'])).stdout;
    const inPlace = await cli(['--yes', 'restore', bombed.id]);
    expect(inPlace.code).toBe(1);
    expect(inPlace.stderr).toMatch(/expands beyond/);
    expect(readMarker(tmp.db)).toBe('tuesday');
    expect((await cli(['--json', 'list'])).stdout).toBe(before);
    expect(leftovers(tmp.dir)).toEqual([]);
  });

  it('an artifact that is a link to /dev/zero, or a FIFO, is never read', async () => {
    const monday = await machineWithACopy();
    const home = await newMachine();
    const zero = plant(monday, { artifact: { link: '/dev/zero' } });
    const pipe = plant(monday, { artifact: 'fifo' });
    const linked = await cli(['pull', zero.id], { home });
    expect(linked.code).toBe(1);
    expect(linked.stderr).toMatch(/is a symbolic link, so Lifeboat will not read it/);
    const fifo = await cli(['pull', pipe.id], { home });
    expect(fifo.code).toBe(1);
    expect(fifo.stderr).toMatch(/is not a regular file \(a device, a pipe or a socket\)/);
    expect(leftovers(home)).toEqual([]);
    expect(JSON.parse((await cli(['--json', 'list'], { home })).stdout)).toEqual([]);
  });

  it('manifests that are huge, FIFOs, links or malformed, and folders linking out, are reported one by one, never parsed or followed', async () => {
    const monday = await machineWithACopy();
    const home = await newMachine();
    const dir = path.join(usb(), 'store');
    const huge = plant(monday);
    writeFileSync(path.join(dir, `store_${huge.id}.manifest.json`), JSON.stringify(huge) + ' '.repeat(2 * 1024 * 1024));
    const fifo = newId();
    mkfifo(path.join(dir, `store_${fifo}.manifest.json`));
    const outside = path.join(tmp.dir, 'elsewhere');
    mkdirSync(path.join(outside, 'store'), { recursive: true });
    const linkedId = newId();
    writeFileSync(path.join(outside, 'store', `store_${linkedId}.manifest.json`), JSON.stringify({ ...monday, id: linkedId, artifact: { ...monday.artifact, path: `store/store_${linkedId}.sqlite` } }));
    symlinkSync(path.join(outside, 'store', `store_${linkedId}.manifest.json`), path.join(dir, `store_${linkedId}.manifest.json`));
    const broken = newId();
    writeFileSync(path.join(dir, `store_${broken}.manifest.json`), '{ "version": 1, ');
    symlinkSync(path.join(outside, 'store'), path.join(usb(), 'other'));

    const r = await cli(['list', '--remote'], { home });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(monday.id);
    const warnings = r.stdout.split('\n').filter((l) => l.startsWith('warning:'));
    expect(warnings.find((w) => w.includes(huge.id))).toMatch(/more than the 1\.0 MB expected/);
    expect(warnings.find((w) => w.includes(fifo))).toMatch(/not a regular file/);
    expect(warnings.find((w) => w.includes(linkedId))).toMatch(/symbolic link/);
    expect(warnings.find((w) => w.includes(broken))).toMatch(/not valid JSON/);
    expect(warnings.find((w) => w.includes(`${path.sep}other`))).toMatch(/symbolic link/);
    expect(warnings).toHaveLength(5);
    for (const id of [huge.id, fifo, linkedId, broken]) expect(r.stdout.split('\n').filter((l) => !l.startsWith('warning:')).join('\n')).not.toContain(id);
  });

  it('a marker planted as a link is not written through', async () => {
    const notes = path.join(tmp.dir, 'notes.txt');
    writeFileSync(notes, 'my notes\n');
    const folder = path.join(tmp.dir, 'nas');
    mkdirSync(folder);
    symlinkSync(notes, path.join(folder, '.lifeboat-destination'));
    const r = await cli(['destinations', 'add', folder]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/is there but is not a regular file \(a link or a folder\), so Lifeboat will not write through it/);
    expect(readFileSync(notes, 'utf8')).toBe('my notes\n');
  });

  it('a killed pull or verify leaves nothing behind once the next command starts, and decrypted bytes never land in the vault', async () => {
    await setSetting(tmp.home, 'scryptWorkFactor', 10);
    const env = { LIFEBOAT_PASSPHRASE: 'pass phrase words' };
    await machineWithACopy();
    const secret = JSON.parse((await cli(['--json', 'backup', tmp.db, '--compress', '--encrypt'], { env })).stdout) as Manifest;
    const home = await newMachine();

    const pull = await startCliHeldAt(['pull', secret.id], home, 'pull:fetched');
    expect(leftovers(path.join(home, 'vault'))).toHaveLength(1);
    pull.child.kill('SIGKILL');
    await pull.exited;
    expect((await cli(['list'], { home })).code).toBe(0);
    expect(leftovers(path.join(home, 'vault'))).toEqual([]);

    expect((await cli(['pull', secret.id], { home })).code).toBe(0);
    const verify = await startCliHeldAt(['verify', secret.id], home, 'verify:decoded', env);
    const scratch = path.join(home, 'tmp');
    expect(readdirSync(scratch)).toHaveLength(1);
    const vaultFiles = readdirSync(path.join(home, 'vault', 'store'));
    expect(vaultFiles.sort()).toEqual([`store_${secret.id}.manifest.json`, `store_${secret.id}.sqlite.zst.age`]);
    verify.child.kill('SIGKILL');
    await verify.exited;
    expect((await cli(['list'], { home })).code).toBe(0);
    expect(readdirSync(scratch)).toEqual([]);
  });
});

/** Every file under `dir` (but not under `except`) with its size and modification time. */
function filesOutside(dir: string, except: string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const rel of readdirSync(dir, { recursive: true }) as string[]) {
    const file = path.join(dir, rel);
    if (except.some((e) => file === e || file.startsWith(e + path.sep))) continue;
    const info = statSync(file, { throwIfNoEntry: false });
    if (info?.isFile()) out.set(file, `${info.size}:${info.mtimeMs}`);
  }
  return out;
}

describe('a hostile destination, through the IPC handler table', () => {
  let services: DesktopServices;
  const asked: { what: 'confirm' | 'save'; request: ConfirmRequest | string }[] = [];
  const answers = { confirm: true, saveTo: undefined as string | undefined };
  const call = async (channel: ChannelName, payload: unknown) => invokeChecked(ipcContract, services.handlers, channel, payload);

  /** The desktop services over this machine's data folder, store.db backed up and copied to the destination. */
  async function app(): Promise<Manifest> {
    makeBankDb(tmp.db, { mode: 'wal', blobRows: 50 });
    setMarker(tmp.db, 'monday');
    asked.length = 0;
    Object.assign(answers, { confirm: true, saveTo: undefined });
    services = await createDesktopServices({
      dataDir: tmp.home,
      appVersion: '0.0.0-test',
      env: {},
      effects: {
        chooseDatabase: async () => undefined,
        chooseFolder: async () => undefined,
        chooseRestoreTarget: async (name) => (asked.push({ what: 'save', request: name }), answers.saveTo),
        chooseExportTarget: async () => undefined,
        confirm: async (request) => (asked.push({ what: 'confirm', request }), answers.confirm),
        openPath: async () => undefined,
        openExternal: async () => undefined,
      },
    });
    await addFolderDestination(services.engine, usb(), { id: 'usb' });
    const m = await services.engine.backup({ path: tmp.db }, { trigger: 'manual' });
    expect((await services.engine.uploadNew(m)).map((r) => r.status)).toEqual(['completed']);
    return m;
  }

  it('a manifest naming another file: an unregistered one goes only where the save dialog says, a registered one only over its own file, named in main\'s dialog', async () => {
    const monday = await app();
    try {
      const victim = path.join(tmp.dir, 'notes.txt');
      writeFileSync(victim, 'my notes\n');
      const foreign = plant(monday, { sourceId: 'bashrc', change: (m) => ({ ...m, source: { ...m.source, name: '.bashrc', path: victim } }) });
      const named = plant(monday, { change: (m) => ({ ...m, source: { ...m.source, path: victim } }) });
      await services.engine.pull(foreign.id);
      await services.engine.pull(named.id);
      const chosen = path.join(tmp.dir, 'chosen.db');
      const ours = [tmp.home, tmp.db, chosen].flatMap((f) => [f, `${f}-wal`, `${f}-shm`]);
      const untouched = filesOutside(tmp.dir, ours);

      // Not registered here: never in place; the save dialog decides, and a cancelled one does nothing.
      expect(await call('restore:run', { id: foreign.id })).toEqual({ ok: true, value: null });
      answers.saveTo = chosen;
      expect(await call('restore:run', { id: foreign.id })).toMatchObject({ ok: true, value: { inPlace: false, target: chosen } });
      expect(asked.map((a) => a.what)).toEqual(['save', 'save']);
      expect(readMarker(chosen)).toBe('monday');

      // Registered: main's dialog names the registered file, never the manifest's; "Cancel" does nothing.
      setMarker(tmp.db, 'tuesday');
      answers.confirm = false;
      expect(await call('restore:run', { id: named.id })).toEqual({ ok: true, value: null });
      const question = asked.at(-1)?.request as ConfirmRequest;
      expect(question.message).toContain(`Replace ${tmp.db} with`);
      expect(JSON.stringify(question)).not.toContain(victim);
      expect(readMarker(tmp.db)).toBe('tuesday');
      answers.confirm = true;
      expect(await call('restore:run', { id: named.id })).toMatchObject({ ok: true, value: { inPlace: true, target: tmp.db } });
      expect(readMarker(tmp.db)).toBe('monday');
      expect(readFileSync(victim, 'utf8')).toBe('my notes\n');
      expect(filesOutside(tmp.dir, ours)).toEqual(untouched);
    } finally {
      services.stop();
    }
  });

  it('a pulled restore point dated in the future posing as a safety copy steers neither undo nor the retention preview', async () => {
    const monday = await app();
    try {
      const future = plant(monday, { change: (m) => ({ ...m, createdAt: '2099-01-01T00:00:00.000Z', trigger: 'safety', safety: { before: 'restore', restoring: monday.id } }) });
      await services.engine.pull(future.id);
      const undo = await call('restore:undo', undefined);
      expect(undo).toMatchObject({ ok: false, error: { code: 'not-found', message: expect.stringMatching(/no restore to undo/) } });
      expect(asked).toEqual([]);
      const preview = await call('retention:preview', { sourceId: 'store', policy: { keepLast: 1, keepDaily: 0, keepWeekly: 0, keepMonthly: 0, keepYearly: 0, minCount: 1 } });
      const keep = (preview as { ok: true; value: { keep: { id: string; reasons: string[] }[] } }).value.keep;
      // A safety copy never counts as the newest good one, so monday is the newest verified restore point outright.
      expect(keep.find((d) => d.id === monday.id)?.reasons).toContain('newest verified restore point');
      expect(keep.flatMap((d) => d.reasons).join('; ')).not.toMatch(/2099/);
    } finally {
      services.stop();
    }
  });

  it('a pulled zstd bomb stops at its declared size; the database, the vault list and the disk stay as they were', async () => {
    const monday = await app();
    try {
      const bombed = plant(monday, {
        artifact: bomb,
        change: (m) => ({ ...m, artifact: { ...m.artifact, format: 'sqlite+zstd', compression: { algorithm: 'zstd', level: 3, ratio: 1 } } }),
      });
      await services.engine.pull(bombed.id);
      setMarker(tmp.db, 'tuesday');
      const listed = services.engine.list().map((m) => m.id);
      const r = await call('restore:run', { id: bombed.id });
      expect(r).toMatchObject({ ok: false, error: { code: 'tampered', message: expect.stringMatching(/expands beyond the .* its manifest declares/) } });
      expect(readMarker(tmp.db)).toBe('tuesday');
      expect(services.engine.list().map((m) => m.id)).toEqual(listed);
      expect(leftovers(tmp.dir)).toEqual([]);
    } finally {
      services.stop();
    }
  });

  it('deleting a pulled restore point waits for main\'s dialog naming the file in the vault', async () => {
    const monday = await app();
    try {
      const other = plant(monday);
      await services.engine.pull(other.id);
      answers.confirm = false;
      expect(await call('restore-points:delete', { id: other.id })).toEqual({ ok: true, value: null });
      expect((asked[0]?.request as ConfirmRequest).detail).toContain(path.join(tmp.home, 'vault', 'store', `store_${other.id}.sqlite`));
      expect(services.engine.list().map((m) => m.id)).toContain(other.id);
    } finally {
      services.stop();
    }
  });
});
