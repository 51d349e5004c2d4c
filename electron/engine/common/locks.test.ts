// Two backups of one source never run at once, across processes; a killed holder frees the lock.
import path from 'node:path';
import { expect, it } from 'vitest';
import type { Manifest } from '../../../shared/model.ts';
import { makeBankDb, runCli, startCliHeldAt } from '../testing/fixtures.ts';
import { useTestFolder } from '../testing/test-folder.ts';

const tmp = useTestFolder();

it('a second backup of the same source is refused while the first runs, and works once it is gone', async () => {
  const { home, db } = tmp;
  const other = path.join(tmp.dir, 'other.db');
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
