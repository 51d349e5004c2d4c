// From install to a protected database in at most three clicks, walked as a shop owner would on a
// fresh install of a build that carries its own Google client (the bundled test client, against the
// loopback Drive emulator): "Add a database…", the file in the system dialog, "Connect Google
// Drive" (then signing in happens in the browser, at Google). Every click is counted: on the page,
// and in main's dialogs. The screen says at each step what happened and what comes next.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Locator } from 'playwright-core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startDriveEmulator, type DriveEmulator } from '../electron/destinations/drive/testing/drive-emulator.ts';
import { makeBankDb, tempDir } from '../electron/engine/testing/fixtures.ts';
import { e2eUnavailable, startHarness, type Harness } from './harness.ts';

const unavailable = e2eUnavailable();
const BUILT_IN = { clientId: 'lifeboat-built-in.apps.googleusercontent.com', clientSecret: 'GOCSPX-bundled-test-secret' };

describe.skipIf(unavailable !== undefined)('the first ten minutes', () => {
  let t: ReturnType<typeof tempDir>;
  let h: Harness;
  let em: DriveEmulator;
  /** Every click the person makes: in the window, and in the system's own dialogs. */
  const clicks: string[] = [];
  beforeEach(async () => {
    t = tempDir();
    clicks.length = 0;
    const db = path.join(t.dir, 'shop', 'store.db');
    mkdirSync(path.dirname(db));
    makeBankDb(db, { blobRows: 50 });
    em = await startDriveEmulator({ email: 'shop@example.com' });
    em.requireClientSecret(BUILT_IN.clientSecret);
    const clientFile = path.join(t.dir, 'google-client.json');
    writeFileSync(clientFile, JSON.stringify(BUILT_IN));
    h = await startHarness(
      path.join(t.dir, 'home'),
      {
        // The system's file dialog: choosing store.db there is one click (a double-click, counted once).
        chooseDatabase: async () => (clicks.push('dialog: store.db'), db),
        // The browser signs in at Google (not Lifeboat's clicks): the consent page sends it back.
        openExternal: async (url) => void fetch(url).catch(() => undefined),
      },
      { env: { LIFEBOAT_GOOGLE_OAUTH_ROOT: em.root, LIFEBOAT_GOOGLE_API_ROOT: em.root }, googleClientFile: clientFile },
    );
  });
  afterEach(async () => {
    await h.close();
    await em.close();
    t.cleanup();
  });
  const click = async (target: Locator, what: string) => {
    clicks.push(what);
    await target.click();
  };

  it('install → add a database → protected, in three clicks, the screen saying what comes next at each step', async () => {
    const { page } = h;
    const health = page.getByLabel('Health');
    await health.getByText('No database is protected yet.').waitFor();
    await h.screenshot('30-first-run-empty');

    await click(health.getByRole('button', { name: 'Add a database…' }), 'Add a database…');
    // Its first restore point at once, an hourly schedule, and when the next one runs.
    // …and the schedule runs whenever the computer is on: the app now starts at login, and says so.
    await page.getByText(/^store\.db was added and is backed up from now on: the first restore point was taken today .*, and it runs every hour, on the hour\. Lifeboat now starts when you log in \(in the tray\), so the schedule runs whenever this computer is on; Settings turns that off\.$/).waitFor();
    expect(h.engine.settings().app).toMatchObject({ openAtLogin: true, openAtLoginChosen: false });
    await page.getByLabel('What runs the schedule').getByText(/^Scheduled backups are run by the Lifeboat app \(process \d+\); after a restart: the app, at login\. Next backup: store (today|tomorrow) /).waitFor();
    await page.getByText('Backed up every hour, on the hour', { exact: true }).waitFor();
    await page.getByText(/^Next backup (today|tomorrow) /).waitFor();
    expect(h.engine.list()).toHaveLength(1);
    // What is missing, and the one click that gives it: a copy elsewhere.
    await health.getByText('Every copy of store.db is on the same disk as the database.').waitFor();
    await health.getByRole('button', { name: 'Add a folder on another disk…' }).waitFor();
    expect(await health.getByText('Everything is protected').count()).toBe(0);
    await h.screenshot('31-first-run-added');

    await click(health.getByRole('button', { name: 'Connect Google Drive' }), 'Connect Google Drive');
    await health.getByText('Everything is protected').waitFor({ timeout: 30_000 });
    await page.getByText(/^Google Drive is connected \(shop@example\.com\): every restore point is copied there from now on\.$/).waitFor();
    await expect.poll(() => h.engine.replicas().map((r) => r.status)).toEqual(['completed']);
    await h.screenshot('32-first-run-protected');

    expect(clicks).toEqual(['Add a database…', 'dialog: store.db', 'Connect Google Drive']);
    expect(clicks.length).toBeLessThanOrEqual(3);
    // Protected means: a schedule, a recent good restore point, and a copy off this disk.
    expect(h.engine.sources.get('store').schedule).toEqual({ kind: 'hourly', minute: 0 });
    expect((await h.services.checkHealth()).level).toBe('healthy');
  });
});
