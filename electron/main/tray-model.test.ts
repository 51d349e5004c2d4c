// The tray's icon, tooltip, menu and notifications follow the app's state.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Health, JobView } from '../../shared/model.ts';
import { appSettingsSchema } from '../../shared/model.ts';
import { healthNotification, jobNotification, trayIconFile, trayMenu, trayState, trayTooltip, type TrayInput } from './tray-model.ts';

const now = new Date(2026, 10, 22, 14, 0);
const healthy: Health = { level: 'healthy', summary: 'Everything is protected', reasons: [] };
const backup = (o: Partial<JobView>): JobView => ({ id: 'a-000000', kind: 'backup', title: 'Backing up store', startedAt: now.toISOString(), ...o });
const base: TrayInput = { now, health: healthy, running: [], paused: false, hasSources: true };

describe('tray', () => {
  it('picks the icon from running jobs first, then health', () => {
    expect(trayState(base)).toBe('idle');
    expect(trayState({ ...base, health: { ...healthy, level: 'warning' } })).toBe('warning');
    expect(trayState({ ...base, health: { ...healthy, level: 'error' } })).toBe('error');
    expect(trayState({ ...base, health: { ...healthy, level: 'error' }, running: [backup({})] })).toBe('running');
    expect(trayIconFile('error')).toBe('tray-error.png');
    expect(trayIconFile('idle', 'darwin')).toBe('tray-idleTemplate.png'); // tinted by macOS for its menu bar
    expect(trayIconFile('error', 'darwin')).toBe('tray-error.png');
    for (const state of ['idle', 'running', 'warning', 'error'] as const) {
      for (const platform of ['linux', 'win32', 'darwin'] as const) expect(existsSync(path.join(import.meta.dirname, '../../resources', trayIconFile(state, platform)))).toBe(true);
    }
  });

  it('says what runs, the last and the next backup in the tooltip', () => {
    const lastBackup = backup({ outcome: 'ok', finishedAt: new Date(2026, 10, 22, 9, 5).toISOString() });
    const nextRunAt = new Date(2026, 10, 23, 2, 30).toISOString();
    const tip = trayTooltip({ ...base, lastBackup, nextRunAt });
    expect(tip).toMatch(/^Lifeboat: Everything is protected\nLast backup: today 0?9:05( AM)?\n/);
    expect(tip).toMatch(/Next backup: tomorrow 0?2:30( AM)?$/);
    expect(trayTooltip({ ...base, running: [backup({ progress: { phase: 'copying', done: 1, total: 4, unit: 'pages', percent: 25 } })] })).toMatch(/^Lifeboat: Backing up store \(25%\)/);
    expect(trayTooltip({ ...base, paused: true, nextRunAt })).toMatch(/Schedule paused$/);
    expect(trayTooltip({ ...base, lastBackup: { ...lastBackup, outcome: 'failed' } })).toMatch(/Last backup FAILED today/);
  });

  it('offers Back Up Now only when there is something to back up and nothing runs; Pause becomes Resume', () => {
    const labels = (input: TrayInput) => trayMenu(input).map((i) => (i.type === 'item' ? `${i.label}${i.enabled ? '' : ' (off)'}` : '---'));
    expect(labels(base)).toEqual(['Back Up Now', 'Open Lifeboat', '---', 'Pause Schedule', 'No backup yet (off)', '---', 'Quit Lifeboat']);
    expect(labels({ ...base, hasSources: false })[0]).toBe('Back Up Now (off)');
    expect(labels({ ...base, running: [backup({})] })[0]).toBe('Backing up… (off)');
    expect(labels({ ...base, paused: true })[3]).toBe('Resume Schedule');
  });

  it('notifies a failing database once, says when it works again, a good backup only when asked, a cancelled one never', () => {
    const app = appSettingsSchema.parse({});
    const failing = new Set<string>();
    const failed = backup({ sourceId: 'store', outcome: 'failed', message: 'store.db does not exist', hint: 'Check the path' });
    expect(jobNotification(failed, app, failing)).toEqual({ title: 'Backup failed', body: 'store.db does not exist. Check the path' });
    expect(jobNotification(failed, app, failing)).toBeUndefined(); // the retry fails the same way: quiet
    expect(jobNotification(backup({ sourceId: 'other', outcome: 'failed', message: 'x' }), app, failing)?.title).toBe('Backup failed'); // another database
    expect(jobNotification(backup({ sourceId: 'store', outcome: 'ok', message: 'done' }), app, failing)).toEqual({ title: 'Backups work again', body: 'done' });
    expect(jobNotification(backup({ sourceId: 'store', outcome: 'ok', message: 'done' }), app, failing)).toBeUndefined();
    expect(jobNotification(backup({ sourceId: 'store', outcome: 'ok', message: 'done' }), { ...app, notifyOnSuccess: true }, failing)?.title).toBe('Backup finished');
    expect(jobNotification(backup({ sourceId: 'store', outcome: 'cancelled' }), app, failing)).toBeUndefined();
    expect(jobNotification({ ...backup({ sourceId: 'store', outcome: 'failed' }), kind: 'verify' }, app, failing)).toBeUndefined();
  });

  it('shows the last scheduled check in the tooltip and the menu, and tells when one found damage', () => {
    const at = new Date(2026, 10, 22, 3, 0).toISOString();
    expect(trayTooltip({ ...base, lastCheck: { at, checked: 5, copiesChecked: 4, failed: 0, copiesFailed: 0 } })).toMatch(/\nLast check: today 0?3:00( AM)?, 9 ok$/);
    const damaged = { ...base, lastCheck: { at, checked: 5, copiesChecked: 4, failed: 1, copiesFailed: 1 } };
    expect(trayMenu(damaged).some((i) => i.type === 'item' && /Last check FOUND 2 DAMAGED/.test(i.label))).toBe(true);
    const app = appSettingsSchema.parse({});
    const check = { ...backup({}), kind: 'verify' as const, trigger: 'scheduled' as const, title: 'Checking every restore point (monthly)' };
    expect(jobNotification({ ...check, outcome: 'failed', message: '5 restore points checked, 1 FAILED', hint: 'Do not restore from it' }, app, new Set())).toEqual({ title: 'Damaged restore points found', body: '5 restore points checked, 1 FAILED. Do not restore from it' });
    expect(jobNotification({ ...check, outcome: 'ok', message: 'all good' }, app, new Set())).toBeUndefined();
  });

  it('tells once when Google Drive needs reconnecting', () => {
    const broken: Health = { level: 'error', summary: 'Problem', reasons: [{ level: 'error', destinationId: 'drive', text: 'Google Drive needs reconnecting: copies are waiting.', action: '' }] };
    expect(healthNotification(healthy, broken)?.title).toBe('Reconnect Google Drive');
    expect(healthNotification(broken, broken)).toBeUndefined();
    expect(healthNotification(broken, healthy)).toBeUndefined();
  });
});
