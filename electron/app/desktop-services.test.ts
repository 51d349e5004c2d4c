// The desktop services as the app runs them, over real files and real SQLite: backups as jobs with
// progress, cancel and a persistent activity log; health that changes when a database disappears;
// and the IPC handler table under random and malformed payloads, which must never call a service,
// open a dialog or touch a file.
import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Comparison, RecoverSummary, RestorePointContents, RowsPage } from '../../shared/inside-view.ts';
import { channelNames, ipcContract, type IpcEvents } from '../../shared/ipc-contract.ts';
import { createDesktopServices, type DesktopServices } from './desktop-services.ts';
import { invokeChecked } from './ipc-dispatch.ts';
import { estimate } from './jobs.ts';
import { makeBankDb, keepWholeFiles } from '../engine/testing/fixtures.ts';
import { createSimClock } from '../engine/testing/sim-clock.ts';
import { useTestFolder } from '../engine/testing/test-folder.ts';
import { addFolderDestination } from '../destinations/folder/folder-kind.ts';

const tmp = useTestFolder();
// Whole-file restore points are damaged by hand here (the page store's damage has tests of its own).
beforeEach(() => keepWholeFiles(tmp.home));
const effectsCalled: string[] = [];
/** The effects a test does not expect to be used (main's confirmation says no). */
const unused = { confirm: async () => false, chooseExportTarget: async () => undefined, openPath: async () => undefined };
const open: DesktopServices[] = [];

/** The services as the app builds them; main's native confirmations answer `confirmAnswers` in turn (then no). */
async function services(checkpoint?: (name: string) => Promise<void>, confirmAnswers: boolean[] = []) {
  const s = await createDesktopServices({
    dataDir: tmp.home,
    appVersion: '0.0.0-test',
    checkpoint,
    effects: {
      chooseDatabase: async () => (effectsCalled.push('chooseDatabase'), tmp.db),
      chooseFolder: async () => (effectsCalled.push('chooseFolder'), undefined),
      chooseRestoreTarget: async () => (effectsCalled.push('chooseRestoreTarget'), undefined),
      chooseExportTarget: async () => (effectsCalled.push('chooseExportTarget'), undefined),
      confirm: async () => (effectsCalled.push('confirm'), confirmAnswers.shift() ?? false),
      openExternal: async () => void effectsCalled.push('openExternal'),
      openPath: async () => void effectsCalled.push('openPath'),
    },
  });
  open.push(s);
  return s;
}

beforeEach(() => {
  makeBankDb(tmp.db, { blobRows: 50 });
  effectsCalled.length = 0;
});
afterEach(() => {
  for (const s of open.splice(0)) s.stop();
});

