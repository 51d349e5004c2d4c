// The catalog (the index) on a disk that fills up or turns read-only: that is not damage, so the
// catalog is never moved aside for it (four commands on a full disk used to rename it four times);
// each command says the disk is full, and once there is room again everything is listed as before.
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import type { Manifest } from '../../../shared/model.ts';
import { makeBankDb, mountSmallDisk, runCli, sha256, type SmallDisk } from '../testing/fixtures.ts';
import { useTestFolder } from '../testing/test-folder.ts';

const tmp = useTestFolder();
let disk: SmallDisk | undefined;
afterEach(() => {
  disk?.unmount();
  disk = undefined;
});

it('a full or read-only disk never moves a healthy catalog aside, and says what is wrong', async (t) => {
  const mounted = mountSmallDisk(path.join(tmp.dir, 'disk'), 48 * 1024 * 1024);
  if (typeof mounted === 'string') {
    console.warn(`skipped the full-disk catalog check: ${mounted}`);
    t.skip();
    return;
  }
  disk = mounted;
  const home = path.join(disk.dir, 'home');
  makeBankDb(tmp.db);
  const first = await runCli(['--json', 'backup', tmp.db], { home });
  expect(first.code, first.stderr).toBe(0);
  const m = JSON.parse(first.stdout) as Manifest;
  const catalog = path.join(home, 'catalog.db');
  const before = sha256(catalog);

  disk.fill();
  for (let i = 0; i < 4; i++) {
    const r = await runCli(['--json', 'status'], { home });
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ error: { code: 'disk-full', message: expect.stringMatching(/is full/) } });
  }
  expect(readdirSync(home).filter((f) => f.includes('damaged'))).toEqual([]);
  expect(sha256(catalog)).toBe(before);

  disk.empty();
  disk.readOnly(true);
  // Reading still works from a read-only disk; writing says why it cannot.
  const ro = await runCli(['--json', 'list'], { home });
  expect(ro.code, ro.stderr).toBe(0);
  const write = await runCli(['--json', 'backup', tmp.db], { home });
  expect(write.code).toBe(1);
  expect(JSON.parse(write.stdout)).toMatchObject({ error: { code: 'read-only', message: expect.stringMatching(/cannot write to/) } });
  disk.readOnly(false);
  expect(readdirSync(home).filter((f) => f.includes('damaged'))).toEqual([]);

  const list = await runCli(['--json', 'list'], { home });
  expect(list.code, list.stderr).toBe(0);
  expect((JSON.parse(list.stdout) as Manifest[]).map((x) => x.id)).toEqual([m.id]);
  expect(existsSync(catalog)).toBe(true);
});
