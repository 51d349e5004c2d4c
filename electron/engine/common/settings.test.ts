// Settings: a file written by an earlier version still opens (new keys get their defaults, the
// version is recorded for migrations), a source's own retention rules override only what they say,
// and a file Lifeboat cannot read is reported, never rewritten.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { effectiveRetention, openSettings } from './settings.ts';
import { makeBankDb, runCli } from '../testing/fixtures.ts';
import { useTestFolder } from '../testing/test-folder.ts';

const tmp = useTestFolder();


it('opens a settings file from 0.1.0: new keys get defaults, what was there is kept, the version is recorded', () => {
  const file = path.join(tmp.dir, 'settings.json');
  const old = {
    sources: [{ id: 'store', name: 'store.db', path: '/data/store.db', addedAt: '2026-11-01T00:00:00.000Z', schedule: { kind: 'daily', time: '02:30' } }],
    retention: { keepLast: 9, keepDaily: 7, keepWeekly: 4, keepMonthly: 12, keepYearly: 0, keepWithinDays: 0, minCount: 3 },
    __internal__: { migrations: { version: '0.1.0' } },
  };
  writeFileSync(file, JSON.stringify(old));
  const settings = openSettings(tmp.dir, '0.2.0');
  const s = settings.read();
  expect(s.sources[0]!.schedule).toEqual({ kind: 'daily', time: '02:30' });
  expect(s.retention.keepLast).toBe(9);
  expect(s.app).toEqual({ closeToTray: true, openAtLogin: false, openAtLoginChosen: false, notifyOnSuccess: false });
  settings.update((x) => x);
  expect(JSON.parse(readFileSync(file, 'utf8')).__internal__.migrations.version).toBe('0.2.0');
});

it("keeps a source's own retention rules partial, so the global rules still apply to the rest", () => {
  const settings = openSettings(tmp.dir, '0.2.0');
  settings.update((s) => ({
    ...s,
    retention: { ...s.retention, keepDaily: 2 },
    sources: [{ id: 'store', name: 'store.db', path: '/data/store.db', addedAt: '2026-11-01T00:00:00.000Z', retention: { keepLast: 1 } }],
  }));
  const s = settings.read();
  expect(s.sources[0]!.retention).toEqual({ keepLast: 1 });
  expect(effectiveRetention(s, s.sources[0])).toMatchObject({ keepLast: 1, keepDaily: 2, keepWeekly: 4 });
});

it('reports a settings file it cannot read and keeps what it says', () => {
  const file = path.join(tmp.dir, 'settings.json');
  writeFileSync(file, JSON.stringify({ sources: [{ id: '../x' }] }));
  const settings = openSettings(tmp.dir, '0.2.0');
  expect(() => settings.read()).toThrow(/The settings file .*settings\.json is not valid \(sources\.0\.\w+/);
  expect(() => settings.update((x) => x)).toThrow(/not valid/);
  // conf records its migration version on open; the person's entries stay exactly as they were.
  const { __internal__: _, ...rest } = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  expect(rest).toEqual({ sources: [{ id: '../x' }] });
});

it('keeps every change when eight processes add sources at once (writes are serialised across processes)', async () => {
  const dbs = Array.from({ length: 8 }, (_, i) => path.join(tmp.dir, `shop-${i}.db`));
  for (const db of dbs) makeBankDb(db, { accounts: 2 });
  const results = await Promise.all(dbs.map((db) => runCli(['sources', 'add', db], { home: tmp.home })));
  for (const r of results) expect(r.code, r.stderr).toBe(0);
  const listed = JSON.parse((await runCli(['--json', 'sources', 'list'], { home: tmp.home })).stdout) as { path: string }[];
  expect(listed.map((s) => path.basename(s.path)).sort()).toEqual(dbs.map((d) => path.basename(d)).sort());
});