describe('jobs', () => {
  it('reports a backup as started, progressing and finished, and remembers it across restarts', async () => {
    const s = await services();
    await s.engine.sources.add(tmp.db);
    const seen: [string, IpcEvents['job:progress']][] = [];
    s.events.on('job:progress', (j) => seen.push(['progress', j]));
    s.events.on('job:finished', (j) => seen.push(['finished', j]));
    const m = await s.backUp('store', 'manual');
    expect(seen[0]![1]).toMatchObject({ kind: 'backup', title: 'Backing up store.db', sourceId: 'store', trigger: 'manual' });
    expect(seen.some(([, j]) => j.progress?.phase === 'copying' && j.progress.percent === 100)).toBe(true);
    const [kind, done] = seen.at(-1)!;
    expect(kind).toBe('finished');
    expect(done).toMatchObject({ outcome: 'ok', restorePointId: m.id });
    expect(done.message).toMatch(/^Restore point taken and checked \(/);
    s.stop();
    open.splice(0);

    const again = await services();
    expect(again.jobs.recent()).toEqual([done]);
  });

  it('cancels a backup mid-way: a cancelled error, nothing listed, the vault clean, the activity says so', async () => {
    let release = () => undefined as void;
    let reached = () => undefined as void;
    const atCopied = new Promise<void>((r) => (reached = r));
    const s = await services(async (name) => {
      if (name !== 'backup:copied') return;
      reached();
      await new Promise<void>((r) => (release = r));
    });
    await s.engine.sources.add(tmp.db);
    const running = s.backUp('store', 'manual');
    await atCopied;
    const [job] = s.jobs.running();
    expect(s.jobs.cancel(job!.id)).toBe(true);
    release();
    await expect(running).rejects.toMatchObject({ code: 'cancelled', message: 'Backing up store.db was cancelled' });
    expect(s.engine.list()).toEqual([]);
    expect(readdirSync(path.join(s.engine.vaultDir, 'store')).filter((f) => !f.startsWith('.'))).toEqual([]);
    expect(s.jobs.recent()[0]).toMatchObject({ outcome: 'cancelled' });
    expect(s.jobs.running()).toEqual([]);
  });

  it('estimates percent and time left from the pace of the current phase', () => {
    expect(estimate({ phase: 'copying', done: 25, total: 100, unit: 'pages' }, 0, 10_000)).toEqual({ percent: 25, etaSeconds: 30 });
    expect(estimate({ phase: 'copying', done: 1, total: 1000, unit: 'pages' }, 0, 10_000)).toEqual({ percent: 0, etaSeconds: undefined });
    expect(estimate({ phase: 'copying', done: 0, total: 0, unit: 'pages' }, 0, 10_000)).toEqual({});
    // A phase 79% done after 0.6 s has a fraction of a second left: never "about 0 s left".
    expect(estimate({ phase: 'hashing', done: 79, total: 100, unit: 'bytes' }, 0, 600)).toEqual({ percent: 79, etaSeconds: 1 });
    expect(estimate({ phase: 'hashing', done: 100, total: 100, unit: 'bytes' }, 0, 600)).toEqual({ percent: 100, etaSeconds: undefined });
  });
});

describe('uploads', () => {
  it('runs each copy as a job: progress, a line in the activity list, and a failure that fails only the copy', async () => {
    const s = await services();
    await s.engine.sources.add(tmp.db);
    const usb = path.join(tmp.dir, 'usb');
    const nas = path.join(tmp.dir, 'nas');
    await addFolderDestination(s.engine, usb, { id: 'usb', name: 'USB disk' });
    await addFolderDestination(s.engine, nas, { id: 'nas', name: 'NAS' });
    rmSync(path.join(nas, '.lifeboat-destination')); // the NAS is not mounted: an empty mount point
    const progress: string[] = [];
    s.events.on('job:progress', (j) => j.kind === 'upload' && j.progress && progress.push(`${j.title} ${j.progress.phase}`));
    s.start();
    const m = await s.backUp('store', 'manual');
    await expect.poll(() => s.jobs.recent().filter((j) => j.kind === 'upload').length).toBe(2);
    await s.drainUploads();
    const uploads = s.jobs.recent().filter((j) => j.kind === 'upload');
    expect(uploads.find((j) => j.title === 'Copying store.db to USB disk')).toMatchObject({ outcome: 'ok', restorePointId: m.id });
    expect(uploads.find((j) => j.title === 'Copying store.db to NAS')).toMatchObject({ outcome: 'failed', hint: 'Lifeboat tries again later on its own' });
    expect(progress).toContain('Copying store.db to USB disk uploading');
    expect(Object.fromEntries(s.engine.replicas(m.id).map((r) => [r.destinationId, r.status]))).toEqual({ usb: 'completed', nas: 'failed' });
    expect(s.engine.list().map((x) => x.id)).toEqual([m.id]); // the local restore point is untouched
  });
});

describe('retention and history', () => {
  it('applies retention after every backup the app takes, in the vault and at a destination', async () => {
    const s = await services();
    await s.engine.sources.add(tmp.db);
    const none = { keepDaily: 0, keepWeekly: 0, keepMonthly: 0, minCount: 1 };
    await s.engine.sources.update('store', { retention: { keepLast: 2, ...none } });
    const usb = path.join(tmp.dir, 'usb');
    await addFolderDestination(s.engine, usb, { id: 'usb' });
    s.engine.destinations.setRetention('usb', { keepLast: 3 });
    s.start();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push((await s.backUp('store', i % 2 ? 'scheduled' : 'manual')).id);
      await s.drainUploads();
    }
    expect(s.engine.list().map((m) => m.id).sort()).toEqual(ids.slice(3).sort());
    const atUsb = readdirSync(path.join(usb, 'store')).filter((f) => f.endsWith('.manifest.json')).map((f) => /_(.*)\.manifest\.json$/.exec(f)![1]).sort();
    expect(atUsb).toEqual(ids.slice(2).sort());
  });

  it('a folder added later receives the history its retention keeps, in the background, one job per copy', async () => {
    const usb = path.join(tmp.dir, 'usb');
    const s = await createDesktopServices({
      dataDir: tmp.home,
      appVersion: '0.0.0-test',
      effects: { ...unused, chooseDatabase: async () => tmp.db, chooseFolder: async () => usb, chooseRestoreTarget: async () => undefined, openExternal: async () => undefined },
    });
    open.push(s);
    await s.engine.sources.add(tmp.db);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await s.engine.backup({ sourceId: 'store' }, { trigger: 'manual' })).id);
    s.start();
    const r = await invokeChecked(ipcContract, s.handlers, 'destinations:setup', { kind: 'folder' });
    expect(r.ok).toBe(true);
    await expect.poll(async () => (await s.drainUploads(), s.engine.replicas().filter((x) => x.status === 'completed').length)).toBe(3);
    expect(readdirSync(path.join(usb, 'store')).filter((f) => f.endsWith('.manifest.json'))).toHaveLength(3);
    expect(s.jobs.recent().filter((j) => j.kind === 'upload' && j.outcome === 'ok').map((j) => j.restorePointId).sort()).toEqual([...ids].sort());
  });
});

