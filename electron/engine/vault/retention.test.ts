// Promise 7: retention keeps what the policy says, explains why, and never deletes the newest
// verified restore point, a protected safety copy, a pinned one, or a file Lifeboat did not create.
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { retentionPolicySchema, type Manifest, type RetentionPolicy } from '../../../shared/model.ts';
import { isoWeek, planRetention } from './retention.ts';
import { makeBankDb, runCli } from '../testing/fixtures.ts';
import { useTestFolder } from '../testing/test-folder.ts';

const NONE: RetentionPolicy = { keepLast: 0, keepDaily: 0, keepWeekly: 0, keepMonthly: 0, keepYearly: 0, keepWithinDays: 0, minCount: 0 };

let n = 0;
function point(createdAt: string, extra: Partial<Manifest> = {}): Manifest {
  const id = `${createdAt.replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-${(n++).toString(16).padStart(6, '0')}`;
  return {
    version: 1,
    kind: 'lifeboat.restore-point',
    id,
    createdAt,
    trigger: 'scheduled',
    source: { id: 'store', name: 'store.db', path: '/data/store.db' },
    artifact: { path: `store/store_${id}.sqlite`, bytes: 1, sha256: '0'.repeat(64), format: 'sqlite' },
    database: { bytes: 1, sha256: '0'.repeat(64), pageSize: 4096, pageCount: 1, freelistCount: 0, journalMode: 'wal', userVersion: 0, applicationId: 0, sqliteVersion: '3' },
    integrity: { check: 'quick_check', status: 'ok', message: 'ok' },
    snapshot: { method: 'backup-api', restarts: 0, heldLock: false },
    pinned: false,
    durationMs: 1,
    appVersion: 'test',
    ...extra,
  };
}

/** One restore point a day at 12:00 UTC for `days` days, ending on 2026-11-22. */
function daily(days: number): Manifest[] {
  return Array.from({ length: days }, (_, i) => point(new Date(Date.UTC(2026, 10, 22 - i, 12)).toISOString()));
}

const now = new Date('2026-11-22T18:00:00Z');
const opts = { now, safetyWindowDays: 7, timeZone: 'UTC' };
const kept = (plan: ReturnType<typeof planRetention>) => plan.keep.map((d) => d.createdAt.slice(0, 10));

