// The first ten minutes in the app, over the real services: adding a database protects it at once
// (an hourly schedule and the first restore point; a damaged one is not kept); Settings (the time
// zone, the verification schedule, moving the vault with progress); Google Drive with the build's
// built-in OAuth client (one click, the secret sent to Google but never logged, never in settings,
// never to the renderer), the person's own client under Advanced, and a reconnect said plainly.
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ipcContract, type ChannelName } from '../../shared/ipc-contract.ts';
import { startDriveEmulator, type DriveEmulator } from '../destinations/drive/testing/drive-emulator.ts';
import { makeBankDb } from '../engine/testing/fixtures.ts';
import { useTestFolder } from '../engine/testing/test-folder.ts';
import { createDesktopServices, type DesktopOptions, type DesktopServices } from './desktop-services.ts';
import type { DesktopEffects } from './effects.ts';
import { invokeChecked } from './ipc-dispatch.ts';

const tmp = useTestFolder();
const open: DesktopServices[] = [];
afterEach(() => {
  for (const s of open.splice(0)) s.stop();
});
beforeEach(() => makeBankDb(tmp.db, { blobRows: 20 }));

async function services(effects: Partial<DesktopEffects> = {}, o: Partial<DesktopOptions> = {}) {
  const s = await createDesktopServices({
    dataDir: tmp.home,
    appVersion: '0.0.0-test',
    ...o,
    effects: {
      chooseDatabase: async () => tmp.db,
      chooseFolder: async () => undefined,
      chooseRestoreTarget: async () => undefined,
      chooseExportTarget: async () => undefined,
      confirm: async () => false,
      openExternal: async () => undefined,
      openPath: async () => undefined,
      ...effects,
    },
  });
  open.push(s);
  const call = async <T = never>(name: ChannelName, payload?: unknown): Promise<T> => {
    const r = await invokeChecked(ipcContract, s.handlers, name, payload);
    if (!r.ok) throw Object.assign(new Error(r.error.message), r.error);
    return r.value as T;
  };
  return { s, call };
}

describe('adding a database', () => {
  it('protects it at once: an hourly schedule, the first restore point, the next run known; health then asks only for a copy elsewhere', async () => {
    const { s, call } = await services();
    const chosen = await call<{ source: { id: string; schedule: unknown }; added: boolean }>('sources:choose');
    expect(chosen).toMatchObject({ source: { id: 'store', schedule: { kind: 'hourly', minute: 0 } }, added: true, first: { integrity: { status: 'ok' }, trigger: 'manual' } });
    expect(s.engine.list()).toHaveLength(1);
    expect(s.jobs.recent()[0]).toMatchObject({ kind: 'backup', outcome: 'ok', sourceId: 'store' });
    const status = await call<{ sources: { nextRunAt?: string }[]; health: { level: string; reasons: { text: string; fix?: unknown }[] } }>('status:get');
    expect(Date.parse(status.sources[0]!.nextRunAt ?? '') - Date.now()).toBeLessThanOrEqual(3600_000);
    // The vault and the database share this disk: the one thing missing is a copy elsewhere, with its one click.
    expect(status.health.reasons).toEqual([expect.objectContaining({ text: 'Every copy of store.db is on the same disk as the database.', fix: { kind: 'add-copy' } })]);
    // Adding it again changes nothing.
    expect(await call('sources:choose')).toMatchObject({ added: false, source: { id: 'store' } });
    expect(s.engine.list()).toHaveLength(1);
  });

  it('a database whose first copy is damaged is not kept, and says so in a sentence', async () => {
    const bad = path.join(tmp.dir, 'bad.db');
    makeBankDb(bad, { blobRows: 20 });
    const bytes = readFileSync(bad);
    bytes.fill(0x5a, 4096 + 100, 4096 * 3); // pages 2-3 overwritten: SQLite's check fails on the copy
    writeFileSync(bad, bytes);
    const { s, call } = await services({ chooseDatabase: async () => bad });
    const e = await call('sources:choose').catch((err: unknown) => err as { code: string; message: string; hint: string });
    expect(e).toMatchObject({ code: expect.stringMatching(/integrity-failed|corrupt/) });
    expect((e as { message: string }).message).toMatch(/bad\.db/);
    expect(s.engine.sources.list()).toEqual([]);
  });
});

