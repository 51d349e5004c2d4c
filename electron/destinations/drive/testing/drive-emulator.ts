// A loopback emulator of the Google OAuth and Drive v3 endpoints Lifeboat uses, with fault
// injection: HTTP errors (5xx, 429, rate-limit 403), a connection cut in the middle of an upload
// chunk, expiring and revoked tokens, a full Drive. Tests point LIFEBOAT_GOOGLE_OAUTH_ROOT and
// LIFEBOAT_GOOGLE_API_ROOT at it; it records every request so tests can check none went elsewhere
// and how many bytes were sent.
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface EmulatedFile {
  id: string;
  name: string;
  mimeType: string;
  parents: string[];
  appProperties: Record<string, string>;
  content: Buffer;
  createdTime: string;
}

export type Fault =
  | { kind: 'status'; status: number; reason?: string; times?: number; when?: (req: IncomingMessage) => boolean }
  /** Reads this many bytes of the next matching upload chunk, keeps them, then drops the connection. */
  | { kind: 'cut'; afterBytes: number; times?: number }
  /** Sends this many bytes of the next download (of an artifact, unless `file` says which), then drops the connection. */
  | { kind: 'cut-download'; afterBytes: number; times?: number; file?: (f: EmulatedFile) => boolean };

export interface EmulatorOptions {
  email?: string;
  quotaBytes?: number;
  accessTokenSeconds?: number;
  /** The most files one page of a listing holds (Drive's own limit is 1000), so tests see several pages. */
  maxPageSize?: number;
}

const FOLDER = 'application/vnd.google-apps.folder';
const GRANULARITY = 256 * 1024;

type LogEntry = { method: string; url: string; bytes: number; status?: number };
type Session = { metadata: Partial<EmulatedFile>; total: number; received: Buffer[]; size: number };

/** Everything the emulator holds: Drive's files, OAuth's codes and tokens, upload sessions, faults, and its settings. */
interface EmulatorState {
  opts: EmulatorOptions;
  root: string;
  files: Map<string, EmulatedFile>;
  codes: Map<string, { challenge: string; redirectUri: string; clientId: string }>;
  accessTokens: Map<string, { expiresAt: number; refreshToken: string }>;
  refreshTokens: Map<string, { revoked: boolean }>;
  sessions: Map<string, Session>;
  faults: Fault[];
  log: LogEntry[];
  quota: number;
  tokenSeconds: number;
  consent: 'allow' | 'deny';
  clientSecret?: string;
}

const newId = () => randomBytes(12).toString('base64url');
const usage = (st: EmulatorState) => [...st.files.values()].reduce((n, f) => n + f.content.length, 0);
const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
};
const apiError = (res: ServerResponse, status: number, reason: string, message = reason) => json(res, status, { error: { code: status, message, errors: [{ reason, message, domain: 'global' }] } });
const quotaExceeded = (res: ServerResponse) => apiError(res, 403, 'storageQuotaExceeded', 'The user has exceeded their Drive storage quota');
const readBody = (req: IncomingMessage) =>
  new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
const fileView = (f: EmulatedFile) => ({
  kind: 'drive#file',
  id: f.id,
  name: f.name,
  mimeType: f.mimeType,
  parents: f.parents,
  appProperties: f.appProperties,
  size: String(f.content.length),
  md5Checksum: createHash('md5').update(f.content).digest('hex'),
  sha256Checksum: createHash('sha256').update(f.content).digest('hex'),
  createdTime: f.createdTime,
});

/** The next fault of `kind` that applies to this request (and file), used up as its `times` say. */
function takeFault(st: EmulatorState, req: IncomingMessage, kind: Fault['kind'], file?: EmulatedFile): Fault | undefined {
  const applies = (f: Fault) => (f.kind === 'status' ? !f.when || f.when(req) : f.kind === 'cut-download' ? (f.file ? f.file(file as EmulatedFile) : file?.appProperties.lifeboat === 'artifact') : true);
  const i = st.faults.findIndex((f) => f.kind === kind && applies(f));
  if (i < 0) return undefined;
  const f = st.faults[i] as Fault;
  if (f.times === undefined || --f.times <= 0) st.faults.splice(i, 1);
  return f;
}

function authorised(st: EmulatorState, req: IncomingMessage): boolean {
  const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
  const t = token ? st.accessTokens.get(token) : undefined;
  return t !== undefined && t.expiresAt > Date.now() && !st.refreshTokens.get(t.refreshToken)?.revoked;
}

function createFile(st: EmulatorState, metadata: Partial<EmulatedFile>, content: Buffer): EmulatedFile {
  const f: EmulatedFile = {
    id: newId(),
    name: metadata.name ?? 'Untitled',
    mimeType: metadata.mimeType ?? 'application/octet-stream',
    parents: metadata.parents ?? ['root'],
    appProperties: metadata.appProperties ?? {},
    content,
    createdTime: new Date().toISOString(),
  };
  st.files.set(f.id, f);
  return f;
}