describe('planRetention', () => {
  it('keeps the last N and explains each survivor', () => {
    const plan = planRetention(daily(10), { ...NONE, keepLast: 3 }, opts);
    expect(kept(plan)).toEqual(['2026-11-22', '2026-11-21', '2026-11-20']);
    expect(plan.keep[0]!.reasons).toEqual(['newest verified restore point', 'last 3 (#1)']);
    expect(plan.remove).toHaveLength(7);
  });

  it('keeps grandfather-father-son: 7 daily, 4 weekly, 12 monthly from a year of dailies', () => {
    const plan = planRetention(daily(400), { ...NONE, keepDaily: 7, keepWeekly: 4, keepMonthly: 12 }, opts);
    const days = kept(plan);
    // 7 newest days; the newest of each of 4 ISO weeks (Sundays, 2026-11-22 is one); the newest of 12 months.
    expect(days.slice(0, 7)).toEqual(['2026-11-22', '2026-11-21', '2026-11-20', '2026-11-19', '2026-11-18', '2026-11-17', '2026-11-16']);
    for (const sunday of ['2026-11-15', '2026-11-08', '2026-11-01']) expect(days).toContain(sunday);
    for (const monthEnd of ['2026-10-31', '2026-09-30', '2026-01-31', '2025-12-31']) expect(days).toContain(monthEnd);
    expect(days).not.toContain('2025-11-30'); // the 13th month back
    expect(plan.keep.length + plan.remove.length).toBe(400);
    expect(plan.keep.length).toBe(7 + 3 + 11); // overlaps counted once
  });

  it('keeps everything younger than D days', () => {
    expect(kept(planRetention(daily(30), { ...NONE, keepWithinDays: 5 }, opts))).toHaveLength(5);
  });

  it('never deletes the newest verified restore point, even when newer copies failed', () => {
    const points = [point('2026-11-22T12:00:00.000Z', { integrity: { check: 'quick_check', status: 'failed', message: 'bad' } }), point('2026-11-01T12:00:00.000Z'), point('2026-10-01T12:00:00.000Z')];
    const plan = planRetention(points, NONE, opts);
    expect(plan.keep.map((d) => d.id)).toEqual([points[1]!.id]);
    expect(plan.keep[0]!.reasons).toEqual(['newest verified restore point']);
  });

  it('a restore point whose verification failed is not the newest verified one: the last good one before it is kept', () => {
    const points = [point('2026-11-22T12:00:00.000Z'), point('2026-11-01T12:00:00.000Z'), point('2026-10-01T12:00:00.000Z')];
    const plan = planRetention(points, NONE, { ...opts, failedVerification: new Set([points[0]!.id]) });
    expect(plan.keep.map((d) => d.id)).toEqual([points[1]!.id]);
  });

  it('never deletes a safety copy inside its window, but does after it', () => {
    const inside = point('2026-11-20T12:00:00.000Z', { trigger: 'safety' });
    const outside = point('2026-11-10T12:00:00.000Z', { trigger: 'safety' });
    const plan = planRetention([point('2026-11-22T12:00:00.000Z'), inside, outside], NONE, opts);
    expect(plan.keep.find((d) => d.id === inside.id)?.reasons[0]).toMatch(/^safety copy, protected until 2026-11-27/);
    expect(plan.remove.map((d) => d.id)).toEqual([outside.id]);
  });

  it('says until when a safety copy is protected in local time (the time zone of the plan), never raw ISO UTC', () => {
    const inside = point('2026-11-20T12:00:00.000Z', { trigger: 'safety' });
    const plan = planRetention([point('2026-11-22T12:00:00.000Z'), inside], NONE, { ...opts, timeZone: 'America/New_York' });
    const reason = plan.keep.find((d) => d.id === inside.id)?.reasons[0];
    expect(reason).toBe('safety copy, protected until 2026-11-27 07:00');
    expect(reason).not.toMatch(/\d{2}:\d{2}:\d{2}|Z\b|T\d/);
  });

  it('keeps safety copies by their own rule only: four restore attempts never push out real restore points', () => {
    const real = Array.from({ length: 5 }, (_, i) => point(new Date(Date.UTC(2026, 10, 22, 10, i)).toISOString()));
    const safety = Array.from({ length: 4 }, (_, i) => point(new Date(Date.UTC(2026, 10, 22, 11, i)).toISOString(), { trigger: 'safety', safety: { before: 'restore', restoring: real[0]!.id } }));
    const plan = planRetention([...real, ...safety], { ...NONE, keepLast: 5, minCount: 3 }, opts);
    expect(plan.remove).toEqual([]);
    for (const s of safety) expect(plan.keep.find((d) => d.id === s.id)?.reasons).toEqual([expect.stringMatching(/^safety copy, protected until/)]);
    expect(plan.keep.find((d) => d.id === real[4]!.id)?.reasons).toEqual(['newest verified restore point', 'last 5 (#1)']);
    // Out of their window, safety copies go, and they never counted toward the minimum either.
    const later = planRetention([...real, ...safety], { ...NONE, keepLast: 1, minCount: 2 }, { ...opts, now: new Date('2026-12-22T12:00:00Z') });
    expect(later.remove.map((d) => d.id).sort()).toEqual([...real.slice(0, 3), ...safety].map((p) => p.id).sort());
  });

  it('never deletes a pinned restore point', () => {
    const old = point('2020-01-01T00:00:00.000Z', { pinned: true });
    const plan = planRetention([...daily(3), old], { ...NONE, keepLast: 1 }, opts);
    expect(plan.keep.find((d) => d.id === old.id)?.reasons).toEqual(['pinned']);
  });

  it('never goes below the minimum count', () => {
    const plan = planRetention(daily(10), { ...NONE, minCount: 4 }, opts);
    expect(plan.keep).toHaveLength(4);
    expect(plan.keep[3]!.reasons).toEqual(['minimum of 4 restore points']);
  });

  it('orders a restore point received from a destination by its arrival at the latest: future dates cannot crowd out what this machine made', () => {
    const own = daily(6);
    const arrived = '2026-11-22T17:00:00.000Z';
    // Received safety copies dated in the future: taken at face value they would be the newest five.
    const planted = Array.from({ length: 5 }, (_, i) => point(`2099-0${i + 1}-01T00:00:00.000Z`, { trigger: 'safety', received: { from: 'nas', at: arrived } }));
    const plan = planRetention([...own, ...planted], { ...NONE, keepLast: 1 }, opts);
    // The newest restore point taken here is kept whatever the received ones claim (safety copies
    // never count as the newest good one, so it is the newest verified restore point outright)…
    expect(plan.keep.find((d) => d.id === own[0]!.id)?.reasons).toContain('newest verified restore point');
    // …and so it is when a received restore point that is not a safety copy arrived after it.
    const pulled = point('2099-06-01T00:00:00.000Z', { received: { from: 'nas', at: arrived } });
    const withPulled = planRetention([...own, pulled], { ...NONE, keepLast: 1 }, opts);
    expect(withPulled.keep.find((d) => d.id === own[0]!.id)?.reasons).toContain('newest verified restore point taken on this machine');
    // …and the received ones are protected as safety copies only for the window after their arrival.
    for (const p of planted) expect(plan.keep.find((d) => d.id === p.id)?.reasons).toContain('safety copy, protected until 2026-11-29 17:00');
    // A week later, with a newer restore point made here, they rank by their arrival: older than it.
    const next = point('2026-11-23T12:00:00.000Z');
    const later = planRetention([next, ...own, ...planted], { ...NONE, keepLast: 1 }, { ...opts, now: new Date('2026-12-01T00:00:00Z') });
    expect(later.keep.map((d) => d.id)).toEqual([next.id]);
    expect(later.remove.map((d) => d.id)).toEqual(expect.arrayContaining(planted.map((p) => p.id)));
  });

  it('buckets days in the given time zone', () => {
    // 23:30 UTC on the 21st is already the 22nd in Tokyo: one day there, two in UTC.
    const points = [point('2026-11-22T03:00:00.000Z'), point('2026-11-21T23:30:00.000Z')];
    expect(planRetention(points, { ...NONE, keepDaily: 5 }, { ...opts, timeZone: 'UTC' }).keep).toHaveLength(2);
    expect(planRetention(points, { ...NONE, keepDaily: 5 }, { ...opts, timeZone: 'Asia/Tokyo' }).keep).toHaveLength(1);
  });

  it('computes ISO weeks across year boundaries', () => {
    expect(isoWeek({ year: 2026, month: 1, day: 1 })).toBe('2026-W01');
    expect(isoWeek({ year: 2027, month: 1, day: 1 })).toBe('2026-W53');
    expect(isoWeek({ year: 2024, month: 12, day: 30 })).toBe('2025-W01');
    expect(isoWeek({ year: 2026, month: 11, day: 22 })).toBe('2026-W47');
  });

  it('has defaults that match the seeds: 7 daily, 4 weekly, 12 monthly', () => {
    expect(retentionPolicySchema.parse({})).toMatchObject({ keepDaily: 7, keepWeekly: 4, keepMonthly: 12 });
  });
});

