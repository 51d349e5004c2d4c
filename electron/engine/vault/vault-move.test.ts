// Moving the vault: every restore point copied and checked, settings switched, the old files removed,
// the marker with it; refused onto a folder that does not exist, is not empty or is inside the vault;
// a process killed before the switch leaves the old vault in use and nothing at the new place, one
// killed after it leaves the new vault in use and the old one cleaned up at the next start; nothing
// writes into the vault while it moves, and another process that had the old place follows the move.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect, it, beforeEach } from 'vitest';
import type { JobProgress, Manifest } from '../../../shared/model.ts';
import { createEngine } from '../engine.ts';
import { makeBankDb, runCli, startCliHeldAt, keepWholeFiles } from '../testing/fixtures.ts';
import { useTestFolder } from '../testing/test-folder.ts';

const tmp = useTestFolder();
// Whole-file restore points are what is read here (backup-pages.test.ts does the same with pages).
beforeEach(() => keepWholeFiles(tmp.home));
const cli = (args: string[]) => runCli(args, { home: tmp.home });

/** Two restore points in the default vault (one compressed), and an empty folder to move to. */
async function twoRestorePoints(): Promise<{ ids: string[]; to: string }> {
  makeBankDb(tmp.db, { blobRows: 30 });
  const ids: string[] = [];
  for (const extra of [[], ['--compress']]) {
    const r = await cli(['--json', 'backup', tmp.db, ...extra]);
    expect(r.code, r.stderr).toBe(0);
    ids.push((JSON.parse(r.stdout) as Manifest).id);
  }
  const to = path.join(tmp.dir, 'usb', 'Lifeboat');
  mkdirSync(to, { recursive: true });
  return { ids, to };
}

/** Lifeboat's files under a vault folder, relative to it. */
const filesIn = (dir: string) => (existsSync(dir) ? readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort() : []);

it('moves every restore point with progress, checks them, switches, and removes the old files; the marker moves too', async () => {
  const { ids, to } = await twoRestorePoints();
  const old = path.join(tmp.home, 'vault');
  const before = filesIn(old);
  const engine = await createEngine({ dataDir: tmp.home, appVersion: '0.0.0-test' });
  try {
    const progress: JobProgress[] = [];
    const r = await engine.moveVault(to, { onProgress: (p) => progress.push(p) });
    expect(r).toMatchObject({ from: old, to, restorePoints: 2 });
    expect(engine.vaultDir).toBe(to);
    expect(engine.settings().vaultDir).toBe(to);
    expect(filesIn(to)).toEqual(before); // the same files, marker included
    expect(existsSync(old)).toBe(false); // the old vault is gone
    expect(new Set(progress.map((p) => p.phase))).toEqual(new Set(['moving', 'hashing', 'finishing']));
    expect(progress.filter((p) => p.phase === 'moving').at(-1)).toMatchObject({ done: r.bytes, total: r.bytes, unit: 'bytes' });
    expect(engine.list().map((m) => m.id).sort()).toEqual([...ids].sort());
    for (const id of ids) expect(await engine.verify(id)).toMatchObject({ ok: true });
    // The next backup lands in the new vault, and a restore reads from it.
    const next = await engine.backup({ sourceId: 'store' }, { trigger: 'manual' });
    expect(existsSync(path.join(to, ...next.artifact.path.split('/')))).toBe(true);
    const restored = path.join(tmp.dir, 'restored.db');
    await engine.restore({ id: ids[1]!, to: restored });
    expect(existsSync(restored)).toBe(true);
  } finally {
    engine.close();
  }
  // The CLI agrees (a fresh process reads the new place from settings).
  const status = await cli(['vault']);
  expect(status.stdout).toContain(`Vault: ${to}`);
  expect(status.stdout).toMatch(/3 restore points/);
});

it('refuses a folder that does not exist, is not a folder, is not empty, is inside the vault or is the vault; nothing changes', async () => {
  const { to } = await twoRestorePoints();
  const old = path.join(tmp.home, 'vault');
  const before = filesIn(old);
  writeFileSync(path.join(to, 'notes.txt'), 'mine');
  const cases: [string, RegExp, string][] = [
    [path.join(tmp.dir, 'nowhere'), /nowhere does not exist$/, 'not-found'],
    [path.join(to, 'notes.txt'), /is not a folder/, 'usage'],
    [to, /Lifeboat is not empty \(1 item in it\)$/, 'exists'],
    [path.join(old, 'store'), /is inside the vault/, 'usage'],
    [old, /The vault is already in/, 'usage'],
  ];
  for (const [where, message, code] of cases) {
    const r = await cli(['--json', 'vault', 'move', where]);
    expect(r.code, where).toBe(code === 'usage' ? 2 : 1);
    expect(JSON.parse(r.stdout), where).toMatchObject({ error: { code, message: expect.stringMatching(message) } });
  }
  expect(filesIn(old)).toEqual(before);
  expect(readFileSync(path.join(to, 'notes.txt'), 'utf8')).toBe('mine');
  expect(readdirSync(to)).toEqual(['notes.txt']);
  expect(JSON.parse(readFileSync(path.join(tmp.home, 'settings.json'), 'utf8'))).not.toHaveProperty('vaultDir');
});

