// The vault's own marker: a vault on a disk that is not connected (moved to an external disk, then
// unplugged) is a problem health reports, never an empty vault silently started on the system disk,
// and the index keeps every entry (with its verifications) until the disk is back.
import { existsSync, mkdirSync, readdirSync, renameSync, rmdirSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import type { Manifest } from '../../../shared/model.ts';
import { makeBankDb, runCli, setSetting } from '../testing/fixtures.ts';
import { useTestFolder } from '../testing/test-folder.ts';

const tmp = useTestFolder();

it('a vault whose disk is unplugged is reported, not recreated, and comes back whole', async () => {
  makeBankDb(tmp.db);
  const disk = path.join(tmp.dir, 'usb');
  const vault = path.join(disk, 'Lifeboat vault');
  mkdirSync(disk);
  await setSetting(tmp.home, 'vaultDir', vault);
  const ids: string[] = [];
  for (let i = 0; i < 2; i++) {
    const r = await runCli(['--json', 'backup', tmp.db], { home: tmp.home });
    expect(r.code, r.stderr).toBe(0);
    ids.push((JSON.parse(r.stdout) as Manifest).id);
  }
  expect((await runCli(['verify', ids[0]!], { home: tmp.home })).code).toBe(0);
  expect(existsSync(path.join(vault, '.lifeboat-vault'))).toBe(true);

  renameSync(disk, `${disk}-unplugged`);
  const status = await runCli(['status'], { home: tmp.home });
  expect(status.stdout).toMatch(/Health: Problem/);
  expect(status.stdout).toMatch(/PROBLEM: The vault .*Lifeboat vault is not there/);
  const list = await runCli(['--json', 'list'], { home: tmp.home });
  expect((JSON.parse(list.stdout) as Manifest[]).map((m) => m.id).sort()).toEqual([...ids].sort());
  const backup = await runCli(['--json', 'backup', tmp.db], { home: tmp.home });
  expect(backup.code).toBe(1);
  expect(JSON.parse(backup.stdout)).toMatchObject({ error: { code: 'not-found', message: expect.stringMatching(/The vault .* is not there/) } });
  expect(existsSync(disk)).toBe(false); // nothing was made on the system disk in its place
  // An empty mount point where the disk should be is not the vault either.
  mkdirSync(vault, { recursive: true });
  expect((await runCli(['backup', tmp.db], { home: tmp.home })).code).toBe(1);
  expect(readdirSync(vault)).toEqual([]);
  expect((await runCli(['reindex'], { home: tmp.home })).code).toBe(1);

  // Plugged back in: every restore point, and its verification, is still known.
  rmdirSync(vault);
  rmdirSync(disk);
  renameSync(`${disk}-unplugged`, disk);
  const back = await runCli(['--json', 'status'], { home: tmp.home });
  expect(JSON.parse(back.stdout)).toMatchObject({ sources: [{ restorePoints: 2 }] });
  expect(JSON.parse(back.stdout).vaultProblem).toBeUndefined();
  expect((await runCli(['backup', tmp.db], { home: tmp.home })).code).toBe(0);
});

it('a pull from a destination does not make a vault in place of one whose disk is unplugged', async () => {
  makeBankDb(tmp.db);
  const disk = path.join(tmp.dir, 'usb');
  const nas = path.join(tmp.dir, 'nas');
  mkdirSync(disk);
  mkdirSync(nas);
  await setSetting(tmp.home, 'vaultDir', path.join(disk, 'vault'));
  expect((await runCli(['destinations', 'add', nas], { home: tmp.home })).code).toBe(0);
  const m = JSON.parse((await runCli(['--json', 'backup', tmp.db], { home: tmp.home })).stdout) as Manifest;
  renameSync(disk, `${disk}-unplugged`);
  const pull = await runCli(['--json', 'pull', m.id], { home: tmp.home });
  expect(pull.code).toBe(1);
  expect(JSON.parse(pull.stdout)).toMatchObject({ error: { code: 'not-found', message: expect.stringMatching(/The vault .* is not there/) } });
  expect(existsSync(disk)).toBe(false);
});
