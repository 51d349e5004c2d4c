// Two backups of one source never run at once, across processes; a killed holder frees the lock.
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { Manifest } from '../../shared/model.ts';
import { makeBankDb, runCli, startCliHeldAt, tempDir } from './testing/fixtures.ts';

let t: ReturnType<typeof tempDir>;
beforeEach(() => (t = tempDir()));
afterEach(() => t.cleanup());

it('a second backup of the same source is refused while the first runs, and works once it is gone', async () => {
  const home = path.join(t.dir, 'home');
  const db = path.join(t.dir, 'store.db');
  const other = path.join(t.dir, 'other.db');
  makeBankDb(db);
  makeBankDb(other);
  const first = await startCliHeldAt(['backup', db], home, 'backup:copied');
  const second = await runCli(['backup', db], { home });
  expect(second.code).toBe(1);
  expect(second.stderr).toMatch(new RegExp(`already busy with this by a backup of store \\(process ${first.child.pid}`));
  // Another source is not blocked.
  expect((await runCli(['backup', other], { home })).code).toBe(0);
  first.child.kill('SIGKILL');
  await first.exited;
  const third = await runCli(['--json', 'backup', db], { home });
  expect(third.code, third.stderr).toBe(0);
  expect((JSON.parse(third.stdout) as Manifest).integrity.status).toBe('ok');
});
