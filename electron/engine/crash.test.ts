// Promise 3 and 5 against kill -9: a backup or a restore killed at each step (and at random moments
// inside SQLite's copy) leaves nothing half-listed, a database that opens as either the old or the
// restored one, and leftovers that the next run removes.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it, beforeEach } from 'vitest';
import type { Manifest } from '../../shared/model.ts';
import { spawn } from 'node:child_process';
import { CLI, REPO, bankState, makeBankDb, readMarker, runCli, setMarker, startCliHeldAt, keepWholeFiles } from './testing/fixtures.ts';
import { useTestFolder } from './testing/test-folder.ts';

const tmp = useTestFolder();
// Whole-file restore points are what is tested here (the page store has tests of its own).
beforeEach(() => keepWholeFiles(tmp.home));

async function listed(): Promise<Manifest[]> {
  const r = await runCli(['--json', 'list'], { home: tmp.home });
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Manifest[];
}

async function verifyAll(): Promise<void> {
  const r = await runCli(['verify'], { home: tmp.home });
  expect(r.code, r.stdout + r.stderr).toBe(0);
}

/** Runs the CLI and kills it with SIGKILL after `delay` ms (unless it has finished by then). */
async function killAfter(args: string[], delay: number): Promise<void> {
  const child = spawn(process.execPath, [CLI, '--home', tmp.home, ...args], { cwd: REPO, stdio: 'ignore' });
  const closed = new Promise((r) => child.on('close', r));
  await new Promise((r) => setTimeout(r, delay));
  child.kill('SIGKILL');
  await closed;
}

const vaultFiles = () => readdirSync(path.join(tmp.home, 'vault', 'store')).sort();

describe('kill -9 during a backup', () => {
  it.each(['backup:copied', 'backup:hashed', 'backup:artifact-in-place'])('at %s: nothing is listed, and the next run cleans up', async (checkpoint) => {
    makeBankDb(tmp.db, { blobRows: 500 });
    expect((await runCli(['backup', tmp.db], { home: tmp.home })).code).toBe(0);
    const before = await listed();
    const { child, exited } = await startCliHeldAt(['backup', tmp.db], tmp.home, checkpoint);
    child.kill('SIGKILL');
    expect((await exited).signal).toBe('SIGKILL');
    expect(vaultFiles().length).toBeGreaterThan(2); // the killed run left something behind
    expect((await listed()).map((m) => m.id)).toEqual(before.map((m) => m.id));
    await verifyAll();
    // The next backup of the source removes the leftovers before it starts.
    expect((await runCli(['backup', tmp.db], { home: tmp.home })).code).toBe(0);
    const after = await listed();
    expect(after).toHaveLength(2);
    expect(vaultFiles()).toEqual(after.flatMap((m) => [`store_${m.id}.manifest.json`, `store_${m.id}.sqlite`]).sort());
    await verifyAll();
  });

  it('after the manifest is in place: the restore point is complete and listed', async () => {
    makeBankDb(tmp.db, { blobRows: 100 });
    const { child, exited } = await startCliHeldAt(['backup', tmp.db], tmp.home, 'backup:manifest-in-place');
    child.kill('SIGKILL');
    await exited;
    expect(await listed()).toHaveLength(1);
    await verifyAll();
  });

  it('at random moments: whatever is listed verifies, and the vault holds nothing else after the next run', async () => {
    makeBankDb(tmp.db, { blobRows: 3000, blobBytes: 4000 });
    for (const delay of [5, 40, 90, 150, 250, 400]) {
      await killAfter(['--quiet', 'backup', tmp.db], delay);
      await verifyAll();
    }
    expect((await runCli(['backup', tmp.db], { home: tmp.home })).code).toBe(0);
    const after = await listed();
    expect(vaultFiles()).toEqual(after.flatMap((m) => [`store_${m.id}.manifest.json`, `store_${m.id}.sqlite`]).sort());
    await verifyAll();
  });
});

describe('kill -9 during a restore', () => {
  async function prepare(): Promise<{ id: string }> {
    makeBankDb(tmp.db, { mode: 'wal', blobRows: 2000, blobBytes: 4000 });
    setMarker(tmp.db, 'old');
    const r = await runCli(['--json', 'backup', tmp.db], { home: tmp.home });
    const id = (JSON.parse(r.stdout) as Manifest).id;
    setMarker(tmp.db, 'current');
    return { id };
  }

  function expectOldOrRestored(allowed: string[]): string {
    const state = bankState(tmp.db);
    expect(state.check).toBe('ok');
    expect(state.total).toBe(10_000);
    const marker = readMarker(tmp.db) ?? '';
    expect(allowed).toContain(marker);
    return marker;
  }

  it.each(['restore:materialised', 'restore:safety-copied', 'restore:replaced'])('at %s: the database is the old or the restored one', async (checkpoint) => {
    const { id } = await prepare();
    const { child, exited } = await startCliHeldAt(['restore', id, '--yes'], tmp.home, checkpoint);
    child.kill('SIGKILL');
    await exited;
    const marker = expectOldOrRestored(['current', 'old']);
    expect(marker).toBe(checkpoint === 'restore:replaced' ? 'old' : 'current');
    // The next run removes the temporary copy beside the database.
    await runCli(['list'], { home: tmp.home });
    expect(readdirSync(tmp.dir).filter((f) => f.includes('lifeboat-restore'))).toEqual([]);
    await verifyAll();
    // Once the safety copy was taken, whether the restore got through or not, undo goes back to just before it.
    const undo = await runCli(['--yes', 'undo'], { home: tmp.home });
    if (checkpoint === 'restore:materialised') {
      expect(undo.code).toBe(1);
      expect(undo.stderr).toMatch(/no restore to undo/);
    } else {
      expect(undo.code, undo.stderr).toBe(0);
      expect(readMarker(tmp.db)).toBe('current');
    }
  });

  it('at random moments inside the copy into the live database: never torn', async () => {
    const { id } = await prepare();
    const seen = new Set<string>();
    for (const delay of [20, 60, 120, 200, 300, 450, 700, 3000]) {
      setMarker(tmp.db, 'current');
      await killAfter(['--quiet', '--yes', 'restore', id], delay);
      seen.add(expectOldOrRestored(['current', 'old']));
    }
    await runCli(['list'], { home: tmp.home });
    expect(readdirSync(tmp.dir).filter((f) => f.includes('lifeboat-restore'))).toEqual([]);
    await verifyAll();
    // The sweep spans the restore: early kills leave the current database, late ones the restored one.
    expect([...seen].sort()).toEqual(['current', 'old']);
  });

  it('during the rename of a new file (--to): the target is absent or complete', async () => {
    const { id } = await prepare();
    const to = path.join(tmp.dir, 'copy.db');
    const { child, exited } = await startCliHeldAt(['restore', id, '--to', to], tmp.home, 'restore:swapping');
    child.kill('SIGKILL');
    await exited;
    expect(readdirSync(tmp.dir)).not.toContain('copy.db');
    const again = await runCli(['restore', id, '--to', to], { home: tmp.home });
    expect(again.code, again.stderr).toBe(0);
    expect(readMarker(to)).toBe('old');
    expect(readdirSync(tmp.dir).filter((f) => f.includes('lifeboat-restore'))).toEqual([]);
  });
});
