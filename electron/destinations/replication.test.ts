// Promise 6 and 8 for folder destinations: each restore point is copied to every destination on
// its own, a broken destination never fails or removes the local restore point, and a new machine
// with only the destination folder lists and restores everything that was copied.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Manifest, Replica } from '../../shared/model.ts';
import type { Storage } from '../engine/storage/storage.ts';
import { createEngine } from '../engine/engine.ts';
import { folderStorage } from './folder/folder-storage.ts';
import { RETRY_DELAYS_MS } from '../engine/remote/replication.ts';
import { makeBankDb, readMarker, runCli, setMarker, setSetting, sha256, keepWholeFiles } from '../engine/testing/fixtures.ts';
import { useTestFolder } from '../engine/testing/test-folder.ts';
import { addFolderDestination } from './folder/folder-kind.ts';

const tmp = useTestFolder();
// Whole-file restore points are what is tested here (the page store has tests of its own).
beforeEach(() => keepWholeFiles(tmp.home));
let usb: string;
let nas: string;
beforeEach(() => {
  usb = path.join(tmp.dir, 'usb', 'Lifeboat');
  nas = path.join(tmp.dir, 'nas', 'Lifeboat');
  makeBankDb(tmp.db, { blobRows: 100 });
  // The disks are mounted: their folders exist (a destination is never created on a missing path).
  mkdirSync(path.dirname(usb));
  mkdirSync(path.dirname(nas));
});

type WithReplicas = Manifest & { replicas: Replica[] };

