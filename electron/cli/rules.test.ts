// The rules the engine enforces reach the command line exactly as they reach the app (see
// app/desktop-services.test.ts for the same refusals over IPC): nothing is saved that a scheduled
// backup could not carry out, and a passphrase in use cannot be forgotten.
import { expect, it } from 'vitest';
import type { Source } from '../../shared/model.ts';
import { makeBankDb, runCli } from '../engine/testing/fixtures.ts';
import { useTestFolder } from '../engine/testing/test-folder.ts';

const tmp = useTestFolder();
const cli = (args: string[], env: NodeJS.ProcessEnv = {}) => runCli(args, { home: tmp.home, env });

it('refuses passphrase encryption for a source until a passphrase is remembered, and keys that are not age keys', async () => {
  makeBankDb(tmp.db);
  expect((await cli(['sources', 'add', tmp.db])).code).toBe(0);
  const refused = await cli(['sources', 'set', 'store', '--encrypt-passphrase']);
  expect(refused.code).toBe(2);
  expect(refused.stderr).toMatch(/No passphrase is set for encrypted backups.*lifeboat passphrase set/);
  const badKey = await cli(['--json', 'sources', 'set', 'store', '--encrypt-to', 'age1notakey']);
  expect(badKey.code).toBe(2);
  expect(JSON.parse(badKey.stdout)).toMatchObject({ error: { code: 'usage', message: expect.stringMatching(/Cannot encrypt to that key/) } });
  const listed = JSON.parse((await cli(['--json', 'sources', 'list'])).stdout) as Source[];
  expect(listed[0]?.encryption).toBeUndefined(); // nothing was saved

  expect((await cli(['passphrase', 'set'], { LIFEBOAT_PASSPHRASE: 'four random words here' })).code).toBe(0);
  expect((await cli(['sources', 'set', 'store', '--encrypt-passphrase'])).code).toBe(0);
});

it('refuses to forget a passphrase that a source or a destination encrypts with', async () => {
  makeBankDb(tmp.db);
  expect((await cli(['sources', 'add', tmp.db])).code).toBe(0);
  expect((await cli(['passphrase', 'set'], { LIFEBOAT_PASSPHRASE: 'four random words here' })).code).toBe(0);
  expect((await cli(['sources', 'set', 'store', '--encrypt-passphrase'])).code).toBe(0);
  const refused = await cli(['passphrase', 'forget']);
  expect(refused.code).toBe(2);
  expect(refused.stderr).toMatch(/store\.db is set to encrypt with this passphrase/);
  expect((await cli(['passphrase', 'status'])).stdout).toMatch(/A passphrase is remembered/);

  expect((await cli(['sources', 'set', 'store', '--no-encrypt'])).code).toBe(0);
  expect((await cli(['passphrase', 'forget'])).code).toBe(0);
  expect((await cli(['passphrase', 'status'])).stdout).toMatch(/No passphrase is remembered/);
});

it('names an unknown destination as one, with its own error code', async () => {
  const r = await cli(['--json', 'destinations', 'disable', 'usb']);
  expect(r.code).toBe(1);
  expect(JSON.parse(r.stdout)).toMatchObject({ error: { code: 'unknown-destination', message: 'There is no destination called "usb" (known: none yet)' } });
});

it('answers `drive status` plainly when Google Drive is simply not connected (exit 0, not an error)', async () => {
  const r = await cli(['drive', 'status']);
  expect(r.code, r.stderr).toBe(0);
  expect(r.stdout).toMatch(/^Google Drive is not connected\. Connect it with `lifeboat drive connect`/);
  expect(JSON.parse((await cli(['--json', 'drive', 'status'])).stdout)).toEqual({ connected: false });
});