describe('health', () => {
  it('turns to an error when the database disappears, and says so once', async () => {
    const s = await services();
    await s.engine.sources.add(tmp.db);
    await s.backUp('store', 'manual');
    const changes: string[] = [];
    s.events.on('health:changed', (h) => changes.push(h.level));
    // Backed up, but by hand only and on its own disk: not "protected".
    expect((await s.checkHealth()).reasons.map((r) => r.text)).toEqual(['store.db has no schedule: it is backed up only when you click Back Up Now.', 'Every copy of store.db is on the same disk as the database.']);
    rmSync(tmp.db);
    const h = await s.checkHealth();
    await s.checkHealth();
    expect(h.level).toBe('error');
    expect(h.reasons[0]!.text).toBe(`store.db is missing from ${tmp.db}.`);
    expect(changes.filter((c) => c === 'error')).toHaveLength(1);
  });
});

describe('health tells the truth', () => {
  it('a failed Back Up Now is a problem until a backup succeeds; a failed verification is FAILED in Activity', async () => {
    const s = await services();
    await s.engine.sources.add(tmp.db);
    await s.engine.sources.update('store', { schedule: { kind: 'daily', time: '02:30' } });
    await s.backUp('store', 'manual');
    await s.engine.sources.update('store', { maxBytes: 1000 }); // the next one is refused
    await expect(s.backUp('store', 'manual')).rejects.toMatchObject({ code: 'too-large' });
    const failed = await s.checkHealth();
    expect(failed.summary).not.toBe('Everything is protected');
    expect(failed.reasons[0]).toMatchObject({ level: 'error', text: expect.stringMatching(/^The last backup of store\.db failed: .* above the 1.0 KB size limit\.$/) });
    await s.engine.sources.update('store', { maxBytes: 1e9 });
    const m = await s.backUp('store', 'manual');
    expect((await s.checkHealth()).reasons.map((r) => r.text).filter((t) => t.includes('failed'))).toEqual([]);

    // A restore point damaged in the vault: verify fails, and Activity says FAILED, not done.
    const artifact = path.join(s.engine.vaultDir, m.artifact.path);
    const { readFileSync, writeFileSync } = await import('node:fs');
    const bytes = readFileSync(artifact);
    bytes[bytes.length - 100] = (bytes[bytes.length - 100] ?? 0) ^ 0xff;
    writeFileSync(artifact, bytes);
    const r = await invokeChecked(ipcContract, s.handlers, 'restore-points:verify', { id: m.id });
    expect(r).toMatchObject({ ok: true, value: { ok: false } });
    expect(s.jobs.recent()[0]).toMatchObject({ kind: 'verify', outcome: 'failed', message: expect.stringMatching(/^Verification failed: /) });
    expect((await s.checkHealth()).reasons[0]).toMatchObject({ level: 'error', text: 'store.db: the newest restore point failed verification (it was changed or damaged in the vault).' });
  });
});

