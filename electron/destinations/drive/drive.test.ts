// Google Drive against the project's loopback emulator, through the real CLI in child processes
// whose network is limited to this machine: connect with PKCE, uploads small and large, a cut
// connection resumed, 503/429 retried, a token expiring mid-upload, a revoked token, a full Drive,
// an upload resumed after the process was killed, and a new machine restoring from Drive alone.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Manifest, Replica } from '../../../shared/model.ts';
import { CLI, REPO, makeBankDb, readMarker, runCli, setMarker, setSetting, keepWholeFiles } from '../../engine/testing/fixtures.ts';
import { useTestFolder } from '../../engine/testing/test-folder.ts';
import { startDriveEmulator, type DriveEmulator } from './testing/drive-emulator.ts';

const tmp = useTestFolder();
// Whole-file restore points are what is tested here (the page store has tests of its own).
beforeEach(() => keepWholeFiles(tmp.home));
let em: DriveEmulator;
let env: NodeJS.ProcessEnv;

beforeEach(async () => {
  em = await startDriveEmulator({ email: 'shop@example.com' });
  env = {
    LIFEBOAT_GOOGLE_OAUTH_ROOT: em.root,
    LIFEBOAT_GOOGLE_API_ROOT: em.root,
    LIFEBOAT_GOOGLE_CLIENT_ID: 'lifeboat-test.apps.googleusercontent.com',
    LIFEBOAT_GOOGLE_CLIENT_SECRET: 'not-a-secret',
    LIFEBOAT_NO_BROWSER: '1',
    NODE_OPTIONS: `--import=${path.join(import.meta.dirname, 'testing', 'deny-network.mjs')}`,
  };
});
afterEach(async () => {
  await em.close();
  
});

const cli = (args: string[], h = tmp.home) => runCli(args, { home: h, env });

/**
 * Runs `drive connect` and plays the browser: follows the printed URL through Google's redirect.
 * These tests check the vault's own bytes at Drive, so they switch off the compression a new Drive
 * destination has by default (tested on its own below) unless `keepDefaults`.
 */
async function connect(h = tmp.home, o: { keepDefaults?: boolean; args?: string[]; command?: string[]; env?: NodeJS.ProcessEnv; beforeBrowser?: (url: string) => Promise<void> } = {}): Promise<string> {
  const child = spawn(process.execPath, [CLI, '--home', h, ...(o.command ?? ['drive', 'connect']), ...(o.args ?? [])], { cwd: REPO, env: { ...process.env, ...(o.env ?? env) }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  const exited = new Promise<number | null>((r) => child.on('close', r));
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      const m = /(http:\/\/127\.0\.0\.1:\d+\/o\/oauth2\/v2\/auth\S+)/.exec(stderr);
      if (m) resolve(m[1] as string);
    });
    void exited.then(() => reject(new Error(`drive connect exited early: ${stderr}`)));
  });
  await o.beforeBrowser?.(url);
  const page = await fetch(url); // the browser: Google's consent page redirects back to the loopback server
  expect(await page.text()).toMatch(/You can close this tab/);
  expect(await exited).toBe(0);
  expect(stderr).not.toMatch(/ESCAPED-NETWORK/);
  if (!o.keepDefaults) expect((await cli(['destinations', 'set', 'drive', '--no-compress'], h)).code).toBe(0);
  return stdout + url;
}

async function backup(...args: string[]): Promise<Manifest & { replicas: Replica[] }> {
  const r = await cli(['--json', 'backup', tmp.db, ...args]);
  expect(r.code, r.stderr).toBe(0);
  expect(r.stderr).not.toMatch(/ESCAPED-NETWORK/);
  return JSON.parse(r.stdout) as Manifest & { replicas: Replica[] };
}

