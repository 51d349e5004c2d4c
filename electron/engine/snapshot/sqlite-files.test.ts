// The integrity check runs beside the caller's thread (the app's main thread stays free), and says
// what SQLite said: ok for a good copy, failed with SQLite's words for a damaged or foreign file.
import { openSync, readFileSync, writeFileSync, writeSync, closeSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { checkIntegrity } from './sqlite-files.ts';
import { makeBankDb } from '../testing/fixtures.ts';
import { useTestFolder } from '../testing/test-folder.ts';

const tmp = useTestFolder();


it('reports ok for a good database, and the event loop keeps turning while it checks', async () => {
  const db = path.join(tmp.dir, 'store.db');
  makeBankDb(db, { mode: 'delete', blobRows: 300 });
  let turns = 0;
  let running = true;
  const spin = () => {
    turns++;
    if (running) setImmediate(spin);
  };
  setImmediate(spin);
  const result = await checkIntegrity(db, 'integrity_check');
  running = false;
  expect(result).toEqual({ check: 'integrity_check', status: 'ok', message: 'ok' });
  expect(turns).toBeGreaterThan(0);
});

it("reports a damaged database as failed, in SQLite's words", async () => {
  const db = path.join(tmp.dir, 'store.db');
  makeBankDb(db, { mode: 'delete', blobRows: 300 });
  const pageSize = readFileSync(db).readUInt16BE(16);
  const fd = openSync(db, 'r+');
  writeSync(fd, Buffer.alloc(pageSize, 0x5a), 0, pageSize, pageSize * 3); // scribble over a b-tree page
  closeSync(fd);
  const result = await checkIntegrity(db, 'quick_check');
  expect(result.status).toBe('failed');
  expect(result.message.length).toBeGreaterThan(0);
});

it('reports a file that is not a database as failed instead of throwing', async () => {
  const file = path.join(tmp.dir, 'notes.txt');
  writeFileSync(file, 'x'.repeat(8192));
  expect(await checkIntegrity(file)).toMatchObject({ status: 'failed', message: expect.stringMatching(/^SQLite could not check the copy: .*not a database/) });
});

it('stops when asked', async () => {
  const db = path.join(tmp.dir, 'store.db');
  makeBankDb(db, { blobRows: 50 });
  const stop = new AbortController();
  const checking = checkIntegrity(db, 'quick_check', stop.signal);
  stop.abort();
  await expect(checking).rejects.toThrow(/abort/i);
});
