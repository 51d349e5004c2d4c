// The first-run journey in the real renderer with the real engine: no databases → add one →
// Back Up Now → the restore point in the list → verify → restore (safety copy) → Undo; and the
// health panel when the database file disappears. Screenshots go to test-results/screenshots.
import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeBankDb, readMarker, setMarker, tempDir } from '../electron/engine/testing/fixtures.ts';
import { e2eUnavailable, startHarness, type Harness } from './harness.ts';

const unavailable = e2eUnavailable();
if (unavailable) console.warn(`e2e skipped: ${unavailable}`);

describe.skipIf(unavailable !== undefined)('dashboard', () => {
  let t: ReturnType<typeof tempDir>;
  let h: Harness;
  let db: string;
  beforeEach(async () => {
    t = tempDir();
    db = path.join(t.dir, 'store.db');
    makeBankDb(db, { blobRows: 50 });
    h = await startHarness(path.join(t.dir, 'home'), { chooseDatabase: async () => db });
  });
  afterEach(async () => {
    await h.close();
    t.cleanup();
  });

  it('first run → add → Back Up Now → verify → restore with a safety copy → Undo', async () => {
    const { page } = h;
    await page.getByText('No database is protected yet').waitFor();
    await h.screenshot('01-first-run');

    await page.getByRole('button', { name: 'Add a database…' }).click();
    await page.getByText('store.db is now protected').waitFor();
    await page.getByRole('button', { name: 'Back Up Now' }).click();
    await page.getByText('Restore point taken').waitFor();
    await page.getByText('Everything is protected').waitFor();
    expect(await page.locator('tbody tr').count()).toBe(1);
    await h.screenshot('02-backed-up');

    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByText('verified ✓').waitFor();

    setMarker(db, 'changed after the backup');
    await page.getByRole('button', { name: 'Restore…' }).click();
    await page.getByRole('dialog').getByText('safety copy').waitFor();
    await h.screenshot('03-restore-confirm');
    await page.getByRole('dialog').getByRole('button', { name: 'Restore' }).click();
    await page.getByText('Restored. The previous database was kept as a safety copy.').waitFor();
    expect(readMarker(db)).toBeUndefined();
    expect(await page.getByText('safety copy', { exact: true }).count()).toBe(1); // listed among restore points
    await h.screenshot('04-restored');

    await page.getByRole('button', { name: 'Undo' }).click();
    await page.getByText('The restore was undone').waitFor();
    expect(readMarker(db)).toBe('changed after the backup');
  });

  it('changes the schedule and shows the next five runs; a bad cron expression is explained', async () => {
    const { page } = h;
    await page.getByRole('button', { name: 'Add a database…' }).click();
    await page.getByText('store.db is now protected').waitFor();
    await page.getByRole('button', { name: 'Change schedule…' }).click();
    await page.getByLabel('How often').selectOption('daily');
    await page.getByLabel('Time').fill('02:30');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Now: Every day at 02:30').waitFor();
    await page.getByText('Schedule: Every day at 02:30').waitFor();
    const runs = page.getByLabel('Next runs').locator('li');
    expect(await runs.count()).toBe(5);
    for (const text of await runs.allTextContents()) expect(text).toMatch(/2:30/);
    expect(h.engine.sources.get('store').schedule).toEqual({ kind: 'daily', time: '02:30' });
    await h.screenshot('06-schedule');

    await page.getByLabel('How often').selectOption('cron');
    await page.getByLabel('Cron expression').fill('61 * * * *');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('alert').getByText(/not a valid cron expression/).waitFor();
    expect(h.engine.sources.get('store').schedule).toEqual({ kind: 'daily', time: '02:30' });
  });

  it('says what is wrong, in words, when the database file has gone', async () => {
    const { page } = h;
    await page.getByRole('button', { name: 'Add a database…' }).click();
    await page.getByText('store.db is now protected').waitFor();
    rmSync(db);
    await page.getByRole('button', { name: 'Back Up Now' }).click();
    await page.getByRole('alert').getByText(/store\.db does not exist\. Check the path/).waitFor();
    await page.getByLabel('Health').getByText('Problem').waitFor();
    await page.getByText(/store\.db is missing from .*Connect the disk it is on, or restore it/).waitFor();
    await h.screenshot('05-database-missing');
  });
});