describe('folder destinations', () => {
  it('copies each new restore point, verified, with its manifest beside it, and lists where it lives', async () => {
    expect((await runCli(['destinations', 'add', usb, '--name', 'USB disk'], { home: tmp.home })).code).toBe(0);
    const r = await runCli(['--json', 'backup', tmp.db], { home: tmp.home });
    expect(r.code, r.stderr).toBe(0);
    const m = JSON.parse(r.stdout) as WithReplicas;
    expect(m.replicas).toMatchObject([{ destinationId: 'lifeboat', status: 'completed', attempts: 1, sha256: m.artifact.sha256, bytes: m.artifact.bytes }]);
    const copy = path.join(usb, m.artifact.path);
    expect(sha256(copy)).toBe(m.artifact.sha256);
    const { replicas, locations, retention: _retention, ...manifest } = m as WithReplicas & { locations: string[]; retention: unknown };
    expect(replicas).toHaveLength(1);
    expect(locations).toEqual(['vault', 'USB disk']); // the same word and shape as `list --json`
    expect(JSON.parse(readFileSync(path.join(usb, 'store', `store_${m.id}.manifest.json`), 'utf8'))).toEqual(manifest);
    const list = await runCli(['list'], { home: tmp.home });
    expect(list.stdout).toMatch(/vault, USB disk/);
    const status = JSON.parse((await runCli(['--json', 'destinations'], { home: tmp.home })).stdout) as { completed: number; lastStatus: string }[];
    expect(status[0]).toMatchObject({ completed: 1, lastStatus: 'completed' });
  });

  it('a disconnected destination fails on its own: the backup succeeds, the other destination gets its copy, push catches up later', async () => {
    expect((await runCli(['destinations', 'add', usb, '--id', 'usb'], { home: tmp.home })).code).toBe(0);
    expect((await runCli(['destinations', 'add', nas, '--id', 'nas'], { home: tmp.home })).code).toBe(0);
    renameSync(path.dirname(usb), `${path.dirname(usb)}-unplugged`); // the disk is unplugged
    const r = await runCli(['--json', 'backup', tmp.db], { home: tmp.home });
    expect(r.code, r.stderr).toBe(0);
    const m = JSON.parse(r.stdout) as WithReplicas;
    const byId = Object.fromEntries(m.replicas.map((x) => [x.destinationId, x]));
    expect(byId.nas).toMatchObject({ status: 'completed' });
    expect(byId.usb).toMatchObject({ status: 'failed', attempts: 1 });
    expect(byId.usb!.error).toMatch(/is not there\. Connect the disk/);
    expect(existsSync(path.join(tmp.home, 'vault', m.artifact.path))).toBe(true);
    expect((await runCli(['verify'], { home: tmp.home })).code).toBe(0);

    // An empty mount point (the folder exists, the disk is not mounted) is not mistaken for the disk.
    mkdirEmpty(usb);
    const empty = await runCli(['push'], { home: tmp.home });
    expect(empty.code).toBe(1);
    expect(empty.stdout).toMatch(/looks disconnected/);
    expect(readdirSync(usb)).toEqual([]);
    rmSync(path.dirname(usb), { recursive: true });

    renameSync(`${path.dirname(usb)}-unplugged`, path.dirname(usb)); // plugged back in
    const push = await runCli(['push'], { home: tmp.home });
    expect(push.code, push.stdout + push.stderr).toBe(0);
    expect(push.stdout).toMatch(new RegExp(`copied  ${m.id} to`));
    expect(sha256(path.join(usb, m.artifact.path))).toBe(m.artifact.sha256);
  });

  it('a new machine with only the destination folder lists and restores what was copied', async () => {
    await setSetting(tmp.home, 'scryptWorkFactor', 10);
    expect((await runCli(['destinations', 'add', usb], { home: tmp.home })).code).toBe(0);
    setMarker(tmp.db, 'plain');
    const plain = JSON.parse((await runCli(['--json', 'backup', tmp.db], { home: tmp.home })).stdout) as Manifest;
    setMarker(tmp.db, 'secret');
    const secret = JSON.parse((await runCli(['--json', 'backup', tmp.db, '--compress', '--encrypt'], { home: tmp.home, env: { LIFEBOAT_PASSPHRASE: 'pass phrase words' } })).stdout) as Manifest;

    // The laptop died. A new one, an empty data folder, the same disk.
    const newHome = path.join(tmp.dir, 'new-home');
    expect((await runCli(['destinations', 'add', usb], { home: newHome })).code).toBe(0);
    expect(JSON.parse((await runCli(['--json', 'list'], { home: newHome })).stdout)).toEqual([]);
    const remote = JSON.parse((await runCli(['--json', 'list', '--remote'], { home: newHome })).stdout) as (Manifest & { locations: string[] })[];
    expect(remote.map((m) => m.id).sort()).toEqual([plain.id, secret.id].sort());
    expect(remote[0]!.locations).toEqual([usb]);
    // The encrypted one's manifest did not carry the old machine's folder layout.
    expect(remote.find((m) => m.id === secret.id)!.source.path).toBe('store.db');

    const restoredDir = path.join(tmp.dir, 'restored');
    mkdirEmpty(restoredDir);
    const a = await runCli(['restore', plain.id, '--to', path.join(restoredDir, 'plain.db')], { home: newHome });
    expect(a.code, a.stderr).toBe(0);
    expect(readMarker(path.join(restoredDir, 'plain.db'))).toBe('plain');
    const nowhere = await runCli(['--yes', 'restore', secret.id], { home: newHome, env: { LIFEBOAT_PASSPHRASE: 'pass phrase words' } });
    expect(nowhere.code).toBe(2);
    expect(nowhere.stderr).toMatch(/"store", which is not a database registered on this machine.*Restore it into a new file with --to PATH/);
    const b = await runCli(['restore', secret.id, '--to', path.join(restoredDir, 'secret.db')], { home: newHome, env: { LIFEBOAT_PASSPHRASE: 'pass phrase words' } });
    expect(b.code, b.stderr).toBe(0);
    expect(readMarker(path.join(restoredDir, 'secret.db'))).toBe('secret');
    expect((await runCli(['verify'], { home: newHome, env: { LIFEBOAT_PASSPHRASE: 'pass phrase words' } })).code).toBe(0);
  });

  it('destinations add never creates a missing disk: the folder (or its parent) must exist; one on the database\'s disk is accepted with a warning', async () => {
    expect((await runCli(['sources', 'add', tmp.db], { home: tmp.home })).code).toBe(0);
    const unmounted = path.join(tmp.dir, 'media', 'usb', 'Lifeboat'); // /media/usb is not there: the disk is not mounted
    const r = await runCli(['--json', 'destinations', 'add', unmounted], { home: tmp.home });
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ error: { code: 'not-found', message: expect.stringMatching(/media\/usb does not exist/) } });
    expect(existsSync(path.join(tmp.dir, 'media'))).toBe(false);
    expect(JSON.parse((await runCli(['--json', 'destinations'], { home: tmp.home })).stdout)).toEqual([]);

    // The parent exists (a mounted disk): the last folder is made, with the marker.
    mkdirSync(path.dirname(usb), { recursive: true });
    const added = await runCli(['destinations', 'add', usb], { home: tmp.home });
    expect(added.code, added.stderr).toBe(0);
    expect(existsSync(path.join(usb, '.lifeboat-destination'))).toBe(true);
    // tmp.dir is on the same disk as the database: accepted, with a warning, and health says so.
    expect(added.stderr).toMatch(/warning: .* is on the same disk as store\.db: it is not a copy off this disk/);
    const status = await runCli(['status'], { home: tmp.home });
    expect(status.stdout).toMatch(/is on the same disk as store\.db/);
  });

  it('a lost catalog loses no waiting copy: reindex compares each destination with the vault and queues what it lacks', async () => {
    expect((await runCli(['destinations', 'add', usb, '--id', 'usb'], { home: tmp.home })).code).toBe(0);
    expect((await runCli(['destinations', 'add', nas, '--id', 'nas'], { home: tmp.home })).code).toBe(0);
    const copied = JSON.parse((await runCli(['--json', 'backup', tmp.db], { home: tmp.home })).stdout) as WithReplicas;
    renameSync(path.dirname(usb), `${path.dirname(usb)}-unplugged`);
    const waiting: string[] = [];
    for (let i = 0; i < 2; i++) waiting.push((JSON.parse((await runCli(['--json', 'backup', tmp.db], { home: tmp.home })).stdout) as WithReplicas).id);

    for (const f of ['catalog.db', 'catalog.db-wal', 'catalog.db-shm']) rmSync(path.join(tmp.home, f), { force: true }); // the index is lost
    const reindex = await runCli(['reindex'], { home: tmp.home });
    expect(reindex.code, reindex.stderr).toBe(0);
    expect(reindex.stdout).toMatch(/Indexed 3 restore points/);
    // The NAS was read: it holds all three. The USB disk could not be read: all three wait for it.
    expect(reindex.stdout).toMatch(/nas: holds 3, 0 queued/);
    expect(reindex.stdout).toMatch(/usb: could not be read \(.*is not there.*\), 3 queued/);
    const status = JSON.parse((await runCli(['--json', 'destinations'], { home: tmp.home })).stdout) as { destination: { id: string }; completed: number; pending: number }[];
    expect(status.map((d) => [d.destination.id, d.completed, d.pending])).toEqual([['usb', 0, 3], ['nas', 3, 0]]);

    renameSync(`${path.dirname(usb)}-unplugged`, path.dirname(usb));
    const push = await runCli(['push'], { home: tmp.home });
    expect(push.code, push.stdout + push.stderr).toBe(0);
    for (const id of [copied.id, ...waiting]) expect(existsSync(path.join(usb, 'store', `store_${id}.manifest.json`))).toBe(true);
  });

  it('a destination added later gets the history its retention keeps: destinations add queues it, push sends it', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push((JSON.parse((await runCli(['--json', 'backup', tmp.db], { home: tmp.home })).stdout) as Manifest).id);
    expect((await runCli(['destinations', 'add', usb, '--id', 'usb'], { home: tmp.home })).code).toBe(0);
    expect((await runCli(['destinations', 'set', 'usb', '--keep-last', '3', '--keep-daily', '0', '--keep-weekly', '0', '--keep-monthly', '0', '--min-count', '1'], { home: tmp.home })).code).toBe(0);
    const listed = JSON.parse((await runCli(['--json', 'destinations'], { home: tmp.home })).stdout) as { completed: number; pending: number }[];
    expect(listed[0]).toMatchObject({ completed: 0, pending: 4 }); // queued when it was added (its rules came after)
    const push = await runCli(['push'], { home: tmp.home });
    expect(push.code, push.stdout + push.stderr).toBe(0);
    for (const id of ids) expect(push.stdout).toMatch(new RegExp(`copied  ${id} to`));
    // Its own retention then keeps three there; the vault keeps its own (more).
    expect((await runCli(['prune'], { home: tmp.home })).code).toBe(0);
    expect(readdirSync(path.join(usb, 'store')).filter((f) => f.endsWith('.manifest.json')).sort()).toEqual(ids.slice(1).map((id) => `store_${id}.manifest.json`).sort());
    expect((await runCli(['push'], { home: tmp.home })).stdout).toMatch(/Nothing to copy: every destination is up to date/);
  });

  it('refuses a copy that was damaged at the destination', async () => {
    expect((await runCli(['destinations', 'add', usb], { home: tmp.home })).code).toBe(0);
    const m = JSON.parse((await runCli(['--json', 'backup', tmp.db], { home: tmp.home })).stdout) as Manifest;
    const copy = path.join(usb, m.artifact.path);
    const bytes = readFileSync(copy);
    bytes[5000] = (bytes[5000] ?? 0) ^ 0xff;
    writeFileSync(copy, bytes);
    const newHome = path.join(tmp.dir, 'new-home');
    expect((await runCli(['destinations', 'add', usb], { home: newHome })).code).toBe(0);
    const r = await runCli(['pull', m.id], { home: newHome });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/does not match its checksum/);
    expect(readdirSync(path.join(newHome, 'vault', 'store'))).toEqual([]);
  });
});

