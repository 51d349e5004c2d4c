// `npm run dist`'s step that gives a build its own Google OAuth client: written from the
// environment, never printed, removed when the variables are not set (no stale client), refused
// when only half of it is given. And the app reads exactly what it writes.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { REPO } from '../electron/engine/testing/fixtures.ts';
import { useTestFolder } from '../electron/engine/testing/test-folder.ts';
import { readBuiltInGoogleClient } from '../electron/destinations/drive/built-in-client.ts';

const tmp = useTestFolder();
const SCRIPT = path.join(REPO, 'scripts', 'prepare-google-client.mjs');
const SECRET = 'GOCSPX-test-secret-for-the-build';

const run = (env: NodeJS.ProcessEnv) => {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('LIFEBOAT_DIST_')));
  return spawnSync(process.execPath, [SCRIPT], { encoding: 'utf8', env: { ...clean, LIFEBOAT_RESOURCES_DIR: tmp.dir, ...env } });
};

it('writes the distributor\'s client into the resources, never printing its secret, and the app reads it', async () => {
  const r = run({ LIFEBOAT_DIST_GOOGLE_CLIENT_ID: '1234-abc.apps.googleusercontent.com', LIFEBOAT_DIST_GOOGLE_CLIENT_SECRET: SECRET });
  expect(r.status, r.stderr).toBe(0);
  expect(r.stderr).toMatch(/carries the Google OAuth client 1234-abc\.apps\.googleusercontent\.com/);
  expect(r.stdout + r.stderr).not.toContain(SECRET);
  const file = path.join(tmp.dir, 'google-client.json');
  expect(await readBuiltInGoogleClient(file)).toEqual({ clientId: '1234-abc.apps.googleusercontent.com', clientSecret: SECRET });
});

it('removes a client an earlier build left when the variables are not set, and refuses half a client', async () => {
  const file = path.join(tmp.dir, 'google-client.json');
  writeFileSync(file, JSON.stringify({ clientId: 'old.apps.googleusercontent.com', clientSecret: 'old' }));
  const none = run({});
  expect(none.status).toBe(0);
  expect(none.stderr).toMatch(/carries no Google OAuth client: people connect Google Drive with their own/);
  expect(existsSync(file)).toBe(false);
  expect(await readBuiltInGoogleClient(file)).toBeUndefined();

  const half = run({ LIFEBOAT_DIST_GOOGLE_CLIENT_ID: '1234-abc.apps.googleusercontent.com' });
  expect(half.status).toBe(1);
  expect(half.stderr).toMatch(/LIFEBOAT_DIST_GOOGLE_CLIENT_SECRET is not set/);
  const wrong = run({ LIFEBOAT_DIST_GOOGLE_CLIENT_ID: 'my project', LIFEBOAT_DIST_GOOGLE_CLIENT_SECRET: SECRET });
  expect(wrong.status).toBe(1);
  expect(wrong.stderr).not.toContain(SECRET);
  expect(existsSync(file)).toBe(false);
});

it('the app refuses a damaged client file with what to do, never quoting it', async () => {
  const file = path.join(tmp.dir, 'google-client.json');
  writeFileSync(file, JSON.stringify({ clientId: 'x', clientSecret: SECRET }));
  const e = await readBuiltInGoogleClient(file).catch((err: unknown) => err as Error & { hint: string });
  expect(e).toMatchObject({ code: 'bad-manifest' });
  expect((e as Error).message).toMatch(/is not a client id and secret/);
  expect(`${(e as Error).message} ${(e as { hint: string }).hint}`).not.toContain(SECRET);
  expect(readFileSync(file, 'utf8')).toContain(SECRET); // left as it is
});