/** The subset of Drive's query language Lifeboat sends. */
const matches = (f: EmulatedFile, q: string) =>
  q
    .split(/\s+and\s+(?![^{]*})/)
    .map((c) => c.trim())
    .filter(Boolean)
    .every((clause) => {
      let m;
      if ((m = /^'([^']+)' in parents$/.exec(clause))) return f.parents.includes(m[1] as string);
      if ((m = /^name\s*=\s*'((?:[^'\\]|\\.)*)'$/.exec(clause))) return f.name === (m[1] as string).replace(/\\(.)/g, '$1');
      if ((m = /^mimeType\s*(!?=)\s*'([^']+)'$/.exec(clause))) return (f.mimeType === m[2]) === (m[1] === '=');
      if (clause === 'trashed = false' || clause === 'trashed=false') return true;
      if ((m = /^appProperties has \{ key='([^']+)' and value='([^']*)' \}$/.exec(clause))) return f.appProperties[m[1] as string] === m[2];
      throw new Error(`emulator: unsupported query clause: ${clause}`);
    });

/** The consent page (its answer: a code, or access_denied) and the token endpoint (PKCE checked, refresh, revoked). */
async function oauthRoute(st: EmulatorState, req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
  if (url.pathname === '/o/oauth2/v2/auth') {
    const redirect = new URL(url.searchParams.get('redirect_uri') ?? '');
    if (st.consent === 'deny') redirect.searchParams.set('error', 'access_denied');
    else {
      const code = newId();
      st.codes.set(code, { challenge: url.searchParams.get('code_challenge') ?? '', redirectUri: redirect.href, clientId: url.searchParams.get('client_id') ?? '' });
      redirect.searchParams.set('code', code);
    }
    redirect.searchParams.set('state', url.searchParams.get('state') ?? '');
    res.writeHead(302, { location: redirect.href }).end();
    return true;
  }
  if (url.pathname === '/token' && req.method === 'POST') {
    tokenRoute(st, new URLSearchParams((await readBody(req)).toString()), res);
    return true;
  }
  if (url.pathname === '/revoke') {
    const token = url.searchParams.get('token') ?? new URLSearchParams((await readBody(req)).toString()).get('token') ?? '';
    const r = st.refreshTokens.get(token) ?? st.refreshTokens.get(st.accessTokens.get(token)?.refreshToken ?? '');
    if (r) r.revoked = true;
    json(res, 200, {});
    return true;
  }
  return false;
}

function tokenRoute(st: EmulatorState, form: URLSearchParams, res: ServerResponse): void {
  const issue = (refreshToken: string) => {
    const access = `at-${newId()}`;
    st.accessTokens.set(access, { expiresAt: Date.now() + st.tokenSeconds * 1000, refreshToken });
    return { access_token: access, expires_in: st.tokenSeconds, token_type: 'Bearer', scope: 'https://www.googleapis.com/auth/drive.file' };
  };
  if (st.clientSecret !== undefined && form.get('client_secret') !== st.clientSecret) return json(res, 401, { error: 'invalid_client', error_description: 'The OAuth client was not found.' });
  if (form.get('grant_type') === 'authorization_code') {
    const c = st.codes.get(form.get('code') ?? '');
    st.codes.delete(form.get('code') ?? '');
    const challenge = createHash('sha256').update(form.get('code_verifier') ?? '').digest('base64url');
    if (!c || c.challenge !== challenge || c.redirectUri !== form.get('redirect_uri')) return json(res, 400, { error: 'invalid_grant', error_description: 'Bad code or PKCE verifier' });
    const refresh = `rt-${newId()}`;
    st.refreshTokens.set(refresh, { revoked: false });
    return json(res, 200, { ...issue(refresh), refresh_token: refresh });
  }
  if (form.get('grant_type') === 'refresh_token') {
    const r = st.refreshTokens.get(form.get('refresh_token') ?? '');
    if (!r || r.revoked) return json(res, 400, { error: 'invalid_grant', error_description: 'Token has been expired or revoked.' });
    return json(res, 200, issue(form.get('refresh_token') as string));
  }
  return json(res, 400, { error: 'unsupported_grant_type' });
}