describe('connecting', () => {
  it('signs in through the browser with PKCE and a state check, and shows the account and quota', async () => {
    const out = await connect();
    expect(out).toMatch(/Connected to Google Drive as shop@example\.com/);
    const url = new URL(/http\S+/.exec(out.slice(out.indexOf('http')))![0]);
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('scope')).toBe('https://www.googleapis.com/auth/drive.file');
    expect(url.searchParams.get('state')).toMatch(/^[0-9a-f]{32}$/);
    expect(url.searchParams.get('access_type')).toBe('offline');
    // The emulator only issues tokens when the verifier matches the challenge: a token means PKCE held.
    expect(em.log.some((l) => l.url === '/token' && l.status === undefined)).toBe(true);
    const status = await cli(['drive', 'status']);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toMatch(/Account: shop@example\.com/);
    expect(status.stdout).toMatch(/Storage: .* of 16 GB/);
    const settings = await cli(['--json', 'status']);
    expect(settings.stdout).not.toMatch(/\b(rt|at)-[A-Za-z0-9_-]{16}\b/); // no token anywhere in output
  });

  it('connects the same way as the generic `destinations add --kind drive`, its fields as options', async () => {
    const out = await connect(tmp.home, { command: ['destinations', 'add', '--kind', 'drive'] });
    expect(out).toMatch(/^Destination drive: Google Drive\. New restore points are copied there/);
    const status = await cli(['drive', 'status']);
    expect(status.stdout).toMatch(/Account: shop@example\.com/);
    const listed = await cli(['destinations', 'list']);
    expect(listed.stdout).toMatch(/drive +Google Drive +yes/);
    const onArgv = await cli(['destinations', 'add', '--kind', 'drive', '--client-id', 'x.apps.googleusercontent.com', '--client-secret', 'GOCSPX-on-argv']);
    expect(onArgv.code).toBe(2);
    expect(onArgv.stderr).toMatch(/--client-secret-file FILE or in LIFEBOAT_GOOGLE_CLIENT_SECRET/);
  });

  it('a request to the loopback port with another state is ignored: the sign-in keeps waiting and completes', async () => {
    let answer = '';
    const out = await connect(tmp.home, {
      beforeBrowser: async (url) => {
        const callback = new URL(new URL(url).searchParams.get('redirect_uri') as string);
        callback.searchParams.set('state', 'not-the-one');
        callback.searchParams.set('error', 'access_denied');
        const res = await fetch(callback);
        expect(res.status).toBe(400);
        answer = await res.text();
      },
    });
    expect(answer).toMatch(/did not come from the sign-in Lifeboat started, and was ignored/);
    expect(out).toMatch(/Connected to Google Drive as shop@example\.com/);
  });

  it('takes the client secret from a file, the environment or a prompt, never the command line, and keeps it out of settings', async () => {
    const { LIFEBOAT_GOOGLE_CLIENT_ID: _id, LIFEBOAT_GOOGLE_CLIENT_SECRET: _secret, ...own } = env;
    const clientId = 'my-own-client.apps.googleusercontent.com';
    em.requireClientSecret('GOCSPX-kept-secret');
    const onArgv = await runCli(['drive', 'connect', '--client-id', clientId, '--client-secret', 'GOCSPX-kept-secret'], { home: tmp.home, env: own });
    expect(onArgv.code).toBe(2);
    expect(onArgv.stderr).toMatch(/visible to everyone on this machine \(ps\).*--client-secret-file FILE or in LIFEBOAT_GOOGLE_CLIENT_SECRET/);

    const file = path.join(tmp.dir, 'client-secret.txt');
    writeFileSync(file, 'GOCSPX-kept-secret\n');
    const out = await connect(tmp.home, { env: own, args: ['--client-id', clientId, '--client-secret-file', file] });
    expect(out).toMatch(/Connected to Google Drive/);
    const settingsText = readFileSync(path.join(tmp.home, 'settings.json'), 'utf8');
    expect(JSON.parse(settingsText).google).toEqual({ clientId });
    expect(settingsText).not.toContain('GOCSPX');
    expect(JSON.parse(readFileSync(path.join(tmp.home, 'secrets.json'), 'utf8'))['google-client-secret']).toBe('GOCSPX-kept-secret');
    // Later runs use the secret from the store (the emulator refuses a token request without it).
    em.expireAccessTokens();
    const status = await runCli(['drive', 'status'], { home: tmp.home, env: own });
    expect(status.code, status.stderr).toBe(0);
  });

  it('moves a client secret an older version kept in settings.json into the secret store', async () => {
    await setSetting(tmp.home, 'google', { clientId: 'old-client.apps.googleusercontent.com', clientSecret: 'GOCSPX-from-settings' });
    expect((await runCli(['status'], { home: tmp.home })).code).toBe(0);
    const settingsText = readFileSync(path.join(tmp.home, 'settings.json'), 'utf8');
    expect(JSON.parse(settingsText).google).toEqual({ clientId: 'old-client.apps.googleusercontent.com' });
    expect(settingsText).not.toContain('GOCSPX');
    expect(JSON.parse(readFileSync(path.join(tmp.home, 'secrets.json'), 'utf8'))['google-client-secret']).toBe('GOCSPX-from-settings');
  });

  it('a denied consent is a clear error and connects nothing', async () => {
    em.setConsent('deny');
    const child = spawn(process.execPath, [CLI, '--home', tmp.home, 'drive', 'connect'], { cwd: REPO, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    const exited = new Promise<number | null>((r) => child.on('close', r));
    const url = await new Promise<string>((resolve) => child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      const m = /(http:\/\/127\.0\.0\.1:\d+\/o\/oauth2\/v2\/auth\S+)/.exec(stderr);
      if (m) resolve(m[1] as string);
    }));
    await fetch(url);
    expect(await exited).toBe(1);
    expect(stderr).toMatch(/Google sign-in was not completed \(access_denied\)/);
    expect((await cli(['destinations'])).stdout).not.toMatch(/drive/);
  });
});