describe('verification on a schedule', () => {
  it('checks the restore points and a sample of copies by itself; damage is FAILED in Activity and health, and a damaged copy is sent again', async () => {
    const clock = createSimClock('2026-11-02T08:00:00Z');
    const s = await createDesktopServices({
      dataDir: tmp.home,
      appVersion: '0.0.0-test',
      clock,
      schedulerPollMs: 3_600_000,
      effects: { ...unused, chooseDatabase: async () => undefined, chooseFolder: async () => undefined, chooseRestoreTarget: async () => undefined, openExternal: async () => undefined },
    });
    open.push(s);
    await s.engine.sources.add(tmp.db);
    const usb = path.join(tmp.dir, 'usb');
    await addFolderDestination(s.engine, usb, { id: 'usb' });
    s.engine.updateSettings({ verification: { destinationSample: 5 } });
    s.start();
    const older = await s.backUp('store', 'manual');
    await clock.advanceTo(60_000, () => s.idle());
    const newest = await s.backUp('store', 'manual');
    await s.idle();
    const flip = (file: string) => {
      const bytes = readFileSync(file);
      bytes[bytes.length - 100] = (bytes[bytes.length - 100] ?? 0) ^ 0xff;
      writeFileSync(file, bytes);
    };
    flip(path.join(s.engine.vaultDir, older.artifact.path)); // the vault's disk damaged one restore point
    flip(path.join(usb, newest.artifact.path)); // and the USB disk one copy
    const settle = () => s.idle();
    await clock.advanceTo(6 * 86_400_000, settle);
    expect(s.jobs.recent().filter((j) => j.kind === 'verify')).toEqual([]);
    await clock.advanceTo(31 * 86_400_000, settle); // a week: the newest; a month: all of them
    const checks = s.jobs.recent().filter((j) => j.kind === 'verify');
    expect(checks.map((j) => j.title)).toContain('Checking every restore point (monthly)');
    expect(checks.at(-1)).toMatchObject({ title: 'Checking the newest restore points (weekly)', trigger: 'scheduled', outcome: 'failed', message: expect.stringMatching(/copies at destinations downloaded and checked, 1 FAILED and sent again/) });
    const monthly = checks.find((j) => j.title.includes('monthly'))!;
    expect(monthly).toMatchObject({ outcome: 'failed', message: expect.stringMatching(new RegExp(`2 restore points checked, 1 FAILED \\(${older.id}\\)`)) });
    expect(s.engine.verifications().get(older.id)?.status).toBe('failed');
    const health = await s.checkHealth();
    expect(health.reasons.map((r) => r.text)).toContain('store.db: 1 restore point failed verification and cannot be trusted.');
    // The damaged copy at the USB disk was sent again and is whole now.
    expect(createHash('sha256').update(readFileSync(path.join(usb, newest.artifact.path))).digest('hex')).toBe(newest.artifact.sha256);
    expect(s.verification.status().last).toMatchObject({ copiesChecked: expect.any(Number) });
  });
});