describe('Settings', () => {
  it('shows and changes the time zone and the verification schedule (a zone the machine does not know is refused)', async () => {
    const { call } = await services();
    const view = await call<{ timeZone: string | null; machineTimeZone: string; verification: unknown; vault: { dir: string } }>('settings:get');
    expect(view).toMatchObject({ timeZone: null, machineTimeZone: expect.any(String), verification: { newestEveryDays: 7, allEveryDays: 30, destinationSample: 2 }, vault: { dir: path.join(tmp.home, 'vault') } });
    await expect(call('settings:set', { timeZone: 'Mars/Olympus' })).rejects.toMatchObject({ code: 'usage', message: '"Mars/Olympus" is not a time zone this machine knows' });
    expect(await call('settings:set', { timeZone: 'Europe/Paris', verification: { allEveryDays: 14 } })).toMatchObject({ timeZone: 'Europe/Paris', verification: { newestEveryDays: 7, allEveryDays: 14 } });
    expect(await call('schedule:get', { sourceId: 'store' }).catch(() => undefined)).toBeUndefined(); // no source yet
    expect(await call('settings:set', { timeZone: null })).toMatchObject({ timeZone: null });
  });

  it('moves the vault into the folder chosen in main\'s dialog, as a job with progress; an empty choice changes nothing', async () => {
    const to = path.join(tmp.dir, 'usb', 'Lifeboat');
    mkdirSync(to, { recursive: true });
    const dialog: { answer?: string } = {};
    const purposes: unknown[] = [];
    const { s, call } = await services({ chooseFolder: async (purpose) => (purposes.push(purpose), dialog.answer) });
    await call('sources:choose');
    expect(await call('vault:move')).toBeNull();
    dialog.answer = to;
    const phases: string[] = [];
    s.events.on('job:progress', (j) => j.kind === 'move-vault' && j.progress && phases.push(j.progress.phase));
    expect(await call('vault:move')).toMatchObject({ from: path.join(tmp.home, 'vault'), to, restorePoints: 1 });
    expect(purposes).toEqual(['vault', 'vault']);
    expect(phases).toContain('moving');
    expect(s.jobs.recent()[0]).toMatchObject({ kind: 'move-vault', outcome: 'ok', message: expect.stringMatching(/^Moved 1 restore point \(.*\) from .* to .*Lifeboat$/) });
    expect((await call<{ vault: { dir: string; restorePoints: number } }>('settings:get')).vault).toMatchObject({ dir: to, restorePoints: 1 });
    expect(existsSync(path.join(tmp.home, 'vault'))).toBe(false);
    // Moving again onto a folder that is not empty is refused, and nothing moves.
    await expect(call('vault:move')).rejects.toMatchObject({ code: 'usage', message: expect.stringMatching(/The vault is already in/) });
  });
});