describe('uploading', () => {
  beforeEach(async () => {
    await connect();
    await setSetting(tmp.home, 'scryptWorkFactor', 10);
  });

  async function tune(chunkBytes: number, retryBaseMs = 5): Promise<void> {
    const r = await cli(['--json', 'destinations']);
    const dests = (JSON.parse(r.stdout) as { destination: Record<string, unknown> }[]).map((d) => d.destination);
    await setSetting(tmp.home, 'destinations', dests.map((d) => (d.kind === 'drive' ? { ...d, chunkBytes, retryBaseMs } : d)));
  }

  it('a small restore point in one request, verified by Drive\'s SHA-256, listed with where it lives', async () => {
    makeBankDb(tmp.db);
    const m = await backup();
    expect(m.replicas).toMatchObject([{ destinationId: 'drive', status: 'completed', sha256: m.artifact.sha256 }]);
    const stored = [...em.files.values()];
    expect(stored.map((f) => f.name).sort()).toEqual(['Lifeboat Backups', 'store', `store_${m.id}.manifest.json`, `store_${m.id}.sqlite`].sort());
    expect(stored.find((f) => f.name.endsWith('.sqlite'))!.appProperties).toEqual({ lifeboat: 'artifact', restorePointId: m.id, sourceId: 'store' });
    expect(em.log.some((l) => l.url.includes('uploadType=multipart'))).toBe(true);
    expect((await cli(['list'])).stdout).toMatch(/vault, Google Drive/);
  });

  it('a large one with the resumable protocol; a connection cut mid-chunk re-sends at most that chunk', async () => {
    makeBankDb(tmp.db, { blobRows: 2000, blobBytes: 4000 }); // ~8 MB
    await tune(1024 * 1024);
    em.inject({ kind: 'cut', afterBytes: 700 * 1024 });
    const m = await backup();
    expect(m.replicas[0]).toMatchObject({ status: 'completed' });
    expect(em.files.has(m.replicas[0]!.remoteId!)).toBe(true);
    expect(em.uploadedBytes() - m.artifact.bytes).toBeLessThanOrEqual(1024 * 1024);
    expect(em.uploadedBytes()).toBeGreaterThan(m.artifact.bytes);
  });

  it('503 and 429 are retried with backoff, then the upload completes', async () => {
    makeBankDb(tmp.db, { blobRows: 2000, blobBytes: 4000 });
    await tune(1024 * 1024);
    let chunks = 0;
    em.inject({ kind: 'status', status: 503, times: 2, when: (req) => req.method === 'PUT' && ++chunks >= 2 });
    em.inject({ kind: 'status', status: 429, reason: 'rateLimitExceeded', times: 1, when: (req) => req.method === 'PUT' });
    const m = await backup();
    expect(m.replicas[0]).toMatchObject({ status: 'completed' });
    expect(em.log.filter((l) => l.status === 503)).toHaveLength(2);
    expect(em.log.filter((l) => l.status === 429)).toHaveLength(1);
  });

  it('an access token that expires mid-upload is refreshed and the upload goes on', async () => {
    makeBankDb(tmp.db, { blobRows: 2000, blobBytes: 4000 });
    await tune(1024 * 1024);
    let puts = 0;
    em.inject({
      kind: 'status',
      status: 500,
      when: (req) => {
        if (req.method === 'PUT' && ++puts === 3) em.expireAccessTokens();
        return false;
      },
    });
    const m = await backup();
    expect(m.replicas[0]).toMatchObject({ status: 'completed' });
    expect(em.log.filter((l) => l.status === 401).length).toBeGreaterThanOrEqual(1);
    expect(em.log.filter((l) => l.url === '/token').length).toBeGreaterThanOrEqual(2);
  });

  it('a revoked token fails the copy, not the backup, says to reconnect, and push works after reconnecting', async () => {
    makeBankDb(tmp.db);
    em.revokeAll();
    const m = await backup();
    expect(m.replicas[0]).toMatchObject({ status: 'failed' });
    expect(m.replicas[0]!.error).toMatch(/Reconnect Google Drive/);
    expect(m.replicas[0]!.error).toMatch(/Testing.*7 days/);
    expect(await connect()).toMatch(/1 waiting copy uploaded/);
    const push = await cli(['push']);
    expect(push.code, push.stdout + push.stderr).toBe(0);
    expect(push.stdout).toMatch(/Nothing to copy/);
  });

  it('a full Drive fails the copy with the sizes, and the restore point stays safe', async () => {
    makeBankDb(tmp.db, { blobRows: 300 });
    em.setQuota(100_000);
    const m = await backup();
    expect(m.replicas[0]).toMatchObject({ status: 'failed' });
    expect(m.replicas[0]!.error).toMatch(/Google Drive is full: .* free, .* needed/);
    expect((await cli(['verify'])).code).toBe(0);
  });

  it('an upload interrupted by killing the process resumes from where Drive got to', async () => {
    makeBankDb(tmp.db, { blobRows: 2000, blobBytes: 4000 });
    await tune(512 * 1024);
    const running: { child?: ChildProcess } = {};
    let puts = 0;
    em.inject({
      kind: 'status',
      status: 500,
      when: (req) => {
        if (req.method === 'PUT' && ++puts === 6) running.child?.kill('SIGKILL');
        return false;
      },
    });
    const child = spawn(process.execPath, [CLI, '--home', tmp.home, '--quiet', 'backup', tmp.db], { cwd: REPO, env: { ...process.env, ...env }, stdio: 'ignore' });
    running.child = child;
    await new Promise((r) => child.on('close', r));
    const before = em.uploadedBytes();
    expect(before).toBeGreaterThan(0);
    const push = await cli(['--json', 'push']);
    expect(push.code, push.stderr).toBe(0);
    const [replica] = JSON.parse(push.stdout) as Replica[];
    expect(replica).toMatchObject({ status: 'completed' });
    const size = replica!.bytes!;
    // One session only (it was resumed, not restarted), and at most a chunk or two sent twice.
    expect(em.log.filter((l) => l.method === 'POST' && l.url.includes('uploadType=resumable') && !l.url.includes('upload_id'))).toHaveLength(1);
    expect(em.uploadedBytes() - size).toBeLessThanOrEqual(2 * 512 * 1024);
  });
});