describe('the IPC handler table', () => {
  /** Every file under `dir` with its size and modification time. */
  const snapshot = (dir: string): string[] =>
    readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => {
        const file = path.join(e.parentPath, e.name);
        const st = statSync(file);
        return `${file} ${st.size} ${st.mtimeMs}`;
      })
      .sort();

  it('fuzz: malformed payloads on every channel are refused before any service, dialog or file is touched', async () => {
    const s = await services();
    await s.engine.sources.add(tmp.db);
    await s.backUp('store', 'manual');
    const before = [...snapshot(tmp.home), ...snapshot(tmp.dir).filter((f) => !f.startsWith(tmp.home))];
    const atoms: unknown[] = [undefined, null, true, 0, -1, 1.5, NaN, 1e308, '', 'store', '../../etc/passwd', 'x'.repeat(5000), [], [1], {}, new Date(0)];
    const keys = ['id', 'sourceId', 'jobId', 'pinned', 'paused', 'patch', 'policy', 'schedule', 'enabled', 'clientId', 'clientSecret', 'passphrase', 'toAnotherFile', 'closeToTray', 'table', 'rows', 'selections', 'onConflict', 'format', 'with', 'limit', 'offset', 'extra'];
    let seed = 7;
    const rand = (n: number) => Math.floor(((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x80000000) * n);
    const payload = (depth = 0): unknown => {
      if (depth > 1 || rand(3) === 0) return atoms[rand(atoms.length)];
      const o: Record<string, unknown> = {};
      for (let i = rand(4); i >= 0; i--) o[keys[rand(keys.length)]!] = payload(depth + 1);
      return o;
    };
    let refused = 0;
    for (let i = 0; i < 3000; i++) {
      const name = channelNames[rand(channelNames.length)]!;
      const p = payload();
      if (ipcContract[name].input.safeParse(p).success) continue; // only malformed ones here
      const r = await invokeChecked(ipcContract, s.handlers, name, p);
      expect(r.ok, `${name} ${JSON.stringify(p)}`).toBe(false);
      if (!r.ok) expect(r.error.code).toBe('usage');
      refused++;
    }
    expect(refused).toBeGreaterThan(1000);
    expect(effectsCalled).toEqual([]);
    expect([...snapshot(tmp.home), ...snapshot(tmp.dir).filter((f) => !f.startsWith(tmp.home))]).toEqual(before);
  });

  it('looks inside, compares, brings a row back (after main asks) and undoes it; a look and a comparison stay out of the activity list', async () => {
    const s = await services(undefined, [false, true, true]);
    const call = async (name: string, payload: unknown) => {
      const r = await invokeChecked(ipcContract, s.handlers, name, payload);
      if (!r.ok) throw Object.assign(new Error(`${name}: ${r.error.message}`), r.error);
      return r.value as never;
    };
    await s.engine.sources.add(tmp.db);
    const m = await s.backUp('store', 'manual');
    const live = new Database(tmp.db);
    live.exec('DELETE FROM blobs WHERE id = 7');
    const inside: RestorePointContents = await call('inside:contents', { id: m.id });
    expect(inside.tables.find((t) => t.name === 'blobs')).toMatchObject({ rows: 50, key: ['id'] });
    const page: RowsPage = await call('inside:rows', { id: m.id, table: 'blobs', limit: 2 });
    expect(page.rows.map((r) => r.key)).toEqual([[50], [49]]);
    const c: Comparison = await call('inside:compare', { id: m.id });
    expect(c.tables.find((t) => t.table === 'blobs')).toMatchObject({ back: 1, samples: { back: [[7]] } });
    await expect(call('recover:run', { id: m.id, selections: [{ table: 'blobs', rows: [[7]] }] })).rejects.toMatchObject({ code: 'usage' }); // the choice is explicit
    expect(await call('recover:run', { id: m.id, selections: [{ table: 'blobs', rows: [[7]] }], onConflict: 'skip' })).toBeNull(); // main asked; the answer was no
    expect(live.prepare('SELECT count(*) FROM blobs WHERE id = 7').pluck().get()).toBe(0);
    const r: RecoverSummary = await call('recover:run', { id: m.id, selections: [{ table: 'blobs', rows: [[7]] }], onConflict: 'skip' });
    expect(r).toMatchObject({ nothingToDo: false, tables: [{ table: 'blobs', inserted: 1 }] });
    expect(live.prepare('SELECT count(*) FROM blobs WHERE id = 7').pluck().get()).toBe(1);
    expect(await call('recover:export', { id: m.id, table: 'blobs', format: 'csv' })).toBeNull(); // the save dialog was cancelled
    expect(effectsCalled).toEqual(['confirm', 'confirm', 'chooseExportTarget']);
    expect(s.jobs.recent().map((j) => [j.kind, j.outcome, j.message])).toEqual([
      ['recover', 'ok', 'Brought back 1 row into blobs; the database before was kept as a safety copy'],
      ['backup', 'ok', expect.stringMatching(/^Restore point taken/)],
    ]);
    live.close(); // no program keeps it open: undo asks once
    expect(await call('restore:undo', undefined)).toMatchObject({ inPlace: true });
    const after = new Database(tmp.db, { readonly: true });
    expect(after.prepare('SELECT count(*) FROM blobs WHERE id = 7').pluck().get()).toBe(0);
    after.close();
    await call('inside:close', undefined);
    // A plain restore point and a WAL database open elsewhere are read in place: nothing private is left.
    expect(existsSync(path.join(tmp.home, 'tmp')) ? readdirSync(path.join(tmp.home, 'tmp')) : []).toEqual([]);
  });

  it('serves valid requests on the real services (a spot check of each screen’s first call)', async () => {
    const s = await services();
    const call = async (name: string, payload: unknown) => {
      const r = await invokeChecked(ipcContract, s.handlers, name, payload);
      if (!r.ok) throw new Error(`${name}: ${r.error.message}`);
      return r.value as never;
    };
    expect(await call('sources:choose', undefined)).toMatchObject({ source: { id: 'store', schedule: { kind: 'hourly', minute: 0 } }, added: true, first: { integrity: { status: 'ok' } } });
    expect(effectsCalled).toEqual(['chooseDatabase']);
    const status: { health: { level: string }; sources: unknown[] } = await call('status:get', undefined);
    expect(status.health.level).toBe('warning');
    expect(status.sources).toHaveLength(1);
    expect(await call('destinations:setup', { kind: 'folder' })).toBeNull(); // the dialog was cancelled
    expect(await call('destinations:kinds', undefined)).toMatchObject([{ kind: 'folder', ready: true }, { kind: 'drive', ready: false, settingUp: false }]);
    // A database with a schedule: the app starts at login by default (the person has not chosen).
    expect(await call('app-settings:get', undefined)).toEqual({ closeToTray: true, openAtLogin: true, openAtLoginChosen: false, notifyOnSuccess: false });
    expect(await call('app-settings:set', { notifyOnSuccess: true })).toMatchObject({ notifyOnSuccess: true });
    await expect(call('sources:update', { sourceId: 'store', patch: { encryption: { kind: 'passphrase' } } })).rejects.toThrow(/No passphrase is set/);
    expect(await call('encryption:set-passphrase', { passphrase: 'correct horse battery' })).toMatchObject({ passphraseKeyId: expect.any(String) });
    expect(await call('sources:update', { sourceId: 'store', patch: { encryption: { kind: 'passphrase' }, compressLevel: 3 } })).toMatchObject({ encryption: { kind: 'passphrase' }, compressLevel: 3 });
    const m: { artifact: { format: string } } = await call('backup:run', { sourceId: 'store' });
    expect(m.artifact.format).toBe('sqlite+zstd+age');
    await expect(call('encryption:forget-passphrase', undefined)).rejects.toThrow(/store\.db is set to encrypt with this passphrase/);
  });
});

