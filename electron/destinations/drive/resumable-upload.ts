// Drive's resumable upload protocol, by hand (the official client does not implement it): chunks
// a multiple of 256 KiB; after a dropped connection, ask Drive how far it got and go on from
// there; restart the session on 404/410; truncated exponential backoff with jitter on 5xx, 429
// and rate-limit 403s; a fresh access token on 401; a full Drive is final. The session URI is kept
// (SessionStore) so an upload interrupted by quitting resumes after a restart.
import { open, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { ensureDir, writeFileDurable } from '../../engine/common/durable-fs.ts';
import { LifeboatError } from '../../engine/common/errors.ts';

export interface SessionStore {
  get(): Promise<string | undefined>;
  set(uri: string): Promise<void>;
  clear(): Promise<void>;
}

/** A session store in `<dir>/<key>.json` (the data folder's uploads/), owner-only. */
export function fileSessionStore(dir: string, key: string): SessionStore {
  const file = path.join(dir, `${key}.json`);
  return {
    async get() {
      try {
        return (JSON.parse(await readFile(file, 'utf8')) as { uri?: string }).uri;
      } catch {
        return undefined;
      }
    },
    async set(uri) {
      await ensureDir(dir);
      await writeFileDurable(file, JSON.stringify({ uri }), 0o600);
    },
    async clear() {
      await rm(file, { force: true });
    },
  };
}

export interface UploadDeps {
  apiRoot: string;
  /** A current access token; `fresh` forces a refresh (after a 401). */
  token: (fresh: boolean) => Promise<string>;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  retryBaseMs?: number;
}

export const CHUNK_GRANULARITY = 256 * 1024;
export const DEFAULT_CHUNK = 32 * CHUNK_GRANULARITY; // 8 MiB
const MAX_RETRIES = 8;

type DriveFile = { id: string; sha256Checksum?: string; md5Checksum?: string; size?: string };

async function errorReason(res: Response): Promise<string> {
  try {
    const body = (await res.json()) as { error?: { errors?: { reason?: string }[]; message?: string } };
    return body.error?.errors?.[0]?.reason ?? body.error?.message ?? '';
  } catch {
    return '';
  }
}

function retryable(status: number, reason: string): boolean {
  return status >= 500 || status === 429 || (status === 403 && /rateLimitExceeded|userRateLimitExceeded/.test(reason));
}

function quotaError(): LifeboatError {
  return new LifeboatError('disk-full', 'Google Drive is full', 'Free space in Google Drive (emptying the trash counts) or buy more storage; the restore point is safe in the vault');
}

type UploadOptions = { chunkSize?: number; onBytes?: (bytes: number) => void; signal?: AbortSignal };

/**
 * The calls of one upload session: send (with a current token; a cancelled upload stops at once,
 * its session kept to be resumed by the next attempt), back off, start a session, ask how far it got.
 */
function uploadSession(size: number, metadata: Record<string, unknown>, store: SessionStore, deps: UploadDeps, opts: UploadOptions) {
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const random = deps.random ?? Math.random;
  let failures = 0;
  let freshToken = false;
  const backoff = async (what: string) => {
    opts.signal?.throwIfAborted();
    if (++failures > MAX_RETRIES) throw new LifeboatError('busy', `Google Drive kept failing (${what})`, 'It will be retried later; the restore point is safe in the vault');
    const base = deps.retryBaseMs ?? 1000;
    await sleep(Math.min(base * 2 ** (failures - 1), 32 * base) + random() * base);
  };
  const send = async (url: string, init: RequestInit): Promise<Response | undefined> => {
    opts.signal?.throwIfAborted();
    const token = await deps.token(freshToken);
    freshToken = false;
    return fetch(url, { ...init, headers: { ...(init.headers as Record<string, string>), authorization: `Bearer ${token}` }, signal: opts.signal }).catch(() => undefined);
  };
  const initiate = async (): Promise<string> => {
    for (;;) {
      const res = await send(`${deps.apiRoot}/upload/drive/v3/files?uploadType=resumable&fields=id,size,sha256Checksum,md5Checksum`, {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=UTF-8', 'x-upload-content-type': 'application/octet-stream', 'x-upload-content-length': String(size) },
        body: JSON.stringify(metadata),
      });
      if (res?.ok && res.headers.get('location')) {
        const uri = res.headers.get('location') as string;
        await store.set(uri);
        return uri;
      }
      const reason = res ? await errorReason(res) : 'connection failed';
      if (res?.status === 401) freshToken = true;
      else if (res?.status === 403 && reason === 'storageQuotaExceeded') throw quotaError();
      else if (res && !retryable(res.status, reason)) throw new LifeboatError('busy', `Google Drive refused the upload (${res.status} ${reason})`, 'It will be retried later');
      await backoff(reason);
    }
  };
  /** Asks Drive how much of the session it has: the next offset, or the finished file. */
  const status = async (uri: string): Promise<number | DriveFile | 'gone'> => {
    for (;;) {
      const res = await send(uri, { method: 'PUT', headers: { 'content-range': `bytes */${size}`, 'content-length': '0' } });
      if (res?.status === 308) return nextOffset(res);
      if (res && (res.status === 200 || res.status === 201)) return (await res.json()) as DriveFile;
      if (res?.status === 404 || res?.status === 410) return 'gone';
      if (res?.status === 401) freshToken = true;
      await backoff(res ? `${res.status}` : 'connection failed');
    }
  };
  return { send, backoff, initiate, status, progressed: () => void (failures = 0), refreshToken: () => void (freshToken = true) };
}
type Session = ReturnType<typeof uploadSession>;

/** The offset Drive expects next, from a 308's Range header. */
const nextOffset = (res: Response) => {
  const range = /bytes=0-(\d+)/.exec(res.headers.get('range') ?? '');
  return range ? Number(range[1]) + 1 : 0;
};

/**
 * Sends `file` from `offset` in chunks until Drive holds it all; after any failure, asks Drive how
 * far it got and goes on from there (a session Drive forgot starts again).
 */
async function sendChunks(session: Session, file: string, size: number, uri: string, offset: number, store: SessionStore, opts: UploadOptions & { chunkSize: number }): Promise<DriveFile> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(Math.min(opts.chunkSize, Math.max(size, 1)));
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, Math.min(opts.chunkSize, size - offset), offset);
      const range = size === 0 ? `bytes */0` : `bytes ${offset}-${offset + bytesRead - 1}/${size}`;
      const res = await session.send(uri, { method: 'PUT', headers: { 'content-range': range, 'content-length': String(bytesRead) }, body: buffer.subarray(0, bytesRead) });
      if (res && (res.status === 200 || res.status === 201)) {
        opts.onBytes?.(size);
        await store.clear();
        return (await res.json()) as DriveFile;
      }
      if (res?.status === 308) {
        offset = nextOffset(res);
        session.progressed();
        opts.onBytes?.(offset);
        continue;
      }
      const reason = res ? await errorReason(res) : 'connection lost';
      if (res?.status === 403 && reason === 'storageQuotaExceeded') throw quotaError();
      if (res?.status === 401) session.refreshToken();
      else if (res && res.status !== 404 && res.status !== 410 && !retryable(res.status, reason)) throw new LifeboatError('busy', `Google Drive refused the upload (${res.status} ${reason})`, 'It will be retried later');
      else if (res?.status !== 404 && res?.status !== 410) await session.backoff(reason);
      // Whatever happened, ask Drive how far it got before sending again.
      const s = res?.status === 404 || res?.status === 410 ? 'gone' : await session.status(uri);
      if (typeof s === 'object') {
        await store.clear();
        return s;
      }
      if (s === 'gone') {
        await store.clear();
        [uri, offset] = [await session.initiate(), 0];
      } else offset = s;
    }
  } finally {
    await handle.close();
  }
}

/** Uploads `file` (`size` bytes) with `metadata`, resuming a stored session when there is one. */
export async function resumableUpload(file: string, size: number, metadata: Record<string, unknown>, store: SessionStore, deps: UploadDeps, opts: UploadOptions = {}): Promise<DriveFile> {
  const chunkSize = opts.chunkSize ?? DEFAULT_CHUNK;
  if (chunkSize % CHUNK_GRANULARITY !== 0) throw new Error('chunk size must be a multiple of 256 KiB');
  const session = uploadSession(size, metadata, store, deps, opts);
  let uri = await store.get();
  let offset = 0;
  if (uri) {
    const s = await session.status(uri);
    if (typeof s === 'object') return s;
    if (s === 'gone') uri = undefined;
    else offset = s;
  }
  uri ??= await session.initiate();
  opts.onBytes?.(offset);
  return sendChunks(session, file, size, uri, offset, store, { ...opts, chunkSize });
}