it('killed before the switch: the old vault stays in use and the partial copy is removed at the next start', async () => {
  const { ids, to } = await twoRestorePoints();
  const old = path.join(tmp.home, 'vault');
  const before = filesIn(old);
  const held = await startCliHeldAt(['vault', 'move', to], tmp.home, 'vault-move:copied');
  expect(filesIn(to)).toEqual(before); // copied, not switched
  held.child.kill('SIGKILL');
  await held.exited;
  expect(existsSync(path.join(tmp.home, 'vault-move.json'))).toBe(true);
  const list = await cli(['--json', 'list']);
  expect((JSON.parse(list.stdout) as Manifest[]).map((m) => m.id).sort()).toEqual([...ids].sort());
  expect(filesIn(old)).toEqual(before);
  expect(readdirSync(to)).toEqual([]); // the folder the person chose stays, empty
  expect(existsSync(path.join(tmp.home, 'vault-move.json'))).toBe(false);
  expect((await cli(['verify'])).code).toBe(0);
});

it('killed after the switch: the new vault is in use and the old files are removed at the next start', async () => {
  const { ids, to } = await twoRestorePoints();
  const old = path.join(tmp.home, 'vault');
  const before = filesIn(old);
  const held = await startCliHeldAt(['vault', 'move', to], tmp.home, 'vault-move:switched');
  held.child.kill('SIGKILL');
  await held.exited;
  expect(filesIn(old)).toEqual(before); // not removed yet
  const list = await cli(['--json', 'list']);
  expect((JSON.parse(list.stdout) as Manifest[]).map((m) => m.id).sort()).toEqual([...ids].sort());
  expect(existsSync(old)).toBe(false);
  expect(filesIn(to)).toEqual(before);
  expect((await cli(['verify'])).code).toBe(0);
  expect((await cli(['vault'])).stdout).toContain(`Vault: ${to}`);
});

it('nothing writes into the vault while it moves (a backup is refused, saying why), and a process that had the old place follows the move', async () => {
  const { to } = await twoRestorePoints();
  // Another process (the app, say) opened the vault before the move.
  const other = await createEngine({ dataDir: tmp.home, appVersion: '0.0.0-test' });
  try {
    const held = await startCliHeldAt(['vault', 'move', to], tmp.home, 'vault-move:copied');
    await expect(other.backup({ sourceId: 'store' }, { trigger: 'manual' })).rejects.toMatchObject({ code: 'busy', message: expect.stringMatching(/moving the vault to .*Lifeboat|The vault is being moved/) });
    // A database the move did not know of (no lock of its own held) is refused too, saying why.
    const notes = path.join(tmp.dir, 'notes.db');
    makeBankDb(notes);
    await expect(other.backup({ path: notes }, { trigger: 'manual' })).rejects.toMatchObject({ code: 'busy', message: 'The vault is being moved to another folder' });
    expect(existsSync(path.join(to, 'notes'))).toBe(false);
    held.child.kill('SIGKILL'); // (a kill here rolls the move back; the next step moves for real)
    await held.exited;
    const moved = await cli(['vault', 'move', to]);
    expect(moved.code, moved.stderr).toBe(0);
    const m = await other.backup({ sourceId: 'store' }, { trigger: 'manual' });
    expect(other.vaultDir).toBe(to);
    expect(existsSync(path.join(to, ...m.artifact.path.split('/')))).toBe(true);
    expect((await other.status()).vaultProblem).toBeUndefined();
  } finally {
    other.close();
  }
});

it('a time zone the machine does not know is refused with what to give instead', async () => {
  makeBankDb(tmp.db);
  const r = await cli(['--json', 'settings', '--time-zone', 'Mars/Olympus']);
  expect(r.code).toBe(2);
  expect(JSON.parse(r.stdout)).toEqual({ error: { code: 'usage', message: '"Mars/Olympus" is not a time zone this machine knows', hint: 'Give an IANA name such as Europe/Paris or America/New_York' } });
  const ok = await cli(['--json', 'settings', '--time-zone', 'Asia/Tokyo', '--verify-all-every', '14']);
  expect(JSON.parse(ok.stdout)).toMatchObject({ timeZone: 'Asia/Tokyo', verification: { allEveryDays: 14, newestEveryDays: 7 } });
  expect(JSON.parse((await cli(['--json', 'settings', '--time-zone', 'system'])).stdout)).toMatchObject({ timeZone: null });
});
