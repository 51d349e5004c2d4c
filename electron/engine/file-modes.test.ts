// Lifeboat's files are as private as the databases they came from (DESIGN.md promise 11): the data
// folder and the vault are owner-only, and so are artifacts, manifests, settings, the catalog and
// secrets, also when an older version left them open; a restore that renames a file into place
// keeps the mode and owner of the file it replaces. (These tests run as root here, so they check
// modes, not access denied.)
import { chmodSync, chownSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Manifest } from '../../shared/model.ts';
import { makeBankDb, readMarker, runCli, setMarker, setSetting, startCliHeldAt } from './testing/fixtures.ts';
import { useTestFolder } from './testing/test-folder.ts';

const tmp = useTestFolder();
const mode = (file: string) => (statSync(file).mode & 0o777).toString(8);
const unix = process.platform !== 'win32';

async function backup(...args: string[]): Promise<Manifest> {
  const r = await runCli(['--json', 'backup', tmp.db, ...args], { home: tmp.home, env: { LIFEBOAT_PASSPHRASE: 'pass phrase words' } });
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Manifest;
}

describe.runIf(unix)('file modes', () => {
  it('the data folder and the vault are owner-only, and so is every file in them', async () => {
    makeBankDb(tmp.db, { mode: 'wal', blobRows: 20 });
    chmodSync(tmp.db, 0o600);
    await setSetting(tmp.home, 'scryptWorkFactor', 10);
    const usb = path.join(tmp.dir, 'usb');
    expect((await runCli(['destinations', 'add', usb], { home: tmp.home })).code).toBe(0);
    const plain = await backup();
    const packed = await backup('--compress', '--encrypt', '--remember-passphrase');

    expect(mode(tmp.home)).toBe('700');
    expect(mode(path.join(tmp.home, 'vault'))).toBe('700');
    expect(mode(path.join(tmp.home, 'vault', 'store'))).toBe('700');
    for (const m of [plain, packed]) {
      expect(mode(path.join(tmp.home, 'vault', 'store', `store_${m.id}.manifest.json`))).toBe('600');
      // The copies at a folder destination too.
      expect(mode(path.join(usb, 'store', `store_${m.id}.manifest.json`))).toBe('600');
    }
    // Their pages: every file of the page store, in the vault and at the destination, and its folder.
    for (const root of [path.join(tmp.home, 'vault'), usb]) {
      const pages = path.join(root, '_pages');
      expect(mode(pages), pages).toBe('700');
      const files = readdirSync(pages);
      expect(files.some((f) => /\.pack\.zst(\.age)?$/.test(f))).toBe(true);
      for (const f of files) expect(mode(path.join(pages, f)), f).toBe('600');
    }
    expect(mode(path.join(usb, 'store'))).toBe('700');
    for (const f of readdirSync(tmp.home).filter((n) => /^(settings\.json|catalog\.db(-wal|-shm)?|secrets\.json)$/.test(n))) expect(mode(path.join(tmp.home, f)), f).toBe('600');
    expect(readdirSync(tmp.home)).toEqual(expect.arrayContaining(['settings.json', 'catalog.db', 'secrets.json']));
  });

  it('the lock files under locks/ (and the note naming their holder) are owner-only, also while held', async () => {
    makeBankDb(tmp.db);
    await backup();
    const locks = path.join(tmp.home, 'locks');
    const held = await startCliHeldAt(['backup', tmp.db], tmp.home, 'backup:copied');
    try {
      const files = readdirSync(locks);
      expect(files).toEqual(expect.arrayContaining(['source-store.lock', 'source-store.lock.owner', 'settings.lock']));
      expect(mode(locks)).toBe('700');
      for (const f of files) expect(mode(path.join(locks, f)), f).toBe('600');
    } finally {
      held.child.kill('SIGKILL');
      await held.exited;
    }
    // A lock file an older version left readable by others is made owner-only when next taken.
    chmodSync(path.join(locks, 'source-store.lock'), 0o644);
    await backup();
    for (const f of readdirSync(locks)) expect(mode(path.join(locks, f)), f).toBe('600');
  });

  it('what an older version left readable by others is made owner-only at the next start', async () => {
    makeBankDb(tmp.db);
    await backup();
    chmodSync(tmp.home, 0o755);
    chmodSync(path.join(tmp.home, 'vault'), 0o755);
    for (const f of ['settings.json', 'catalog.db']) chmodSync(path.join(tmp.home, f), 0o644);
    expect((await runCli(['status'], { home: tmp.home })).code).toBe(0);
    expect(mode(tmp.home)).toBe('700');
    expect(mode(path.join(tmp.home, 'vault'))).toBe('700');
    for (const f of ['settings.json', 'catalog.db']) expect(mode(path.join(tmp.home, f)), f).toBe('600');
  });

  it('a restore keeps the mode and owner of the database it replaces; a new file is owner-only', async () => {
    makeBankDb(tmp.db, { mode: 'delete' });
    setMarker(tmp.db, 'monday');
    const m = await backup();
    // Through SQLite: the same file, so the same mode.
    chmodSync(tmp.db, 0o640);
    setMarker(tmp.db, 'tuesday');
    expect((await runCli(['--yes', 'restore', m.id], { home: tmp.home })).code).toBe(0);
    expect(readMarker(tmp.db)).toBe('monday');
    expect(mode(tmp.db)).toBe('640');

    // By rename (the current file is unreadable): the new file takes the old one's mode and owner.
    writeFileSync(tmp.db, 'no longer a database');
    chownSync(tmp.db, 1234, 2345);
    chmodSync(tmp.db, 0o640);
    const r = await runCli(['--json', '--yes', 'restore', m.id], { home: tmp.home });
    expect(r.code, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as { method: string }).method).toBe('rename');
    expect(readMarker(tmp.db)).toBe('monday');
    const after = statSync(tmp.db);
    expect([after.mode & 0o777, after.uid, after.gid]).toEqual([0o640, 1234, 2345]);

    const to = path.join(tmp.dir, 'out', 'copy.db');
    mkdirSync(path.dirname(to));
    expect((await runCli(['restore', m.id, '--to', to], { home: tmp.home })).code).toBe(0);
    expect(mode(to)).toBe('600');
  });
});
