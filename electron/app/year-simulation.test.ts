// The year-in-minutes simulation, short: nine days of hourly backups with every fault of the year
// once (a USB disk unplugged, Drive access revoked, the disk nearly full then full, kills at random
// moments, the clock set back and forward, daylight saving and a new time zone, the catalog
// deleted), every invariant checked each simulated day. `npm run soak` runs the whole year.
import { expect, it } from 'vitest';
import { runYearSimulation } from './testing/year-simulation.ts';

it('nine unattended days with every fault of a year: no invariant violated', async () => {
  const r = await runYearSimulation({ days: 9, kills: 2, verification: { newestEveryDays: 2, allEveryDays: 5, destinationSample: 2 }, log: (l) => console.log(l) });
  console.log(r.summary);
  for (const s of r.skipped) console.warn(`skipped: ${s}`);
  expect(r.violations).toEqual([]);
  expect(r.faultsSurvived).toBe(r.faults.length);
  expect(r.backups).toBeGreaterThan(9 * 18);
  expect(r.prunedInVault).toBeGreaterThan(0);
  expect(r.verifications).toBeGreaterThan(3);
}, 300_000);
