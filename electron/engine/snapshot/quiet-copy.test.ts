// The lock-free copy of a WAL database with a left-over empty -wal: valid only while that file keeps
// its stamp, so a commit by a program that opens the database meanwhile is never copied half-way.
import Database from 'better-sqlite3';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { NeverQuiet, quietCopy, walStamp } from './quiet-copy.ts';
import { makeBankDb, readMarker } from '../testing/fixtures.ts';
import { useTestFolder } from '../testing/test-folder.ts';

const tmp = useTestFolder();

/** An empty -wal and a -shm, as a program whose last connection to close was read-only leaves them. */
function leaveEmptyWal(file: string): void {
  const writer = new Database(file);
  writer.prepare('INSERT INTO marker (label) VALUES (?)').run('checkpointed');
  writer.pragma('wal_checkpoint(TRUNCATE)');
  const reader = new Database(file, { readonly: true });
  reader.prepare('SELECT count(*) FROM marker').get();
  writer.close();
  reader.close();
}

describe('quietCopy of a WAL database with a left-over empty -wal', () => {
  it('copies while the -wal keeps its stamp, and refuses once a program has written it', async () => {
    makeBankDb(tmp.db, { mode: 'wal' });
    leaveEmptyWal(tmp.db);
    const stamp = await walStamp(tmp.db);
    expect(stamp).not.toBe('absent');
    const copy = path.join(tmp.dir, 'copy.db');
    await quietCopy(tmp.db, copy, { deadlineMs: 5_000, wal: true, leftWal: stamp });
    expect(readMarker(copy)).toBe('checkpointed');

    // A program opens it and commits: the commit is in the -wal, not the main file.
    const program = new Database(tmp.db);
    program.prepare('UPDATE marker SET label = ?').run('in the wal');
    try {
      const refused = await quietCopy(tmp.db, path.join(tmp.dir, 'copy2.db'), { deadlineMs: 5_000, wal: true, leftWal: stamp }).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(NeverQuiet);
      expect((refused as NeverQuiet).walOpened).toBe(true);
    } finally {
      program.close();
    }
  });
});
