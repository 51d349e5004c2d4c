// The temporary folders every test of a file gets: a data folder and a database path, fresh for each
// test and removed after it. (Separate from fixtures.ts, which the benchmarks use outside Vitest.)
import path from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import { tempDir } from './fixtures.ts';

/** A test's own folders: `dir` (a fresh temporary folder), `home` (the data folder inside it) and `db` (where store.db goes; not created). */
export interface TestFolder {
  dir: string;
  home: string;
  db: string;
}

/**
 * Gives every test in the file a fresh TestFolder (set before each test, removed after it), so the
 * tests need no setup of their own.
 */
export function useTestFolder(): TestFolder {
  const folder: TestFolder = { dir: '', home: '', db: '' };
  let cleanup = () => undefined as void;
  beforeEach(() => {
    const t = tempDir();
    Object.assign(folder, { dir: t.dir, home: path.join(t.dir, 'home'), db: path.join(t.dir, 'store.db') });
    cleanup = t.cleanup;
  });
  afterEach(() => cleanup());
  return folder;
}
