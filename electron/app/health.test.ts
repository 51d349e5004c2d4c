// Health says what is wrong and what to do, errors first, from the same facts the app shows.
import { describe, expect, it } from 'vitest';
import type { Destination, Manifest, Source } from '../../shared/model.ts';
import { judgeHealth, LOW_SPACE_BYTES, type HealthInput } from './health.ts';

const now = new Date('2026-11-22T12:00:00Z');
const source: Source = { id: 'store', name: 'store.db', path: '/data/store.db', addedAt: '2026-11-01T00:00:00Z' };
const point = (createdAt: string, ok = true) => ({ createdAt, integrity: { check: 'quick_check', status: ok ? 'ok' : 'failed', message: '' } }) as unknown as Manifest;
const drive: Destination = { id: 'drive', kind: 'drive', name: 'Google Drive', folderName: 'Lifeboat Backups', enabled: true, priority: 50, upload: { manual: true, scheduled: true } };
const base: HealthInput = { now, sources: [{ source, missing: false, newest: point('2026-11-22T02:30:00Z') }], freeBytes: 50e9, schedule: [{ sourceId: 'store', scheduled: true, lastOk: true }], schedulePaused: false, destinations: [] };
const texts = (i: HealthInput) => judgeHealth(i).reasons.map((r) => `${r.level}: ${r.text}`);

describe('health', () => {
  it('is healthy when every database has a recent good restore point', () => {
    expect(judgeHealth(base)).toEqual({ level: 'healthy', summary: 'Everything is protected', reasons: [] });
  });

  it('asks for a first database and a first restore point', () => {
    expect(texts({ ...base, sources: [] })).toEqual(['warning: No database is protected yet.']);
    expect(texts({ ...base, sources: [{ source, missing: false }] })).toEqual(['warning: store.db has no restore point yet.']);
  });

  it('puts errors first: a missing file, a copy that failed its check, a failed scheduled run', () => {
    const r = judgeHealth({ ...base, sources: [{ source, missing: true, newest: point('2026-11-22T02:30:00Z', false) }], schedule: [{ sourceId: 'store', scheduled: true, lastOk: false, lastError: 'the disk is full' }], schedulePaused: true });
    expect(r.level).toBe('error');
    expect(r.reasons.map((x) => x.level)).toEqual(['error', 'error', 'error', 'warning']);
    expect(r.reasons.map((x) => x.text)).toEqual([
      'store.db is missing from /data/store.db.',
      'store.db: the last copy failed its integrity check.',
      'The last scheduled backup of store.db failed: the disk is full.',
      'Scheduled backups are paused.',
    ]);
    for (const reason of r.reasons) expect(reason.action.length).toBeGreaterThan(10);
  });

  it('warns about a stale restore point, a nearly full vault disk and failing copies', () => {
    expect(texts({ ...base, sources: [{ source, missing: false, newest: point('2026-11-10T12:00:00Z') }] })).toEqual(['warning: store.db has not been backed up for 12 days.']);
    expect(texts({ ...base, freeBytes: LOW_SPACE_BYTES - 200 * 1024 ** 2 })[0]).toMatch(/^warning: The vault's disk is almost full \(824 MB free\)/);
    expect(texts({ ...base, destinations: [{ destination: drive, failed: 2, lastError: 'Google Drive is full' }] })).toEqual(['warning: 2 copies to Google Drive failed: Google Drive is full.']);
    expect(texts({ ...base, destinations: [{ destination: drive, failed: 1, lastError: 'Reconnect Google Drive: the access was revoked' }] })).toEqual(['error: Google Drive needs reconnecting: copies are waiting.']);
    expect(texts({ ...base, destinations: [{ destination: { ...drive, enabled: false }, failed: 1 }] })).toEqual([]);
  });

  it('counts a restore point pulled from a destination as taken no later than its arrival: a future date does not keep health green', () => {
    const pulled = { ...point('2099-01-01T00:00:00.000Z'), received: { from: 'nas', at: '2026-11-10T12:00:00.000Z' } } as Manifest;
    expect(texts({ ...base, sources: [{ source, missing: false, newest: pulled }] })).toEqual(['warning: store.db has not been backed up for 12 days.']);
  });
});