describe('retention on Drive', () => {
  it('keeps more on Drive than in the vault, deletes permanently, and never touches files Lifeboat did not create', async () => {
    await connect();
    makeBankDb(tmp.db);
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push((await backup()).id);
    const folderId = [...em.files.values()].find((f) => f.name === 'store')!.id;
    em.files.set('foreign', { id: 'foreign', name: 'notes.txt', mimeType: 'text/plain', parents: [folderId], appProperties: {}, content: Buffer.from('mine'), createdTime: new Date().toISOString() });
    const policy = ['--keep-daily', '0', '--keep-weekly', '0', '--keep-monthly', '0', '--min-count', '1'];
    expect((await cli(['sources', 'set', 'store', '--keep-last', '1', ...policy])).code).toBe(0);
    expect((await cli(['destinations', 'set', 'drive', '--keep-last', '3', ...policy])).code).toBe(0);
    const dry = await cli(['prune', '--dry-run']);
    expect(dry.stdout).toMatch(/store: keep 1, would delete 3/);
    expect(dry.stdout).toMatch(/store at Google Drive: keep 3, would delete 1/);
    const r = await cli(['prune']);
    expect(r.code, r.stderr).toBe(0);
    const onDrive = [...em.files.values()].filter((f) => f.appProperties.lifeboat === 'artifact').map((f) => f.appProperties.restorePointId).sort();
    expect(onDrive).toEqual(ids.slice(1).sort());
    expect(em.files.has('foreign')).toBe(true);
    expect([...em.files.values()].filter((f) => f.appProperties.lifeboat === 'manifest')).toHaveLength(3);
  });

  it('after access is revoked, uploads wait for a reconnection and go as soon as it happens', async () => {
    await connect();
    makeBankDb(tmp.db);
    em.revokeAll();
    const m = await backup();
    expect(m.replicas[0]).toMatchObject({ status: 'failed' });
    const replicas = JSON.parse((await cli(['--json', 'destinations'])).stdout) as { failed: number }[];
    expect(replicas[0]!.failed).toBe(1);
    const out = await connect();
    expect(out).toMatch(/1 waiting copy uploaded/);
    expect([...em.files.values()].some((f) => f.appProperties.restorePointId === m.id && f.appProperties.lifeboat === 'artifact')).toBe(true);
  });
});

