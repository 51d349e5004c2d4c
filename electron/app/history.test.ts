// One history of every operation, whoever ran it: what the command line did shows in the app's
// Activity, what the app did shows in `lifeboat history`, each saying who ran it; the activity list
// an older app kept is moved into it once.
import { rmSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { ipcContract } from '../../shared/ipc-contract.ts';
import type { JobView } from '../../shared/model.ts';
import { makeBankDb, runCli } from '../engine/testing/fixtures.ts';
import { useTestFolder } from '../engine/testing/test-folder.ts';
import { createDesktopServices, type DesktopServices } from './desktop-services.ts';
import { invokeChecked } from './ipc-dispatch.ts';

const tmp = useTestFolder();
const open: DesktopServices[] = [];
afterEach(async () => {
  for (const s of open.splice(0)) await s.stop();
});
const cli = (args: string[]) => runCli(args, { home: tmp.home });
const refuse = async () => undefined;

async function app() {
  const s = await createDesktopServices({
    dataDir: tmp.home,
    appVersion: '0.0.0-test',
    effects: { chooseDatabase: refuse, chooseFolder: refuse, chooseRestoreTarget: refuse, chooseExportTarget: refuse, confirm: async () => false, openExternal: refuse, openPath: refuse },
  });
  open.push(s);
  return s;
}

it("the command line's operations are in the app's Activity and the app's in `lifeboat history`, each saying who ran it", async () => {
  makeBankDb(tmp.db);
  expect((await cli(['backup', tmp.db])).code).toBe(0);
  expect((await cli(['verify'])).code).toBe(0);
  const [taken] = JSON.parse((await cli(['--json', 'list'])).stdout) as { id: string }[];
  expect((await cli(['restore', '--yes', taken!.id, '--to', path.join(tmp.dir, 'copy.db')])).code).toBe(0);
  rmSync(tmp.db);
  expect((await cli(['backup', 'store'])).code).toBe(1); // its file is gone: a failed backup, recorded too

  const s = await app();
  await s.backUp('store', 'manual').catch(() => undefined); // the app's own attempt fails the same way
  const r = await invokeChecked(ipcContract, s.handlers, 'activity:list', undefined);
  if (!r.ok) throw new Error(r.error.message);
  const activity = r.value as JobView[];
  expect(activity.map((j) => [j.by, j.kind, j.outcome])).toEqual([
    ['app', 'backup', 'failed'],
    ['cli', 'backup', 'failed'],
    ['cli', 'restore', 'ok'],
    ['cli', 'verify', 'ok'],
    ['cli', 'backup', 'ok'],
  ]);
  expect(activity[1]).toMatchObject({ title: 'Backing up store.db', sourceId: 'store', message: expect.stringMatching(/does not exist/) });
  expect(activity[4]).toMatchObject({ title: 'Backing up store.db', message: expect.stringMatching(/^Restore point taken and checked/), restorePointId: expect.any(String) });
  await s.stop();
  open.length = 0;

  // The same list from the command line: newest first, one line each, who ran it, how it ended.
  const human = await runCli(['history'], { home: tmp.home, env: { LANG: 'de_DE.UTF-8', TZ: 'UTC' } });
  expect(human.code).toBe(0);
  const lines = human.stdout.trim().split('\n');
  expect(lines[0]).toMatch(/^STARTED\s+BY\s+WHAT\s+RESULT$/);
  expect(lines[1]).toMatch(/^\d{2}\.\d{2}\.\d{2}, \d{2}:\d{2}:\d{2}\s+app\s+Backing up store\.db\s+FAILED: .*does not exist/);
  expect(lines[3]).toMatch(/command line\s+Restoring store\.db into another file\s+Done: Restored into /);
  expect(lines[4]).toMatch(/command line\s+Verifying every restore point\s+Done: 1 checked, all good/);
  const json = JSON.parse((await cli(['--json', 'history', '--source', 'store'])).stdout) as JobView[];
  expect(json.map((j) => j.by)).toEqual(['app', 'cli', 'cli', 'cli']); // the verification of every source has no source
});

it('moves the activity list an older app kept into the history, once', async () => {
  const old: JobView = { id: 'abc-123456', kind: 'backup', title: 'Backing up store.db', sourceId: 'store', startedAt: '2026-01-01T10:00:00.000Z', finishedAt: '2026-01-01T10:00:01.000Z', outcome: 'ok', message: 'Restore point taken and checked (8 KB)' };
  const file = path.join(tmp.home, 'activity.json');
  await cli(['status']); // makes the data folder
  writeFileSync(file, JSON.stringify([old]));
  const s = await app();
  expect(s.jobs.recent()).toEqual([{ ...old, by: 'app' }]);
  expect(existsSync(file)).toBe(false);
  await s.stop();
  open.length = 0;
  expect((await app()).jobs.recent()).toHaveLength(1);
});