function mkdirEmpty(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
}

describe('the upload queue', () => {
  it('uploads after each backup and retries a failing destination with backoff, never touching the vault', async () => {
    let failuresLeft = 2;
    let now = Date.parse('2026-11-22T12:00:00Z');
    const timers: { at: number; fn: () => void }[] = [];
    const clock = {
      now: () => new Date(now),
      setTimer: (fn: () => void, ms: number) => timers.push({ at: now + ms, fn }),
      clearTimer: () => undefined,
    };
    const flaky = (inner: Storage): Storage => ({
      ...inner,
      save: async (...args) => {
        if (failuresLeft-- > 0) throw new Error('connection reset');
        return inner.save(...args);
      },
    });
    const engine = await createEngine({ dataDir: tmp.home, appVersion: '0.0.0-test', clock, storages: (d) => flaky(folderStorage(String(d.path), d.name)) });
    try {
      await addFolderDestination(engine, usb, { id: 'usb' });
      const queue = engine.startUploads();
      const m = await engine.backup({ path: tmp.db }, { trigger: 'manual' });
      await queue.drain();
      expect(engine.replicas(m.id)[0]).toMatchObject({ status: 'failed', attempts: 1, error: 'connection reset' });
      for (const delay of RETRY_DELAYS_MS.slice(0, 2)) {
        now += delay;
        timers.splice(0).filter((x) => x.at <= now).forEach((x) => x.fn());
        await queue.drain();
      }
      expect(engine.replicas(m.id)[0]).toMatchObject({ status: 'completed', attempts: 3 });
      expect(sha256(path.join(usb, m.artifact.path))).toBe(m.artifact.sha256);
      queue.stop();
    } finally {
      engine.close();
    }
  });
});
