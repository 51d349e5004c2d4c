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

  it('says backups stopped when no good backup came for over twice the schedule\'s interval, not while paused', () => {
    const hourly = { sourceId: 'store', scheduled: true, lastOk: true, intervalMs: 3_600_000 };
    const at = (lastGoodAt: string) => ({ ...base, sources: [{ source, missing: false, newest: point(lastGoodAt), lastGoodAt }], schedule: [hourly] });
    expect(texts(at('2026-11-22T10:30:00Z'))).toEqual([]); // 1.5 hours: within twice the interval
    const stopped = judgeHealth(at('2026-11-22T09:00:00Z'));
    expect(stopped.reasons).toEqual([expect.objectContaining({ level: 'error', topic: 'overdue', sourceId: 'store', text: 'store.db has had no good backup for 3 hours, though its schedule runs every hour.' })]);
    expect(texts({ ...at('2026-11-22T09:00:00Z'), schedulePaused: true })).toEqual(['warning: Scheduled backups are paused.']);
    // Said instead of "not backed up for 12 days", not beside it.
    expect(texts({ ...at('2026-11-10T12:00:00Z'), schedule: [{ ...hourly, intervalMs: 86_400_000 }] })).toEqual(['error: store.db has had no good backup for 12 days, though its schedule runs every day.']);
  });

  it('says a destination is behind once what it lacks has waited over a day', () => {
    const usb: Destination = { id: 'usb', kind: 'folder', name: 'USB disk', path: '/media/usb', enabled: true, priority: 100, upload: { manual: true, scheduled: true } };
    expect(texts({ ...base, destinations: [{ destination: usb, failed: 0, behindSince: '2026-11-21T13:00:00Z' }] })).toEqual([]);
    const r = judgeHealth({ ...base, destinations: [{ destination: usb, failed: 3, lastError: 'not there', behindSince: '2026-11-20T06:00:00Z' }] });
    expect(r.reasons.map((x) => [x.level, x.topic, x.destinationId, x.text])).toEqual([
      ['error', 'destination-behind', 'usb', 'USB disk is 2 days behind: restore points wait to be copied there.'],
      ['warning', 'copies-failed', 'usb', '3 copies to USB disk failed: not there.'],
    ]);
  });

  it('names the kind of each problem alerts are sent for, and alerts that could not be sent', () => {
    const r = judgeHealth({ ...base, sources: [{ source, missing: false, newest: point('2026-11-22T02:30:00Z'), failedVerifications: 2 }], lastBackups: [{ sourceId: 'store', ok: false, at: '2026-11-22T11:00:00Z', error: 'disk full' }], undeliveredAlerts: [{ channel: 'e-mail to me@example.com', error: 'connection refused' }] });
    expect(r.reasons.map((x) => x.topic)).toEqual(['backup-failed', 'damaged', 'alerts-undelivered']);
  });
});
