// "ok" only when it is: after a copy to a destination fails, `status` says so; after a verify
// fails, `list`, `list --json` and `status` say that restore point failed, not "ok".
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect, it, beforeEach } from 'vitest';
import type { Manifest } from '../../shared/model.ts';
import { makeBankDb, runCli, keepWholeFiles } from '../engine/testing/fixtures.ts';
import { useTestFolder } from '../engine/testing/test-folder.ts';

const tmp = useTestFolder();
// Whole-file restore points are damaged by hand here (the page store's damage has tests of its own).
beforeEach(() => keepWholeFiles(tmp.home));
const cli = (args: string[]) => runCli(args, { home: tmp.home });

it('status names a failing destination and health says it is not all ok', async () => {
  makeBankDb(tmp.db);
  const usb = path.join(tmp.dir, 'usb', 'Lifeboat');
  mkdirSync(path.dirname(usb));
  expect((await cli(['destinations', 'add', usb, '--id', 'usb'])).code).toBe(0);
  expect((await cli(['backup', tmp.db])).code).toBe(0);
  renameSync(path.dirname(usb), `${path.dirname(usb)}-unplugged`);
  expect((await cli(['backup', tmp.db])).code).toBe(0); // the backup itself is fine
  const status = await cli(['status']);
  expect(status.stdout).toMatch(/destination usb .*: 1 copies, 1 FAILED: The destination folder .* is not there/);
  expect(status.stdout).toMatch(/Health: (Needs attention|Problem)/);
  expect(status.stdout).toMatch(/warning: 1 copy to .* failed/);
  // The folder is named once (a folder destination's name is its path): not "… /usb/Lifeboat (/usb/Lifeboat) …".
  expect(status.stdout).toContain(`The destination folder ${usb} is not there`);
  expect(status.stdout).not.toContain(`${usb} (${usb})`);
  expect(status.stdout).not.toMatch(/Health: Everything is protected/);
});

it('a restore point that failed verification is shown as failed by list, list --json and status', async () => {
  makeBankDb(tmp.db, { blobRows: 20 });
  const older = JSON.parse((await cli(['--json', 'backup', tmp.db])).stdout) as Manifest;
  const newest = JSON.parse((await cli(['--json', 'backup', tmp.db])).stdout) as Manifest;
  const artifact = path.join(tmp.home, 'vault', newest.artifact.path);
  const bytes = readFileSync(artifact);
  bytes[bytes.length - 100] = (bytes[bytes.length - 100] ?? 0) ^ 0xff; // the disk damaged it
  writeFileSync(artifact, bytes);
  expect((await cli(['verify'])).code).toBe(1);

  const human = await cli(['list']);
  expect(human.stdout.split('\n').find((l) => l.startsWith(newest.id))).toMatch(/VERIFY FAILED/);
  expect(human.stdout.split('\n').find((l) => l.startsWith(older.id))).toMatch(/\bok\b/);
  const json = JSON.parse((await cli(['--json', 'list'])).stdout) as (Manifest & { verification?: { status: string; message: string } })[];
  expect(json.find((m) => m.id === newest.id)?.verification).toMatchObject({ status: 'failed', message: expect.stringMatching(/does not match/) });
  expect(json.find((m) => m.id === older.id)?.verification).toMatchObject({ status: 'ok' });
  const status = await cli(['status']);
  expect(status.stdout).toMatch(/last backup: .*\(VERIFY FAILED\)/);
  expect(status.stdout).toMatch(/PROBLEM: store\.db: the newest restore point failed verification/);
});
