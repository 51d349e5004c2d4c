// The schedule end to end, in real processes: the CLI sets and previews a schedule, and
// `lifeboat daemon` started after missing two days of slots takes exactly one catch-up backup.
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import type { Manifest } from '../../shared/model.ts';
import { CLI, REPO, makeBankDb, runCli } from '../engine/testing/fixtures.ts';
import { useTestFolder } from '../engine/testing/test-folder.ts';

const tmp = useTestFolder();

it('sets a schedule, previews the next five runs, and the daemon catches up once', async () => {
  const { home, db } = tmp;
  makeBankDb(db);
  expect((await runCli(['sources', 'add', db], { home })).code).toBe(0);
  const bad = await runCli(['sources', 'set', 'store', '--schedule', 'daily 25:00'], { home });
  expect(bad.code).toBe(2);
  expect(bad.stderr).toMatch(/is not a schedule/);
  expect((await runCli(['sources', 'set', 'store', '--schedule', 'daily 02:30'], { home })).code).toBe(0);

  const preview = JSON.parse((await runCli(['--json', 'schedule'], { home })).stdout) as { sources: { next: string[]; describe: string }[] };
  expect(preview.sources[0]!.describe).toBe('Every day at 02:30');
  expect(preview.sources[0]!.next).toHaveLength(5);

  // The machine was off for two days: the state says the last slot handled was long ago.
  const twoDaysAgo = new Date(Date.now() - 2 * 86_400_000).toISOString();
  writeFileSync(path.join(home, 'schedule-state.json'), JSON.stringify({ paused: false, sources: { store: { handledUntil: twoDaysAgo, attempts: 0, successes: 0, failures: 0 } } }));
  const daemon = spawn(process.execPath, [CLI, '--home', home, 'daemon'], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  daemon.stderr.on('data', (d: Buffer) => (log += d.toString()));
  const closed = new Promise((r) => daemon.on('close', r));
  for (let i = 0; i < 200 && !/restore point \S+ taken/.test(log); i++) await new Promise((r) => setTimeout(r, 100));
  await new Promise((r) => setTimeout(r, 1500)); // would a second catch-up follow? it must not
  daemon.kill('SIGTERM');
  await closed;
  expect(log).toMatch(/store: Every day at 02:30/);
  const list = JSON.parse((await runCli(['--json', 'list'], { home })).stdout) as Manifest[];
  expect(list.map((m) => m.trigger)).toEqual(['scheduled']);
  expect(log).toContain(`store: restore point ${list[0]!.id} taken`); // the daemon's line names it
  const state = JSON.parse(readFileSync(path.join(home, 'schedule-state.json'), 'utf8')) as { sources: { store: { successes: number; lastOk: boolean } } };
  expect(state.sources.store).toMatchObject({ successes: 1, lastOk: true });
});
