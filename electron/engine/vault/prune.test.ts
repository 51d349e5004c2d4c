// Prune follows the one time-zone rule: the day, week, month and year buckets are those of
// settings.timeZone, as in the app's retention preview (a restore point taken at 16:00 UTC is on
// the next day in Tokyo).
import { describe, expect, it } from 'vitest';
import { createEngine } from '../engine.ts';
import { makeBankDb } from '../testing/fixtures.ts';
import { useTestFolder } from '../testing/test-folder.ts';

const tmp = useTestFolder();

describe('prune', () => {
  it('buckets days in settings.timeZone, exactly as the retention preview does', async () => {
    makeBankDb(tmp.db);
    let now = Date.parse('2026-01-01T10:00:00Z');
    const clock = { now: () => new Date(now), setTimer: () => undefined, clearTimer: () => undefined };
    const engine = await createEngine({ dataDir: tmp.home, appVersion: '0.0.0-test', clock });
    try {
      const morning = await engine.backup({ path: tmp.db }, { trigger: 'manual' });
      now = Date.parse('2026-01-01T16:00:00Z'); // 01:00 on 2 January in Tokyo
      const evening = await engine.backup({ path: tmp.db }, { trigger: 'manual' });
      await engine.sources.update(morning.source.id, { retention: { keepLast: 0, keepDaily: 5, keepWeekly: 0, keepMonthly: 0, keepYearly: 0, minCount: 1 } });

      engine.updateSettings({ timeZone: 'UTC' });
      const [utc] = await engine.prune({ dryRun: true });
      expect(utc?.remove.map((d) => d.id)).toEqual([morning.id]);

      engine.updateSettings({ timeZone: 'Asia/Tokyo' });
      const preview = engine.previewRetention(morning.source.id);
      const [tokyo] = await engine.prune({ dryRun: true });
      expect(tokyo?.remove).toEqual([]);
      expect(tokyo?.keep.map((d) => d.id).sort()).toEqual([morning.id, evening.id].sort());
      expect(tokyo?.keep).toEqual(preview.keep);
    } finally {
      engine.close();
    }
  });
});