/** Drive's metadata: about (the quota), listing (paged as Drive pages), folders, a file's metadata, delete, download (ranged, cut on request). */
async function filesRoute(st: EmulatorState, req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
  if (url.pathname === '/drive/v3/about') {
    const used = usage(st);
    json(res, 200, { user: { emailAddress: st.opts.email ?? 'owner@example.com', displayName: 'Shop Owner' }, storageQuota: { limit: String(st.quota), usage: String(used), usageInDrive: String(used), usageInDriveTrash: '0' } });
    return true;
  }
  if (url.pathname === '/drive/v3/files' && req.method === 'GET') {
    // Pages as Drive does: at most pageSize files (and the emulator's own limit), then a token for the rest.
    const size = Math.max(1, Math.min(Number(url.searchParams.get('pageSize') ?? 100), st.opts.maxPageSize ?? 1000));
    const from = Number(url.searchParams.get('pageToken') ?? 0);
    const found = [...st.files.values()].filter((f) => matches(f, url.searchParams.get('q') ?? ''));
    json(res, 200, { files: found.slice(from, from + size).map(fileView), ...(from + size < found.length ? { nextPageToken: String(from + size) } : {}) });
    return true;
  }
  if (url.pathname === '/drive/v3/files' && req.method === 'POST') {
    json(res, 200, fileView(createFile(st, JSON.parse((await readBody(req)).toString() || '{}') as Partial<EmulatedFile>, Buffer.alloc(0))));
    return true;
  }
  const fileMatch = /^\/drive\/v3\/files\/([^/]+)$/.exec(url.pathname);
  if (!fileMatch) return false;
  const f = st.files.get(fileMatch[1] as string);
  if (!f) apiError(res, 404, 'notFound', 'File not found');
  else if (req.method === 'DELETE') {
    st.files.delete(f.id);
    res.writeHead(204).end();
  } else if (url.searchParams.get('alt') === 'media') download(st, req, res, f);
  else json(res, 200, fileView(f));
  return true;
}

function download(st: EmulatorState, req: IncomingMessage, res: ServerResponse, f: EmulatedFile): void {
  const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
  const start = range ? Number(range[1]) : 0;
  const end = range && range[2] ? Math.min(Number(range[2]) + 1, f.content.length) : f.content.length;
  if (range && start >= f.content.length) return apiError(res, 416, 'requestedRangeNotSatisfiable', 'Request range not satisfiable');
  res.writeHead(range ? 206 : 200, { 'content-type': 'application/octet-stream', 'content-length': String(end - start) });
  const cut = takeFault(st, req, 'cut-download', f);
  if (cut && cut.kind === 'cut-download') res.write(f.content.subarray(start, Math.min(end, start + cut.afterBytes)), () => req.socket.destroy());
  else res.end(f.content.subarray(start, end));
}

/** Uploads: multipart in one request, or a resumable session (started, asked how far it got, sent chunks, cut on request). */
async function uploadRoute(st: EmulatorState, req: IncomingMessage, res: ServerResponse, url: URL, entry: LogEntry): Promise<boolean> {
  if (url.pathname !== '/upload/drive/v3/files') return false;
  const type = url.searchParams.get('uploadType');
  if (type === 'multipart') {
    const body = await readBody(req);
    const boundary = /boundary=([^;]+)/.exec(req.headers['content-type'] ?? '')?.[1] ?? '';
    const parts = body.toString('latin1').split(`--${boundary}`).slice(1, -1);
    const partBody = (p: string) => Buffer.from(p.slice(p.indexOf('\r\n\r\n') + 4, -2), 'latin1');
    const content = partBody(parts[1] ?? '');
    if (usage(st) + content.length > st.quota) quotaExceeded(res);
    else json(res, 200, fileView(createFile(st, JSON.parse(partBody(parts[0] ?? '').toString()) as Partial<EmulatedFile>, content)));
    return true;
  }
  if (type !== 'resumable') return false;
  const uploadId = url.searchParams.get('upload_id');
  if (!uploadId && req.method === 'POST') {
    const metadata = JSON.parse((await readBody(req)).toString() || '{}') as Partial<EmulatedFile>;
    const total = Number(req.headers['x-upload-content-length'] ?? 0);
    if (usage(st) + total > st.quota) return (quotaExceeded(res), true);
    const sid = newId();
    st.sessions.set(sid, { metadata, total, received: [], size: 0 });
    res.writeHead(200, { location: `${st.root}/upload/drive/v3/files?uploadType=resumable&upload_id=${sid}` }).end();
    return true;
  }
  await sessionRoute(st, req, res, uploadId ?? '', entry);
  return true;
}

async function sessionRoute(st: EmulatorState, req: IncomingMessage, res: ServerResponse, uploadId: string, entry: LogEntry): Promise<void> {
  const s = st.sessions.get(uploadId);
  if (!s) {
    await readBody(req);
    return apiError(res, 404, 'notFound', 'Upload session not found');
  }
  const cr = /^bytes (\*|(\d+)-(\d+))\/(\d+|\*)$/.exec(req.headers['content-range'] ?? '');
  const incomplete = () => void res.writeHead(308, s.size > 0 ? { range: `bytes=0-${s.size - 1}` } : {}).end();
  const finish = () => {
    st.sessions.delete(uploadId);
    json(res, 200, fileView(createFile(st, s.metadata, Buffer.concat(s.received))));
  };
  if (!cr || cr[1] === '*') {
    await readBody(req);
    return s.size === s.total && s.total > 0 ? finish() : incomplete();
  }
  const start = Number(cr[2]);
  const cut = takeFault(st, req, 'cut');
  if (cut && cut.kind === 'cut') return keepCut(req, s, start, cut.afterBytes, entry);
  const body = await readBody(req);
  entry.bytes = body.length;
  if (start !== s.size) return incomplete();
  s.received.push(body);
  s.size += body.length;
  return s.size >= s.total ? finish() : incomplete();
}

