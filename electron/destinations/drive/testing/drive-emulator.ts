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

/** Starts the emulator on 127.0.0.1 with a random port. */
export async function startDriveEmulator(opts: EmulatorOptions = {}) {
  const files = new Map<string, EmulatedFile>();
  const codes = new Map<string, { challenge: string; redirectUri: string; clientId: string }>();
  const accessTokens = new Map<string, { expiresAt: number; refreshToken: string }>();
  const refreshTokens = new Map<string, { revoked: boolean }>();
  const sessions = new Map<string, { metadata: Partial<EmulatedFile>; total: number; received: Buffer[]; size: number }>();
  const faults: Fault[] = [];
  const log: { method: string; url: string; bytes: number; status?: number }[] = [];
  let quota = opts.quotaBytes ?? 15 * 1024 ** 3;
  let tokenSeconds = opts.accessTokenSeconds ?? 3600;
  let consent: 'allow' | 'deny' = 'allow';
  let clientSecret: string | undefined;
  let root = '';

  const id = () => randomBytes(12).toString('base64url');
  const usage = () => [...files.values()].reduce((n, f) => n + f.content.length, 0);
  const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };
  const apiError = (res: ServerResponse, status: number, reason: string, message = reason) =>
    json(res, status, { error: { code: status, message, errors: [{ reason, message, domain: 'global' }] } });
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
  const takeFault = (req: IncomingMessage, kind: Fault['kind'], file?: EmulatedFile): Fault | undefined => {
    const applies = (f: Fault) =>
      f.kind === 'status' ? !f.when || f.when(req) : f.kind === 'cut-download' ? (f.file ? f.file(file as EmulatedFile) : file?.appProperties.lifeboat === 'artifact') : true;
    const i = faults.findIndex((f) => f.kind === kind && applies(f));
    if (i < 0) return undefined;
    const f = faults[i] as Fault;
    if (f.times === undefined || --f.times <= 0) faults.splice(i, 1);
    return f;
  };
  const authorised = (req: IncomingMessage) => {
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const t = token ? accessTokens.get(token) : undefined;
    return t !== undefined && t.expiresAt > Date.now() && !refreshTokens.get(t.refreshToken)?.revoked;
  };
  const create = (metadata: Partial<EmulatedFile>, content: Buffer): EmulatedFile => {
    const f: EmulatedFile = {
      id: id(),
      name: metadata.name ?? 'Untitled',
      mimeType: metadata.mimeType ?? 'application/octet-stream',
      parents: metadata.parents ?? ['root'],
      appProperties: metadata.appProperties ?? {},
      content,
      createdTime: new Date().toISOString(),
    };
    files.set(f.id, f);
    return f;
  };

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

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', root);
    const entry: { method: string; url: string; bytes: number; status?: number } = { method: req.method ?? '', url: url.pathname + url.search, bytes: 0 };
    log.push(entry);
    const status = takeFault(req, 'status');
    if (status && status.kind === 'status') {
      entry.bytes = (await readBody(req)).length; // sent by the client, refused: counts as sent
      entry.status = status.status;
      return apiError(res, status.status, status.reason ?? 'backendError');
    }

    // ---- OAuth ----
    if (url.pathname === '/o/oauth2/v2/auth') {
      const redirect = new URL(url.searchParams.get('redirect_uri') ?? '');
      if (consent === 'deny') {
        redirect.searchParams.set('error', 'access_denied');
      } else {
        const code = id();
        codes.set(code, { challenge: url.searchParams.get('code_challenge') ?? '', redirectUri: redirect.href, clientId: url.searchParams.get('client_id') ?? '' });
        redirect.searchParams.set('code', code);
      }
      redirect.searchParams.set('state', url.searchParams.get('state') ?? '');
      res.writeHead(302, { location: redirect.href });
      return res.end();
    }
    if (url.pathname === '/token' && req.method === 'POST') {
      const form = new URLSearchParams((await readBody(req)).toString());
      const issue = (refreshToken: string) => {
        const access = `at-${id()}`;
        accessTokens.set(access, { expiresAt: Date.now() + tokenSeconds * 1000, refreshToken });
        return { access_token: access, expires_in: tokenSeconds, token_type: 'Bearer', scope: 'https://www.googleapis.com/auth/drive.file' };
      };
      if (clientSecret !== undefined && form.get('client_secret') !== clientSecret) return json(res, 401, { error: 'invalid_client', error_description: 'The OAuth client was not found.' });
      if (form.get('grant_type') === 'authorization_code') {
        const c = codes.get(form.get('code') ?? '');
        codes.delete(form.get('code') ?? '');
        const verifier = form.get('code_verifier') ?? '';
        const challenge = createHash('sha256').update(verifier).digest('base64url');
        if (!c || c.challenge !== challenge || c.redirectUri !== form.get('redirect_uri')) return json(res, 400, { error: 'invalid_grant', error_description: 'Bad code or PKCE verifier' });
        const refresh = `rt-${id()}`;
        refreshTokens.set(refresh, { revoked: false });
        return json(res, 200, { ...issue(refresh), refresh_token: refresh });
      }
      if (form.get('grant_type') === 'refresh_token') {
        const r = refreshTokens.get(form.get('refresh_token') ?? '');
        if (!r || r.revoked) return json(res, 400, { error: 'invalid_grant', error_description: 'Token has been expired or revoked.' });
        return json(res, 200, issue(form.get('refresh_token') as string));
      }
      return json(res, 400, { error: 'unsupported_grant_type' });
    }
    if (url.pathname === '/revoke') {
      const token = url.searchParams.get('token') ?? new URLSearchParams((await readBody(req)).toString()).get('token') ?? '';
      const r = refreshTokens.get(token) ?? refreshTokens.get(accessTokens.get(token)?.refreshToken ?? '');
      if (r) r.revoked = true;
      return json(res, 200, {});
    }

    // ---- Drive ----
    if (!authorised(req)) {
      await readBody(req);
      entry.status = 401;
      return apiError(res, 401, 'authError', 'Invalid Credentials');
    }
    if (url.pathname === '/drive/v3/about') {
      const used = usage();
      return json(res, 200, { user: { emailAddress: opts.email ?? 'owner@example.com', displayName: 'Shop Owner' }, storageQuota: { limit: String(quota), usage: String(used), usageInDrive: String(used), usageInDriveTrash: '0' } });
    }
    if (url.pathname === '/drive/v3/files' && req.method === 'GET') {
      const q = url.searchParams.get('q') ?? '';
      // Pages as Drive does: at most pageSize files (and the emulator's own limit), then a token for the rest.
      const size = Math.max(1, Math.min(Number(url.searchParams.get('pageSize') ?? 100), opts.maxPageSize ?? 1000));
      const from = Number(url.searchParams.get('pageToken') ?? 0);
      const found = [...files.values()].filter((f) => matches(f, q));
      const next = from + size < found.length ? { nextPageToken: String(from + size) } : {};
      return json(res, 200, { files: found.slice(from, from + size).map(fileView), ...next });
    }
    if (url.pathname === '/drive/v3/files' && req.method === 'POST') {
      const metadata = JSON.parse((await readBody(req)).toString() || '{}') as Partial<EmulatedFile>;
      return json(res, 200, fileView(create(metadata, Buffer.alloc(0))));
    }
    const fileMatch = /^\/drive\/v3\/files\/([^/]+)$/.exec(url.pathname);
    if (fileMatch) {
      const f = files.get(fileMatch[1] as string);
      if (!f) return apiError(res, 404, 'notFound', 'File not found');
      if (req.method === 'DELETE') {
        files.delete(f.id);
        res.writeHead(204);
        return res.end();
      }
      if (url.searchParams.get('alt') === 'media') {
        const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
        const start = range ? Number(range[1]) : 0;
        const end = range && range[2] ? Math.min(Number(range[2]) + 1, f.content.length) : f.content.length;
        if (range && start >= f.content.length) return apiError(res, 416, 'requestedRangeNotSatisfiable', 'Request range not satisfiable');
        res.writeHead(range ? 206 : 200, { 'content-type': 'application/octet-stream', 'content-length': String(end - start) });
        const cut = takeFault(req, 'cut-download', f);
        if (cut && cut.kind === 'cut-download') {
          res.write(f.content.subarray(start, Math.min(end, start + cut.afterBytes)), () => req.socket.destroy());
          return;
        }
        return res.end(f.content.subarray(start, end));
      }
      return json(res, 200, fileView(f));
    }
    if (url.pathname === '/upload/drive/v3/files' && url.searchParams.get('uploadType') === 'multipart') {
      const body = await readBody(req);
      const boundary = /boundary=([^;]+)/.exec(req.headers['content-type'] ?? '')?.[1] ?? '';
      const parts = body.toString('latin1').split(`--${boundary}`).slice(1, -1);
      const partBody = (p: string) => Buffer.from(p.slice(p.indexOf('\r\n\r\n') + 4, -2), 'latin1');
      const metadata = JSON.parse(partBody(parts[0] ?? '').toString()) as Partial<EmulatedFile>;
      const content = partBody(parts[1] ?? '');
      if (usage() + content.length > quota) return apiError(res, 403, 'storageQuotaExceeded', 'The user has exceeded their Drive storage quota');
      return json(res, 200, fileView(create(metadata, content)));
    }
    if (url.pathname === '/upload/drive/v3/files' && url.searchParams.get('uploadType') === 'resumable') {
      const uploadId = url.searchParams.get('upload_id');
      if (!uploadId && req.method === 'POST') {
        const metadata = JSON.parse((await readBody(req)).toString() || '{}') as Partial<EmulatedFile>;
        const total = Number(req.headers['x-upload-content-length'] ?? 0);
        if (usage() + total > quota) return apiError(res, 403, 'storageQuotaExceeded', 'The user has exceeded their Drive storage quota');
        const sid = id();
        sessions.set(sid, { metadata, total, received: [], size: 0 });
        res.writeHead(200, { location: `${root}/upload/drive/v3/files?uploadType=resumable&upload_id=${sid}` });
        return res.end();
      }
      const s = sessions.get(uploadId ?? '');
      if (!s) {
        await readBody(req);
        return apiError(res, 404, 'notFound', 'Upload session not found');
      }
      const cr = /^bytes (\*|(\d+)-(\d+))\/(\d+|\*)$/.exec(req.headers['content-range'] ?? '');
      const rangeHeader = () => (s.size > 0 ? { range: `bytes=0-${s.size - 1}` } : {});
      const finish = () => {
        sessions.delete(uploadId as string);
        return json(res, 200, fileView(create(s.metadata, Buffer.concat(s.received))));
      };
      if (!cr || cr[1] === '*') {
        await readBody(req);
        if (s.size === s.total && s.total > 0) return finish();
        res.writeHead(308, rangeHeader());
        return res.end();
      }
      const start = Number(cr[2]);
      const cut = takeFault(req, 'cut');
      if (cut && cut.kind === 'cut') {
        // Keep what arrived (rounded down to Drive's 256 KiB granularity), then drop the connection.
        const got: Buffer[] = [];
        let n = 0;
        await new Promise<void>((resolve) => {
          req.on('data', (c: Buffer) => {
            if (n >= cut.afterBytes) return;
            got.push(c.subarray(0, cut.afterBytes - n));
            n += Math.min(c.length, cut.afterBytes - n);
            if (n >= cut.afterBytes) resolve();
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
        return;
      }
      const body = await readBody(req);
      entry.bytes = body.length;
      if (start !== s.size) {
        res.writeHead(308, rangeHeader());
        return res.end();
      }
      s.received.push(body);
      s.size += body.length;
      if (s.size >= s.total) return finish();
      res.writeHead(308, rangeHeader());
      return res.end();
    }
    return apiError(res, 404, 'notFound', `emulator: no route for ${req.method} ${url.pathname}`);
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (!res.headersSent) json(res, 500, { error: { code: 500, message: String(e) } });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  root = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    root,
    files,
    log,
    inject(fault: Fault) {
      faults.push(fault);
    },
    /** Drops every fault not yet taken. */
    clearFaults() {
      faults.length = 0;
    },
    setQuota(bytes: number) {
      quota = bytes;
    },
    setAccessTokenSeconds(seconds: number) {
      tokenSeconds = seconds;
    },
    /** Expires every access token now (the next API call gets 401 and must refresh). */
    expireAccessTokens() {
      for (const t of accessTokens.values()) t.expiresAt = 0;
    },
    /** Revokes every refresh token (as when the person removes access in their Google account). */
    revokeAll() {
      for (const r of refreshTokens.values()) r.revoked = true;
    },
    setConsent(answer: 'allow' | 'deny') {
      consent = answer;
    },
    /** From now on the token endpoint answers only requests that carry this client secret (as Google does). */
    requireClientSecret(secret: string) {
      clientSecret = secret;
    },
    /** Bytes the client sent in upload chunk bodies. */
    uploadedBytes: () => log.filter((l) => l.url.includes('upload_id=')).reduce((n, l) => n + l.bytes, 0),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export type DriveEmulator = Awaited<ReturnType<typeof startDriveEmulator>>;
export { FOLDER as DRIVE_FOLDER_MIME };
