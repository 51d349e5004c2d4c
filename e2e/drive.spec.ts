// Google Drive in the dashboard, against the project's loopback Drive/OAuth emulator: with the
// build's own OAuth client (a bundled test client, as `npm run dist` writes it), Connect is one click
// (the "browser" follows Google's consent redirect back to Lifeboat); see the account and quota,
// Back Up Now, and watch the copy reach Drive; encrypt what goes to Drive (the vault stays plain,
// `age -d` opens Drive's copy); then a revoked token turns health to "needs reconnecting", said in a
// sentence with the one click that fixes it. And a build without a client of its own connects with
// the person's own client, under Advanced.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { zstdDecompressSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeBankDb, tempDir } from '../electron/engine/testing/fixtures.ts';
import { startDriveEmulator, type DriveEmulator } from '../electron/destinations/drive/testing/drive-emulator.ts';
import { e2eUnavailable, startHarness, type Harness } from './harness.ts';

const unavailable = e2eUnavailable();
const PASSPHRASE = 'correct horse battery staple';
/** The bundled test client: what `npm run dist` writes into the app's resources. */
const BUILT_IN = { clientId: 'lifeboat-built-in.apps.googleusercontent.com', clientSecret: 'GOCSPX-bundled-test-secret' };

describe.skipIf(unavailable !== undefined)('Google Drive in the dashboard', () => {
  let t: ReturnType<typeof tempDir>;
  let h: Harness;
  let em: DriveEmulator;
  const opened: string[] = [];
  beforeEach(async () => {
    t = tempDir();
    const db = path.join(t.dir, 'store.db');
    makeBankDb(db, { blobRows: 100 });
    em = await startDriveEmulator({ email: 'shop@example.com', quotaBytes: 2 * 1024 ** 3 });
    em.requireClientSecret(BUILT_IN.clientSecret); // Google's token endpoint wants a Desktop app client's secret
    const clientFile = path.join(t.dir, 'google-client.json');
    writeFileSync(clientFile, JSON.stringify(BUILT_IN));
    h = await startHarness(
      path.join(t.dir, 'home'),
      {
        chooseDatabase: async () => db,
        // The system browser: Google's consent page redirects to Lifeboat's loopback server.
        openExternal: async (url) => {
          opened.push(url);
          void fetch(url).catch(() => undefined);
        },
      },
      { env: { LIFEBOAT_GOOGLE_OAUTH_ROOT: em.root, LIFEBOAT_GOOGLE_API_ROOT: em.root }, googleClientFile: clientFile },
    );
  });
  let closed = false;
  afterEach(async () => {
    if (!closed) await h.close();
    closed = false;
    await em.close();
    t.cleanup();
  });

  it('connects, shows the account and quota, uploads a new restore point, and asks to reconnect when access is revoked', async () => {
    const { page } = h;
    await page.getByRole('button', { name: 'Add a database…' }).first().click();
    await page.getByText('store.db was added', { exact: false }).waitFor();
    await page.getByRole('navigation').getByRole('button', { name: 'Destinations' }).click();
    const drive = page.getByRole('region', { name: 'Google Drive' });
    // One click: nothing to enter (the client form waits under Advanced, closed).
    expect(await drive.getByLabel('Client ID').isVisible()).toBe(false);
    await h.screenshot('12-destinations-connect');
    await drive.getByRole('button', { name: 'Connect Google Drive' }).click();
    await drive.getByText('Connected as').waitFor();
    await drive.getByText('shop@example.com').waitFor();
    await drive.getByRole('meter', { name: 'Google Drive storage' }).waitFor();
    expect(await drive.getByLabel('Copies sent to Google Drive').inputValue()).toBe('zstd'); // compressed by default
    await drive.getByText(/of 2\.1 GB \(0%\)/).waitFor();
    const auth = new URL(opened.at(-1)!);
    expect(auth.searchParams.get('client_id')).toBe(BUILT_IN.clientId);
    expect(auth.searchParams.get('code_challenge_method')).toBe('S256');
    expect(auth.searchParams.get('scope')).toBe('https://www.googleapis.com/auth/drive.file');
    // The client secret never comes to the renderer, nor into settings.
    expect(JSON.stringify(await page.evaluate(() => (globalThis as unknown as { lifeboat: { 'destinations:list'(x: undefined): Promise<unknown> } }).lifeboat['destinations:list'](undefined)))).not.toContain(BUILT_IN.clientSecret);
    expect(readFileSync(path.join(t.dir, 'home', 'settings.json'), 'utf8')).not.toContain(BUILT_IN.clientSecret);
    await h.screenshot('12-destinations-drive');

    await page.getByRole('navigation').getByRole('button', { name: 'Overview' }).click();
    await page.getByRole('region', { name: 'Storage' }).getByText('Google Drive (shop@example.com)').waitFor();
    await page.getByRole('button', { name: 'Back Up Now' }).click();
    await page.getByText('Restore point taken').waitFor();
    await page.getByRole('navigation').getByRole('button', { name: 'Restore points' }).click();
    const [point] = h.engine.list();
    await page.locator(`[role="row"][data-id="${point!.id}"]`).getByText('copied to 1 place').waitFor();
    // Its manifest on Drive, and its pages there in compressed packs (zstd frames).
    expect([...em.files.values()].some((f) => f.appProperties.restorePointId === point!.id && f.appProperties.lifeboat === 'manifest')).toBe(true);
    const packs = [...em.files.values()].filter((f) => /\.pack\.zst$/.test(f.name));
    expect(packs.length).toBeGreaterThan(0);
    for (const p of packs) expect(zstdDecompressSync(p.content).length).toBeGreaterThan(0);
    await page.locator('[role="row"][data-id]').first().click();
    await page.getByRole('list', { name: 'Copies' }).getByText(/Google Drive: copied today/).waitFor();
    await page.getByLabel('Copied to').selectOption('drive');
    await expect.poll(() => h.engine.replicas().filter((r) => r.status === 'completed').length).toBe(2); // the first restore point too
    await page.getByRole('search').getByText('2 restore points').waitFor(); // both at Drive: none filtered out
    await h.screenshot('13-copied-to-drive');

    // "Encrypt what goes to Drive": refused until a passphrase is set, then Drive gets encrypted packs.
    h.engine.updateSettings({ scryptWorkFactor: 10 }); // a fast scrypt for tests
    await page.getByLabel('Copied to').selectOption('');
    await page.getByRole('navigation').getByRole('button', { name: 'Destinations' }).click();
    await drive.getByLabel('Copies sent to Google Drive').selectOption('zstd+age');
    await page.getByRole('alert').getByText(/is set to encrypt with the remembered passphrase, but none is remembered/).waitFor();
    expect(h.engine.destinations.list()[0]).not.toHaveProperty('encrypt');
    await page.getByRole('navigation').getByRole('button', { name: 'Databases' }).click();
    await page.getByLabel('New passphrase').fill(PASSPHRASE);
    await page.getByLabel('Repeat the passphrase').fill(PASSPHRASE);
    await page.getByRole('button', { name: 'Set passphrase' }).click();
    await page.getByText(/A passphrase is remembered on this computer/).waitFor();
    await page.getByRole('navigation').getByRole('button', { name: 'Destinations' }).click();
    await drive.getByLabel('Copies sent to Google Drive').selectOption('zstd+age');
    await expect.poll(() => h.engine.destinations.list()[0]).toMatchObject({ encrypt: { kind: 'passphrase' }, compressLevel: 3 });
    await page.getByRole('navigation').getByRole('button', { name: 'Overview' }).click();
    await page.getByRole('button', { name: 'Back Up Now' }).click();
    await page.getByText('Restore point taken').waitFor();
    const second = h.engine.list()[0]!;
    await expect.poll(() => h.engine.replicas(second.id)[0]?.status).toBe('completed');
    // Every pack on Drive is encrypted now (the plain ones sent before were sent again, encrypted,
    // and removed), and a person with the passphrase opens them with age alone: the store's key
    // first (wrapped for the passphrase), then a pack with it.
    const driveFiles = [...em.files.values()];
    const packsThere = driveFiles.filter((f) => /\.pack\.zst/.test(f.name));
    expect(packsThere.length).toBeGreaterThan(0);
    expect(packsThere.every((f) => f.name.endsWith('.pack.zst.age'))).toBe(true);
    const wrapped = path.join(t.dir, 'key.age');
    const keyJson = path.join(t.dir, 'repo-key.json');
    writeFileSync(wrapped, driveFiles.find((f) => f.name.startsWith('key-passphrase-'))!.content);
    execFileSync('script', ['-q', '-c', `age -d -o '${keyJson}' '${wrapped}'`, '/dev/null'], { input: `${PASSPHRASE}\n`, stdio: ['pipe', 'ignore', 'ignore'] });
    const identity = path.join(t.dir, 'identity.txt');
    writeFileSync(identity, `${(JSON.parse(readFileSync(keyJson, 'utf8')) as { identity: string }).identity}\n`);
    const pack = path.join(t.dir, 'pack.age');
    writeFileSync(pack, packsThere[0]!.content);
    expect(zstdDecompressSync(execFileSync('age', ['-d', '-i', identity, pack])).length).toBeGreaterThan(0);
    expect(second.pages?.newPages).toBe(0); // the vault holds each page once, plain

    // Access revoked in the Google account: the next copy waits, health says to reconnect, in a
    // sentence, with the one click that does it (no command line, no Google Cloud status).
    em.revokeAll();
    await page.getByRole('navigation').getByRole('button', { name: 'Overview' }).click();
    await page.getByRole('button', { name: 'Back Up Now' }).click();
    await page.getByText('Restore point taken').waitFor();
    const health = page.getByLabel('Health');
    await health.getByText('Google Drive needs reconnecting: copies are waiting.').waitFor();
    await health.getByRole('button', { name: 'Reconnect Google Drive' }).waitFor();
    await h.screenshot('14-drive-reconnect');
    await page.getByRole('navigation').getByRole('button', { name: 'Destinations' }).click();
    await drive.getByRole('alert').getByText(/^Google Drive asks you to sign in again: the access Lifeboat had was withdrawn or has run out\./).waitFor();
    expect(await drive.textContent()).not.toMatch(/lifeboat drive|`|Testing|Google Cloud/);
    await h.screenshot('14-drive-reconnect-destinations');
    await page.getByRole('navigation').getByRole('button', { name: 'Overview' }).click();
    await health.getByRole('button', { name: 'Reconnect Google Drive' }).click();
    await expect.poll(() => h.engine.replicas().filter((r) => r.status === 'completed').length, { timeout: 20_000 }).toBe(4);
    // With a copy off this disk (Drive), a schedule (every hour, since it was added) and a good
    // restore point, it is protected, and only then says so.
    await health.getByText('Everything is protected').waitFor();
    expect(await health.getByText('needs reconnecting').count()).toBe(0);
    await h.screenshot('13-protected');
    // Nothing of the built-in client's secret reached the log (read once it is closed).
    await h.close();
    closed = true;
    const logs = path.join(t.dir, 'home', 'logs');
    for (const f of readdirSync(logs)) expect(readFileSync(path.join(logs, f), 'utf8')).not.toContain(BUILT_IN.clientSecret);
  });
});

describe.skipIf(unavailable !== undefined)('Google Drive with your own client (Advanced)', () => {
  it('a build without a client of its own connects with the person\'s client, whose secret stays out of settings', async () => {
    const t = tempDir();
    const em = await startDriveEmulator({ email: 'me@example.com' });
    em.requireClientSecret('my-own-secret');
    const h = await startHarness(path.join(t.dir, 'home'), { openExternal: async (url) => void fetch(url).catch(() => undefined) }, { env: { LIFEBOAT_GOOGLE_OAUTH_ROOT: em.root, LIFEBOAT_GOOGLE_API_ROOT: em.root } });
    try {
      const { page } = h;
      await page.getByRole('navigation').getByRole('button', { name: 'Destinations' }).click();
      const drive = page.getByRole('region', { name: 'Google Drive' });
      // No client of its own: Advanced is open and Connect waits for the person's client.
      expect(await drive.getByRole('button', { name: 'Connect Google Drive' }).count()).toBe(0);
      await drive.getByText('This copy of Lifeboat has no Google sign-in of its own').waitFor();
      await h.screenshot('12-destinations-own-client');
      await drive.getByLabel('Client ID').fill('my-own.apps.googleusercontent.com');
      await drive.getByLabel('Client secret').fill('my-own-secret');
      await drive.getByRole('button', { name: 'Save client' }).click();
      await drive.getByText(/Signing in with your own OAuth client my-own\.apps\.googleusercontent\.com/).waitFor();
      await drive.getByRole('button', { name: 'Connect Google Drive' }).click();
      await drive.getByText('me@example.com').waitFor();
      expect(readFileSync(path.join(t.dir, 'home', 'settings.json'), 'utf8')).not.toContain('my-own-secret');
    } finally {
      await h.close();
      await em.close();
      t.cleanup();
    }
  });
});