/** Keeps what arrived of a chunk (rounded down to Drive's 256 KiB granularity), then drops the connection. */
async function keepCut(req: IncomingMessage, s: Session, start: number, afterBytes: number, entry: LogEntry): Promise<void> {
  const got: Buffer[] = [];
  let n = 0;
  await new Promise<void>((resolve) => {
    req.on('data', (c: Buffer) => {
      if (n >= afterBytes) return;
      got.push(c.subarray(0, afterBytes - n));
      n += Math.min(c.length, afterBytes - n);
      if (n >= afterBytes) resolve();
    });
    req.on('end', () => resolve());
  });
  entry.bytes = n;
  if (start === s.size) {
    const keep = Math.floor(n / GRANULARITY) * GRANULARITY;
    s.received.push(Buffer.concat(got).subarray(0, keep));
    s.size += keep;
  }
  req.socket.destroy();
}

/** One request: logged, a status fault first, then OAuth, then (authorised) Drive. */
async function handle(st: EmulatorState, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', st.root);
  const entry: LogEntry = { method: req.method ?? '', url: url.pathname + url.search, bytes: 0 };
  st.log.push(entry);
  const status = takeFault(st, req, 'status');
  if (status && status.kind === 'status') {
    entry.bytes = (await readBody(req)).length; // sent by the client, refused: counts as sent
    entry.status = status.status;
    return apiError(res, status.status, status.reason ?? 'backendError');
  }
  if (await oauthRoute(st, req, res, url)) return;
  if (!authorised(st, req)) {
    await readBody(req);
    entry.status = 401;
    return apiError(res, 401, 'authError', 'Invalid Credentials');
  }
  if ((await filesRoute(st, req, res, url)) || (await uploadRoute(st, req, res, url, entry))) return;
  apiError(res, 404, 'notFound', `emulator: no route for ${req.method} ${url.pathname}`);
}

/** Starts the emulator on 127.0.0.1 with a random port; what it returns lets a test look inside and inject faults. */
export async function startDriveEmulator(opts: EmulatorOptions = {}) {
  const st: EmulatorState = {
    opts,
    root: '',
    files: new Map(),
    codes: new Map(),
    accessTokens: new Map(),
    refreshTokens: new Map(),
    sessions: new Map(),
    faults: [],
    log: [],
    quota: opts.quotaBytes ?? 15 * 1024 ** 3,
    tokenSeconds: opts.accessTokenSeconds ?? 3600,
    consent: 'allow',
  };
  const server: Server = createServer((req, res) => {
    handle(st, req, res).catch((e: unknown) => {
      if (!res.headersSent) json(res, 500, { error: { code: 500, message: String(e) } });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  st.root = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return emulatorControls(st, server);
}

/** What a test can do with a running emulator. */
function emulatorControls(st: EmulatorState, server: Server) {
  return {
    root: st.root,
    files: st.files,
    log: st.log,
    inject(fault: Fault) {
      st.faults.push(fault);
    },
    /** Drops every fault not yet taken. */
    clearFaults() {
      st.faults.length = 0;
    },
    setQuota(bytes: number) {
      st.quota = bytes;
    },
    setAccessTokenSeconds(seconds: number) {
      st.tokenSeconds = seconds;
    },
    /** Expires every access token now (the next API call gets 401 and must refresh). */
    expireAccessTokens() {
      for (const t of st.accessTokens.values()) t.expiresAt = 0;
    },
    /** Revokes every refresh token (as when the person removes access in their Google account). */
    revokeAll() {
      for (const r of st.refreshTokens.values()) r.revoked = true;
    },
    setConsent(answer: 'allow' | 'deny') {
      st.consent = answer;
    },
    /** From now on the token endpoint answers only requests that carry this client secret (as Google does). */
    requireClientSecret(secret: string) {
      st.clientSecret = secret;
    },
    /** Bytes the client sent in upload chunk bodies. */
    uploadedBytes: () => st.log.filter((l) => l.url.includes('upload_id=')).reduce((n, l) => n + l.bytes, 0),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export type DriveEmulator = Awaited<ReturnType<typeof startDriveEmulator>>;
export { FOLDER as DRIVE_FOLDER_MIME };
