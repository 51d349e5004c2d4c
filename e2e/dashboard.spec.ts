// The dashboard in the real renderer with the real desktop services: first run → add a database (its
// first restore point at once) → Back Up Now with live progress → the list → verify → restore (safety
// copy) → Undo; cancelling a backup; the schedule; the health panel when the file disappears; the restore
// point list's filters, details, pin, delete and restore into another file; retention's preview.
// Restores, undo and deletes are confirmed by main's native dialog (a stand-in here that records
// what it was asked and answers as the test says). Screenshots of each screen go to
// test-results/screenshots.
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeBankDb, readMarker, runCli, setMarker, tempDir } from '../electron/engine/testing/fixtures.ts';
import type { ConfirmRequest } from '../electron/app/effects.ts';
import { e2eUnavailable, startHarness, type Harness } from './harness.ts';

const unavailable = e2eUnavailable();
if (unavailable) console.warn(`e2e skipped: ${unavailable}`);

/** Holds a job at one checkpoint until released, so a test can look at it mid-way. */
function gate() {
  let armed: string | undefined;
  let reached = () => undefined as void;
  let release = () => undefined as void;
  return {
    arm(name: string) {
      armed = name;
      const hit = new Promise<void>((r) => (reached = r));
      const open = new Promise<void>((r) => (release = r));
      return { hit, release: () => release(), open };
    },
    checkpoint: async (name: string) => {
      if (name !== armed) return;
      armed = undefined;
      const wait = new Promise<void>((r) => {
        const prev = release;
        release = () => {
          prev();
          r();
        };
      });
      reached();
      await wait;
    },
  };
}