describe('lifeboat prune', () => {
  const tmp = useTestFolder();

  it('dry-run lists, then prune deletes only what the plan says, and nothing it did not create', async () => {
    const { home, db } = tmp;
    makeBankDb(db);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((JSON.parse((await runCli(['--json', 'backup', db], { home })).stdout) as Manifest).id);
    expect((await runCli(['sources', 'set', 'store', '--keep-last', '1', '--keep-daily', '0', '--keep-weekly', '0', '--keep-monthly', '0', '--min-count', '3'], { home })).code).toBe(0);
    expect((await runCli(['pin', ids[0]!], { home })).code).toBe(0);
    const foreign = path.join(home, 'vault', 'store', 'my-notes.txt');
    writeFileSync(foreign, 'mine');

    const dry = await runCli(['prune', '--dry-run'], { home });
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(new RegExp(`keep +${ids[4]}  newest verified restore point; last 1`));
    expect(dry.stdout).toMatch(new RegExp(`keep +${ids[0]}  pinned`));
    expect(dry.stdout).toMatch(new RegExp(`keep +${ids[3]}  minimum of 3`));
    expect(dry.stdout).toMatch(/would delete 2/);
    // Five manifests (page-level restore points: their pages are in the page store) and the foreign file.
    expect(readdirSync(path.join(home, 'vault', 'store'))).toHaveLength(6);

    const r = await runCli(['--json', 'prune'], { home });
    expect(r.code, r.stderr).toBe(0);
    const left = (JSON.parse((await runCli(['--json', 'list'], { home })).stdout) as Manifest[]).map((m) => m.id).sort();
    expect(left).toEqual([ids[0], ids[3], ids[4]].sort());
    expect(existsSync(foreign)).toBe(true);
    expect(readdirSync(path.join(home, 'vault', 'store'))).toHaveLength(4);
    // Every page the three kept restore points need is still there: verify reads them all.
    expect((await runCli(['verify'], { home })).code).toBe(0);
  });
});

describe('retention after every backup', () => {
  const tmp = useTestFolder();

  it('lifeboat backup applies the source\'s retention by itself (--no-prune skips it once) and keeps the vault bounded', async () => {
    const { home, db } = tmp;
    makeBankDb(db);
    expect((await runCli(['sources', 'add', db], { home })).code).toBe(0);
    expect((await runCli(['sources', 'set', 'store', '--keep-last', '2', '--keep-daily', '0', '--keep-weekly', '0', '--keep-monthly', '0', '--min-count', '1'], { home })).code).toBe(0);
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      const r = await runCli(['--json', 'backup', db], { home });
      expect(r.code, r.stderr).toBe(0);
      ids.push((JSON.parse(r.stdout) as Manifest).id);
    }
    const listed = () => runCli(['--json', 'list'], { home }).then((r) => (JSON.parse(r.stdout) as Manifest[]).map((m) => m.id).sort());
    expect(await listed()).toEqual(ids.slice(2).sort());
    const human = await runCli(['backup', db], { home });
    expect(human.stdout).toMatch(/retention removed 1 older restore point from the vault/);
    const skipped = JSON.parse((await runCli(['--json', 'backup', db, '--no-prune'], { home })).stdout) as Manifest;
    expect(await listed()).toHaveLength(3);
    expect(await listed()).toContain(skipped.id);
  });
});