describe('a new machine with only the Google account', () => {
  it('lists every restore point on Drive and restores one', async () => {
    await connect();
    makeBankDb(tmp.db, { blobRows: 100 });
    setMarker(tmp.db, 'on drive');
    const m = await backup();
    expect(m.replicas[0]).toMatchObject({ status: 'completed' });

    const fresh = path.join(tmp.dir, 'new-home');
    await connect(fresh);
    const list = await cli(['--json', 'list', '--remote'], fresh);
    expect(list.code, list.stderr).toBe(0);
    const points = JSON.parse(list.stdout) as (Manifest & { locations: string[] })[];
    expect(points.map((p) => [p.id, p.locations])).toEqual([[m.id, ['Google Drive']]]);
    const to = path.join(tmp.dir, 'restored.db');
    // The download is cut part-way: it resumes with a Range request and the checksum still holds.
    em.inject({ kind: 'cut-download', afterBytes: 50_000 });
    const r = await cli(['restore', m.id, '--to', to], fresh);
    expect(em.log.some((l) => l.url.includes('alt=media') && l.method === 'GET')).toBe(true);
    expect(r.code, r.stderr).toBe(0);
    expect(readMarker(to)).toBe('on drive');
    expect(r.stderr).not.toMatch(/ESCAPED-NETWORK/);
    expect(em.log.filter((l) => l.url.includes('alt=media') && l.url.includes(m.replicas[0]!.remoteId!)).length).toBe(2);
  });
});

describe('a Drive folder holding what Lifeboat did not write', () => {
  it('stops a download at the size the manifest declares, and reports a manifest too large to be one without reading it', async () => {
    await connect();
    makeBankDb(tmp.db, { blobRows: 100 });
    const m = await backup();
    const artifact = [...em.files.values()].find((f) => f.appProperties.restorePointId === m.id && f.appProperties.lifeboat === 'artifact')!;
    // The artifact grew far past what its manifest says (16 MiB more than the 8 MiB every file here may take).
    artifact.content = Buffer.concat([artifact.content, Buffer.alloc(16 * 1024 * 1024)]);
    const manifestFile = [...em.files.values()].find((f) => f.appProperties.lifeboat === 'manifest')!;
    em.files.set('huge', { ...manifestFile, id: 'huge', name: 'store_20260101T000000Z-abcdef.manifest.json', appProperties: { ...manifestFile.appProperties, restorePointId: '20260101T000000Z-abcdef' }, content: Buffer.alloc(2 * 1024 * 1024, 32) });

    const fresh = path.join(tmp.dir, 'new-home');
    await connect(fresh);
    const list = await cli(['list', '--remote'], fresh);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toContain(m.id);
    expect(list.stdout).toMatch(/warning: Google Drive: The manifest store_20260101T000000Z-abcdef\.manifest\.json on Google Drive is 2\.1 MB, more than a manifest can be; it was not read/);
    expect(em.log.some((l) => l.url.includes('/huge') && l.url.includes('alt=media'))).toBe(false);

    const r = await runCli(['pull', m.id], { home: fresh, env, maxFileKb: 8 * 1024 });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Google Drive sent more than the .* the manifest of .* declares/);
  });
});

describe('compression on the way to Drive', () => {
  it('is on by default: Drive gets a .sqlite.zst that zstd opens, and a new machine restores from it', async () => {
    await connect(tmp.home, { keepDefaults: true });
    makeBankDb(tmp.db, { blobRows: 0 }); // accounts and text only: compresses well
    setMarker(tmp.db, 'compressed on drive');
    const m = await backup();
    expect(m.artifact.format).toBe('sqlite'); // the vault keeps the plain file
    const onDrive = [...em.files.values()].find((f) => f.appProperties.restorePointId === m.id && f.appProperties.lifeboat === 'artifact')!;
    expect(onDrive.name).toMatch(/\.sqlite\.zst$/);
    expect(onDrive.content.length).toBeLessThan(m.artifact.bytes / 2);
    expect(m.replicas[0]).toMatchObject({ status: 'completed', bytes: onDrive.content.length });
    const zst = path.join(tmp.dir, 'from-drive.sqlite.zst');
    writeFileSync(zst, onDrive.content);
    expect(createHash('sha256').update(execFileSync('zstd', ['-d', '-q', '-c', zst])).digest('hex')).toBe(m.database.sha256);

    const fresh = path.join(tmp.dir, 'new-home');
    await connect(fresh, { keepDefaults: true });
    const to = path.join(tmp.dir, 'restored.db');
    const r = await cli(['restore', m.id, '--to', to], fresh);
    expect(r.code, r.stderr).toBe(0);
    expect(readMarker(to)).toBe('compressed on drive');
  });
});