describe('restoring a database another program has open', () => {
  it('asks main a second time, naming the program; no means nothing changes, yes restores and says to restart it', async () => {
    const { createDesktopServices: create } = await import('./desktop-services.ts');
    const { invokeChecked } = await import('./ipc-dispatch.ts');
    const { ipcContract } = await import('../../shared/ipc-contract.ts');
    const { readMarker, setMarker, startHelper } = await import('../engine/testing/fixtures.ts');
    const asked: string[] = [];
    let answers: boolean[] = [];
    const s = await create({
      dataDir: tmp.home,
      appVersion: '0.0.0-test',
      effects: {
        chooseDatabase: async () => undefined,
        chooseFolder: async () => undefined,
        chooseRestoreTarget: async () => undefined,
        chooseExportTarget: async () => undefined,
        confirm: async (r) => (asked.push(`${r.confirmLabel}: ${r.message}`), answers.shift() ?? false),
        openExternal: async () => undefined,
        openPath: async () => undefined,
      },
    });
    open.push(s);
    const call = async (name: string, payload: unknown) => {
      const r = await invokeChecked(ipcContract, s.handlers, name, payload);
      if (!r.ok) throw new Error(r.error.message);
      return r.value;
    };
    setMarker(tmp.db, 'monday');
    await s.engine.sources.add(tmp.db);
    const m = await s.backUp('store', 'manual');
    setMarker(tmp.db, 'tuesday');
    const program = startHelper('db-holder.ts', [tmp.db]);
    try {
      await program.waitFor('open tuesday');
      answers = [true, false];
      expect(await call('restore:run', { id: m.id })).toBeNull();
      expect(asked).toEqual([expect.stringMatching(/^Restore: Replace .*store\.db/), expect.stringMatching(/^Restore while open: node has .*store\.db open\. Restore while it stays open\?/)]);
      expect(readMarker(tmp.db)).toBe('tuesday');
      answers = [true, true];
      const done = (await call('restore:run', { id: m.id })) as { requiresRestart: boolean; holders: { name: string }[] };
      expect(done.requiresRestart).toBe(true);
      expect(done.holders.map((h) => h.name)).toContain('node');
      program.child.stdin?.write('read\n');
      await program.waitFor('marker monday');
    } finally {
      await program.stop();
    }
  });
});