describe.skipIf(unavailable !== undefined)('dashboard', () => {
  let t: ReturnType<typeof tempDir>;
  let h: Harness;
  let db: string;
  const hold = gate();
  /** What main's native confirmation was asked, and what it answers next. */
  let confirms: ConfirmRequest[];
  let answer: boolean;
  /** What main's folder dialog answers next (cancelled when undefined). */
  let folder: string | undefined;
  /** Files main was asked to open (the log). */
  let opened: string[];
  beforeEach(async () => {
    t = tempDir();
    db = path.join(t.dir, 'store.db');
    makeBankDb(db, { blobRows: 200 });
    confirms = [];
    answer = true;
    const confirm = async (r: ConfirmRequest) => (confirms.push(r), answer);
    folder = undefined;
    opened = [];
    h = await startHarness(path.join(t.dir, 'home'), { chooseDatabase: async () => db, chooseRestoreTarget: async (name) => path.join(t.dir, name), chooseFolder: async () => folder, openPath: async (f) => void opened.push(f), confirm }, { checkpoint: hold.checkpoint });
  });
  afterEach(async () => {
    await h.close();
    t.cleanup();
  });
  const rows = () => h.page.getByRole('table', { name: 'Restore points' }).locator('[role="row"][data-id]');
  const addDatabase = async () => {
    await h.page.getByRole('button', { name: 'Add a database…' }).first().click();
    await h.page.getByText('store.db was added and is backed up from now on', { exact: false }).waitFor();
  };

  it('first run → add → Back Up Now with progress → verify → restore with a safety copy → Undo', async () => {
    const { page } = h;
    await page.getByText('No database is protected yet.').waitFor();
    await h.screenshot('01-first-run');
    await addDatabase();
    // Added with a schedule and its first restore point: what is missing is a copy elsewhere.
    await page.getByLabel('Health').getByText('Every copy of store.db is on the same disk as the database.').waitFor();
    expect(await page.getByLabel('Health').getByText('has no schedule').count()).toBe(0);
    await page.getByText('Backed up every hour, on the hour', { exact: true }).waitFor();
    await page.getByText(/^Next backup (today|tomorrow) /).waitFor();
    expect(h.engine.list()).toHaveLength(1);

    const held = hold.arm('backup:copied');
    await page.getByRole('button', { name: 'Back Up Now' }).click();
    await held.hit;
    const progress = page.getByRole('status', { name: 'Backing up store.db progress' });
    await progress.getByText(/Copying the database · .*100%/).waitFor();
    expect(await progress.textContent()).not.toMatch(/pages|0 s left/);
    expect(await page.getByRole('button', { name: 'Backing up…' }).isDisabled()).toBe(true);
    await h.screenshot('02-backup-progress');
    held.release();
    await page.getByText('Restore point taken').waitFor();
    // With the only copy on the database's own disk: not yet "protected", and it says why, with the fix.
    await page.getByLabel('Health').getByText('Needs attention').waitFor();
    await page.getByLabel('Health').getByText('Every copy of store.db is on the same disk as the database.').waitFor();
    await page.getByLabel('Health').getByRole('button', { name: 'Add a folder on another disk…' }).waitFor();
    await progress.waitFor({ state: 'detached' });
    await h.screenshot('03-overview');

    await page.getByRole('navigation').getByRole('button', { name: 'Restore points' }).click();
    expect(await rows().count()).toBe(2);
    await rows().first().click();
    await page.getByRole('complementary', { name: 'Details' }).getByText('This computer (vault): kept').waitFor();
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByText('Checked again: this restore point is intact').waitFor();
    await rows().first().getByText('checked ✓').waitFor();
    await h.screenshot('04-restore-points');

    setMarker(db, 'changed after the backup');
    // Main asks in its own dialog, naming the real file; "Cancel" changes nothing.
    answer = false;
    await page.getByRole('button', { name: 'Restore…' }).click();
    await expect.poll(() => confirms.length).toBe(1);
    expect(confirms[0]).toMatchObject({ confirmLabel: 'Restore', message: expect.stringContaining(`Replace ${db} with`) });
    expect(confirms[0]!.detail).toMatch(/safety copy/);
    await expect.poll(() => page.getByRole('button', { name: 'Restore…' }).isEnabled()).toBe(true);
    expect(readMarker(db)).toBe('changed after the backup');
    expect(h.engine.list()).toHaveLength(2);
    answer = true;
    await page.getByRole('button', { name: 'Restore…' }).click();
    await page.getByText('Restored. The previous database was kept as a safety copy.').waitFor();
    expect(readMarker(db)).toBeUndefined();
    await rows().filter({ hasText: 'safety copy' }).first().waitFor();
    expect(await rows().count()).toBe(3);
    await h.screenshot('06-restored');

    await page.getByRole('button', { name: 'Undo' }).click();
    await page.getByText('The restore was undone').waitFor();
    expect(confirms.at(-1)).toMatchObject({ confirmLabel: 'Undo', message: expect.stringContaining(`Put ${db} back as it was`) });
    expect(readMarker(db)).toBe('changed after the backup');

    // What the command line does on the same data folder is in the same history.
    expect((await runCli(['verify'], { home: path.join(t.dir, 'home') })).code).toBe(0);
    await page.getByRole('navigation').getByRole('button', { name: 'Activity' }).click();
    const activity = page.getByRole('table', { name: 'Activity' });
    await activity.getByText(/Undoing the restore of store\.db/).waitFor();
    for (const what of ['Restoring store.db', 'Verifying a restore point of store.db', 'Backing up store.db']) await activity.getByText(what, { exact: true }).first().waitFor();
    const fromCli = activity.getByRole('row').filter({ hasText: 'Verifying every restore point' });
    await fromCli.getByText('Command line', { exact: true }).waitFor();
    await fromCli.getByText(/Done: \d+ checked, all good/).waitFor();
    await h.screenshot('07-activity');
  });

  it('cancels a running backup: nothing is listed and the activity says so', async () => {
    const { page } = h;
    await addDatabase();
    const held = hold.arm('backup:copied');
    await page.getByRole('button', { name: 'Back Up Now' }).click();
    await held.hit;
    await page.getByRole('status', { name: 'Backing up store.db progress' }).getByRole('button', { name: 'Cancel' }).click();
    held.release();
    await page.getByText('Backing up store.db was cancelled. Nothing was changed').waitFor();
    expect(h.engine.list()).toHaveLength(1); // the first one, taken when it was added
    await page.getByRole('navigation').getByRole('button', { name: 'Activity' }).click();
    await page.getByRole('table', { name: 'Activity' }).getByText('Cancelled; nothing was changed', { exact: true }).waitFor();
    // The notice belonged to the Overview: it is gone on another screen.
    expect(await page.getByText('Backing up store.db was cancelled').count()).toBe(0);
  });

  it('changes the schedule and shows the next five runs; a bad cron expression is explained', async () => {
    const { page } = h;
    await addDatabase();
    await page.getByRole('navigation').getByRole('button', { name: 'Databases' }).click();
    await page.getByRole('button', { name: 'Change schedule…' }).click();
    await page.getByLabel('How often').selectOption('daily');
    await page.getByLabel('Time').fill('02:30');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByText(/^Now: backed up every day at 0?2:30/).waitFor();
    await page.getByText(/Backed up every day at 0?2:30 AM · next/).waitFor();
    const runs = page.getByLabel('Next runs').locator('li');
    expect(await runs.count()).toBe(5);
    for (const text of await runs.allTextContents()) expect(text).toMatch(/2:30/);
    expect(h.engine.sources.get('store').schedule).toEqual({ kind: 'daily', time: '02:30' });
    await h.screenshot('08-schedule');

    await page.getByLabel('How often').selectOption('cron');
    await page.getByLabel('Cron expression').fill('61 * * * *');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByRole('alert').getByText(/not a valid cron expression/).waitFor();
    expect(h.engine.sources.get('store').schedule).toEqual({ kind: 'daily', time: '02:30' });

    await page.getByRole('navigation').getByRole('button', { name: 'Overview' }).click();
    await page.getByRole('button', { name: 'Pause schedule' }).click();
    await page.getByLabel('Health').getByText('Scheduled backups are paused.').waitFor();
    expect(h.services.scheduler.isPaused()).toBe(true);
    await page.getByRole('button', { name: 'Resume schedule' }).click();
    await page.getByRole('button', { name: 'Pause schedule' }).waitFor();
    expect(h.services.scheduler.isPaused()).toBe(false);
  });

  it('says what is wrong, in words, when the database file has gone', async () => {
    const { page } = h;
    await addDatabase();
    rmSync(db);
    await h.services.checkHealth(); // what the periodic health check finds
    await page.getByLabel('Health').getByText('Problem').waitFor();
    await page.getByText(/store\.db is missing from .*Connect the disk it is on, or restore it/).waitFor();
    // The card follows the status refresh the health change triggers (a moment after the banner).
    await expect.poll(() => page.getByRole('button', { name: 'Back Up Now' }).isDisabled()).toBe(true);
    await h.screenshot('09-database-missing');
    // A backup that runs anyway (the tray, the schedule) fails and says why in Activity.
    await expect(h.services.backUp('store', 'manual')).rejects.toMatchObject({ code: 'not-found' });
    await page.getByRole('navigation').getByRole('button', { name: 'Activity' }).click();
    await page.getByRole('table', { name: 'Activity' }).getByText(/Failed: .*store\.db does not exist/).waitFor();
    await page.getByRole('table', { name: 'Activity' }).getByText(/Check the path/).waitFor();
  });

  it('filters the list, shows details, pins, deletes, restores into another file and previews retention', async () => {
    const { page } = h;
    await addDatabase();
    for (let i = 0; i < 4; i++) await h.services.backUp('store', i % 2 ? 'scheduled' : 'manual');
    await page.getByRole('navigation').getByRole('button', { name: 'Restore points' }).click();
    await page.getByText('5 restore points').waitFor();
    await page.getByLabel('Why', { exact: true }).selectOption('scheduled');
    await page.getByText('2 of 5').waitFor();
    expect(await rows().count()).toBe(2);
    await page.getByLabel('Why', { exact: true }).selectOption('');
    await page.getByLabel('From', { exact: true }).fill('2001-01-01');
    await page.getByLabel('To', { exact: true }).fill('2001-12-31');
    await page.getByText('0 of 5').waitFor();
    await page.getByLabel('From', { exact: true }).fill('');
    await page.getByLabel('To', { exact: true }).fill('');
    await page.getByText('5 restore points').waitFor();

    // Keyboard: the rows are focusable and the arrow keys move the selection.
    await rows().first().focus();
    await page.keyboard.press('Enter');
    await page.keyboard.press('ArrowDown');
    expect(await rows().nth(1).getAttribute('aria-selected')).toBe('true');
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('data-id'))).toBe(h.engine.list()[1]!.id);

    // The oldest: pin it, then see that it cannot be deleted; unpin and delete it.
    const oldest = h.engine.list().at(-1)!;
    await page.locator(`[data-id="${oldest.id}"]`).click();
    const details = page.getByRole('complementary', { name: 'Details' });
    // Plain words first; checksums and format under "Technical details".
    await details.getByText('by hand (Back Up Now)').waitFor();
    expect(await details.getByText(oldest.database.sha256).isVisible()).toBe(false);
    await details.getByText('Technical details').click();
    await details.getByText(oldest.database.sha256).waitFor();
    await details.getByRole('button', { name: 'Pin' }).click();
    await details.getByRole('button', { name: 'Unpin' }).waitFor();
    expect((await h.engine.get(oldest.id)).pinned).toBe(true);
    expect(await details.getByRole('button', { name: 'Delete…' }).isDisabled()).toBe(true);
    await h.screenshot('10-details-pinned');
    await details.getByRole('button', { name: 'Unpin' }).click();
    await details.getByRole('button', { name: 'Pin' }).waitFor();
    // Main asks, naming the artifact it deletes; "Cancel" keeps it.
    answer = false;
    await details.getByRole('button', { name: 'Delete…' }).click();
    await expect.poll(() => confirms.length).toBe(1);
    expect(confirms[0]).toMatchObject({ confirmLabel: 'Delete', detail: expect.stringContaining(path.join(h.engine.vaultDir, oldest.source.id, `${oldest.source.id}_${oldest.id}.manifest.json`)) });
    await expect.poll(() => details.getByRole('button', { name: 'Delete…' }).isEnabled()).toBe(true);
    expect(h.engine.list()).toHaveLength(5);
    answer = true;
    await details.getByRole('button', { name: 'Delete…' }).click();
    await page.getByText('4 restore points').waitFor();
    expect(h.engine.list().map((m) => m.id)).not.toContain(oldest.id);

    // The newest good one is never deleted.
    const newest = h.engine.list()[0]!;
    await page.locator(`[data-id="${newest.id}"]`).click();
    await details.getByRole('button', { name: 'Delete…' }).click();
    await page.getByRole('alert').getByText(/is the newest good copy of store\.db/).waitFor();
    expect(h.engine.list()).toHaveLength(4);

    // Restore into another file (the save dialog is the question): the protected database is untouched.
    setMarker(db, 'live');
    const asked = confirms.length;
    await details.getByRole('button', { name: 'Restore to another file…' }).click();
    await page.getByText(/^Restored into .*store-.*\.db\. The database Lifeboat protects was not touched\.$/).waitFor();
    expect(readMarker(db)).toBe('live');
    expect(confirms.length).toBe(asked);
    expect(existsSync(path.join(t.dir, `store-${newest.createdAt.slice(0, 16).replace(/[:T]/g, '-')}.db`))).toBe(true);

    // Retention, each rule a sentence with its number: keeping only the last one would delete three
    // now; nothing is deleted by the preview.
    await page.getByRole('navigation').getByRole('button', { name: 'Databases' }).click();
    await page.getByRole('button', { name: 'Retention…' }).click();
    await page.getByText(/Keep one a day for the last\s*days/).waitFor();
    expect(await page.getByLabel('Keep one a day for the last … days').inputValue()).toBe('7');
    for (const [label, value] of [['Keep the last', '1'], ['Keep one a day', '0'], ['Keep one a week', '0'], ['Keep one a month', '0'], ['Never keep fewer than', '1']] as const) {
      await page.getByLabel(label).fill(value);
    }
    await page.getByLabel('Retention preview').getByText(/3 restore points would be deleted after the next backup \(1 kept\)/).waitFor();
    expect(h.engine.list()).toHaveLength(4);
    await h.screenshot('11-retention');
    await page.getByRole('button', { name: 'Save rules' }).click();
    await page.getByText(/^4 restore points, /).waitFor();
    expect(h.engine.sources.get('store').retention).toMatchObject({ keepLast: 1, minCount: 1 });
  });

  it('switches compression and encryption on for a database: the next restore point\'s pages are compressed and encrypted, and it restores', async () => {
    const { page } = h;
    h.engine.updateSettings({ scryptWorkFactor: 10 }); // a fast scrypt for tests
    await addDatabase();
    await page.getByRole('navigation').getByRole('button', { name: 'Databases' }).click();
    await page.getByRole('button', { name: 'Options…' }).click();
    // Only the fields of the encryption chosen: key files show the keys box, the passphrase does not.
    const options = page.getByLabel('Options', { exact: true });
    expect(await options.getByLabel('Public keys').count()).toBe(0);
    await page.getByLabel('Encryption', { exact: true }).selectOption('recipients');
    await options.getByLabel('Public keys').waitFor();
    await h.screenshot('18-database-options-keys');
    await page.getByLabel('Encryption', { exact: true }).selectOption('passphrase');
    await page.getByRole('alert').getByText(/No passphrase is set for encrypted backups/).waitFor();
    expect(await options.getByLabel('Public keys').count()).toBe(0);
    await options.getByText('No passphrase is set yet').waitFor();
    await page.getByLabel('New passphrase').fill('correct horse battery staple');
    await page.getByLabel('Repeat the passphrase').fill('correct horse battery staple');
    await page.getByRole('button', { name: 'Set passphrase' }).click();
    await page.getByText(/A passphrase is remembered on this computer; scheduled backups use it/).waitFor();
    await page.getByLabel('Compression').selectOption('3');
    await page.getByLabel('Encryption', { exact: true }).selectOption('off');
    await page.getByLabel('Encryption', { exact: true }).selectOption('passphrase');
    await page.getByText(/· compressed · encrypted/).waitFor();
    expect(h.engine.sources.get('store')).toMatchObject({ compressLevel: 3, encryption: { kind: 'passphrase' } });
    await h.screenshot('17-database-options');

    await page.getByRole('navigation').getByRole('button', { name: 'Overview' }).click();
    await page.getByRole('button', { name: 'Back Up Now' }).click();
    await page.getByText('Restore point taken').waitFor();
    const [m] = h.engine.list();
    expect(m!.pages).toMatchObject({ encrypted: true });
    await page.getByRole('navigation').getByRole('button', { name: 'Restore points' }).click();
    await rows().first().click();
    const details = page.getByRole('complementary', { name: 'Details' });
    await details.getByText(/\(compressed, encrypted with the passphrase\)/).waitFor();
    await details.getByText('Technical details').click();
    await details.getByText(/pages \(.* new, .* added\) · zstd level 3, .* · age, passphrase \(key /).waitFor();
    setMarker(db, 'after');
    await page.getByRole('button', { name: 'Restore…' }).click();
    await page.getByText('Restored. The previous database was kept as a safety copy.').waitFor();
    expect(readMarker(db)).toBeUndefined();
  });

  it('Settings: moves the vault with progress, changes the time zone and the checks, and opens the log', async () => {
    const { page } = h;
    await addDatabase();
    await page.getByRole('navigation').getByRole('button', { name: 'Settings' }).click();
    const vault = page.getByRole('region', { name: 'Vault' });
    await vault.getByText(path.join(t.dir, 'home', 'vault')).waitFor();
    await vault.getByText(/1 restore point, /).waitFor();
    await h.screenshot('19-settings');
    // A folder that is not empty is refused, in a sentence, and nothing moves.
    const usb = path.join(t.dir, 'usb');
    mkdirSync(usb);
    writeFileSync(path.join(usb, 'mine.txt'), 'mine');
    folder = usb;
    await vault.getByRole('button', { name: 'Move to another folder…' }).click();
    await page.getByRole('alert').getByText(/usb is not empty \(1 item in it\)\. Choose an empty folder/).waitFor();
    rmSync(path.join(usb, 'mine.txt'));
    const held = hold.arm('vault-move:copied');
    await vault.getByRole('button', { name: 'Move to another folder…' }).click();
    await held.hit;
    await page.getByRole('status', { name: 'Moving the vault progress' }).getByText(/Checking the copy|Copying the restore points/).waitFor();
    await h.screenshot('19-settings-moving');
    held.release();
    await vault.getByText(usb, { exact: true }).waitFor();
    expect(h.engine.vaultDir).toBe(usb);
    expect(existsSync(path.join(t.dir, 'home', 'vault'))).toBe(false);
    expect(h.engine.list()).toHaveLength(1);

    await page.getByRole('combobox', { name: 'Time zone' }).selectOption('Asia/Tokyo');
    await expect.poll(() => h.engine.settings().timeZone).toBe('Asia/Tokyo');
    await page.getByLabel('Check all every … days').fill('14');
    await page.getByRole('region', { name: 'Checks' }).getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => h.engine.settings().verification.allEveryDays).toBe(14);
    await page.getByRole('region', { name: 'Checks' }).getByText(/Next check /).waitFor();
    await page.getByRole('button', { name: 'Open the log' }).click();
    await expect.poll(() => opened.length).toBe(1);
    expect(opened[0]).toMatch(/logs[\\/]lifeboat\.\d+\.log$/);
  });

  it('keeps the app settings (tray, login, notifications) and follows a dark OS theme', async () => {
    const dark = await startHarness(path.join(t.dir, 'home-dark'), { chooseDatabase: async () => db }, { colorScheme: 'dark' });
    try {
      const { page } = dark;
      await page.getByRole('navigation').getByRole('button', { name: 'Settings' }).click();
      const tray = page.getByLabel(/Keep Lifeboat in the tray/);
      expect(await tray.isChecked()).toBe(true);
      await page.getByLabel(/Start Lifeboat when I log in/).check();
      await page.getByLabel(/Notify me after every successful backup/).check();
      await expect.poll(() => dark.engine.settings().app).toEqual({ closeToTray: true, openAtLogin: true, openAtLoginChosen: true, notifyOnSuccess: true });
      const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
      expect(background).toBe('rgb(24, 24, 26)');
      await dark.screenshot('15-settings-dark');
      await page.getByRole('navigation').getByRole('button', { name: 'Overview' }).click();
      await page.getByRole('button', { name: 'Add a database…' }).first().click();
      await page.getByRole('button', { name: 'Back Up Now' }).click();
      await page.getByText('Restore point taken').waitFor();
      await dark.screenshot('16-overview-dark');
    } finally {
      await dark.close();
    }
  });
});