describe('Google Drive with the build\'s own client', () => {
  let em: DriveEmulator;
  const SECRET = 'GOCSPX-built-in-test-secret';
  beforeEach(async () => {
    em = await startDriveEmulator({ email: 'shop@example.com' });
    em.requireClientSecret(SECRET); // as Google does: a Desktop app client signs in with its secret
  });
  afterEach(async () => {
    await em.close();
  });

  it('connects in one click with the built-in client, never logging or storing its secret; the person\'s own client stays available and can be forgotten', async () => {
    const file = path.join(tmp.dir, 'google-client.json');
    writeFileSync(file, JSON.stringify({ clientId: 'lifeboat-built-in.apps.googleusercontent.com', clientSecret: SECRET }));
    const opened: string[] = [];
    const { s, call } = await services(
      { openExternal: async (url) => void (opened.push(url), fetch(url).catch(() => undefined)) },
      { googleClientFile: file, env: { LIFEBOAT_GOOGLE_OAUTH_ROOT: em.root, LIFEBOAT_GOOGLE_API_ROOT: em.root } },
    );
    const drive = async () => (await call<{ kind: string }[]>('destinations:kinds')).find((k) => k.kind === 'drive');
    expect(await drive()).toMatchObject({ ready: true, saved: {}, canForget: false, settingUp: false });
    expect(await call('destinations:setup', { kind: 'drive' })).toMatchObject({ added: true, notice: expect.stringContaining('(shop@example.com)') });
    expect(await call('destinations:usage', { id: 'drive' })).toMatchObject({ account: 'shop@example.com' });
    expect(new URL(opened[0]!).searchParams.get('client_id')).toBe('lifeboat-built-in.apps.googleusercontent.com');
    expect(JSON.stringify([await call('destinations:list'), await call('destinations:kinds')])).not.toContain(SECRET);
    expect(readFileSync(path.join(tmp.home, 'settings.json'), 'utf8')).not.toContain(SECRET);
    // Copies reach Drive with it (the token is refreshed with the built-in secret).
    s.start();
    await call('sources:choose');
    await s.idle();
    expect(s.engine.replicas().map((r) => r.status)).toEqual(['completed']);
    // Advanced: the person's own client is used instead, until forgotten.
    await call('destinations:remember', { kind: 'drive', values: { clientId: 'my-own.apps.googleusercontent.com', clientSecret: 'my-own-secret' } });
    expect(await drive()).toMatchObject({ ready: true, saved: { clientId: 'my-own.apps.googleusercontent.com', clientSecret: true }, canForget: true, settingUp: false });
    expect(JSON.stringify(await call('destinations:kinds'))).not.toContain('my-own-secret');
    expect(readFileSync(path.join(tmp.home, 'settings.json'), 'utf8')).not.toContain('my-own-secret');
    await call('destinations:forget-remembered', { kind: 'drive' });
    expect(await drive()).toMatchObject({ ready: true, saved: {}, canForget: false, settingUp: false });
    expect(await s.engine.secrets.get('google-client-secret')).toBeUndefined();
    // What the log holds of all this (the sign-in, the copy, the client changes) never holds the secret.
    open.splice(open.indexOf(s), 1);
    await s.stop();
    const logged = readdirSync(path.join(tmp.home, 'logs')).map((f) => readFileSync(path.join(tmp.home, 'logs', f), 'utf8')).join('');
    expect(logged).toMatch(/builtInGoogleClient":true/);
    expect(logged).toMatch(/Copying store\.db to Google Drive: ok/);
    expect(logged).not.toContain(SECRET);
  });

  it('when Google withdraws access, Drive says so in a sentence for a person: no command line, no Google Cloud status', async () => {
    const file = path.join(tmp.dir, 'google-client.json');
    writeFileSync(file, JSON.stringify({ clientId: 'lifeboat-built-in.apps.googleusercontent.com', clientSecret: SECRET }));
    const { call } = await services({ openExternal: async (url) => void fetch(url).catch(() => undefined) }, { googleClientFile: file, env: { LIFEBOAT_GOOGLE_OAUTH_ROOT: em.root, LIFEBOAT_GOOGLE_API_ROOT: em.root } });
    await call('destinations:setup', { kind: 'drive' });
    em.revokeAll();
    const view = await call<{ needsSignIn?: boolean; error?: string }>('destinations:usage', { id: 'drive' });
    expect(view).toMatchObject({ needsSignIn: true, error: expect.stringMatching(/^Google Drive asks you to sign in again/) });
    expect(view.error).not.toMatch(/`|lifeboat |Testing|Google Cloud/);
  });
});
