// Google Drive as storage: a visible folder (default "Lifeboat Backups") holding one sub-folder per
// first name segment (a source), the objects in them under their last segment, each marked with
// appProperties (`lifeboat`, and the labels the engine gives) so that a new machine finds them with
// only the Google account, and files Lifeboat did not create are never seen. Small files go in one
// request, larger ones through the resumable protocol (resumable-upload.ts); Drive's own SHA-256 of
// what it holds comes back with every save and listing. Before an upload, Drive's free space is
// checked. Deletes are permanent (trash still counts against the quota).
import { drive as driveApi, type drive_v3 } from '@googleapis/drive';
import type { OAuth2Client } from 'google-auth-library';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import type { ReadableStream } from 'node:stream/web';
import { formatBytes } from '../../../shared/bytes.ts';
import { LifeboatError, errorCode, isLifeboatError } from '../../engine/common/errors.ts';
import { checkObjectName, type LoadOptions, type ObjectInfo, type SaveOptions, type Storage } from '../../engine/storage/storage.ts';
import { explainGoogleAuthError } from './google-auth.ts';
import type { GoogleEndpoints } from './google-endpoints.ts';
import { fileSessionStore, resumableUpload } from './resumable-upload.ts';

const FOLDER_MIME = 'application/vnd.google-apps.folder';
const FIELDS = 'id,name,size,sha256Checksum,appProperties,createdTime,mimeType';
/** Files up to this size go in one request; larger ones through the resumable protocol. */
const SIMPLE_LIMIT = 5 * 1024 * 1024;

export interface DriveStorageOptions {
  auth: OAuth2Client;
  endpoints: GoogleEndpoints;
  /** Where resumable upload sessions are kept (the data folder's uploads/), so a restart resumes them. */
  sessionsDir: string;
  /** The destination's id (it keys the upload sessions) and the name of the visible folder it makes. */
  id: string;
  folderName: string;
  /** Upload piece size (a multiple of 256 KiB) and the first backoff delay; tuning knobs. */
  chunkBytes?: number;
  retryBaseMs?: number;
  /** Files up to this many bytes go in one request (5 MiB). */
  simpleLimit?: number;
  sleep?: (ms: number) => Promise<void>;
}

export interface DriveQuota {
  email: string;
  limit?: number;
  usage: number;
  usageInDrive: number;
  usageInTrash: number;
  lifeboatBytes: number;
  /** 'warning' from 80 % used, 'critical' from 95 %. */
  level: 'ok' | 'warning' | 'critical';
}

type DriveFile = drive_v3.Schema$File;
const q = (s: string) => s.replace(/\\/g, '\\\\').replace(/'/g, "\\'");

/** A Drive API failure for a person: a full Drive, no network, a revoked token (reconnect), or Drive's own answer. */
export function explainDriveError(e: unknown): unknown {
  if (isLifeboatError(e) || (e as Error)?.name === 'AbortError') return e;
  const auth = explainGoogleAuthError(e);
  if (auth !== e) return auth;
  const status = (e as { status?: number; code?: number | string }).status ?? (e as { code?: number }).code;
  const message = (e as Error).message ?? String(e);
  if (/storageQuotaExceeded/.test(message)) return new LifeboatError('disk-full', 'Google Drive is full', 'Free space in Google Drive or buy more storage; the restore point is safe in the vault');
  if (['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNRESET'].includes(errorCode(e) ?? '') || /fetch failed|ECONNREFUSED|ENOTFOUND/.test(message)) {
    return new LifeboatError('busy', 'Google Drive cannot be reached', 'Check the network; uploads resume when it is back');
  }
  return new LifeboatError('busy', `Google Drive answered an error${status ? ` (${status})` : ''}: ${message}`, 'It will be retried later');
}

/** The Drive calls the storage makes, every failure explained, with a fresh access token on demand. */
function driveCalls(o: DriveStorageOptions) {
  const rootUrl = `${o.endpoints.apiRoot}/`;
  const drive = driveApi({ version: 'v3', auth: o.auth, rootUrl });
  // The client applies its global rootUrl to metadata URLs but builds media-upload URLs from the
  // per-call options: every call passes it, so nothing escapes LIFEBOAT_GOOGLE_API_ROOT.
  const per = { rootUrl };
  const token = async (fresh: boolean): Promise<string> => {
    try {
      if (fresh) o.auth.credentials = { ...o.auth.credentials, access_token: undefined, expiry_date: 0 };
      const { token: t } = await o.auth.getAccessToken();
      if (!t) throw new Error('no access token');
      return t;
    } catch (e) {
      throw explainGoogleAuthError(e);
    }
  };
  /**
   * One API call, its failure explained. An access token Drive stops accepting before it expires
   * (access was revoked meanwhile) is refreshed once and the call made again: a refresh Google
   * refuses says to reconnect at once, instead of passing for a busy server retried for minutes.
   */
  const call = async <T>(fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (e) {
      if ((e as { status?: number }).status !== 401) throw explainDriveError(e);
    }
    await token(true);
    try {
      return await fn();
    } catch (e) {
      throw explainDriveError(e);
    }
  };
  /** The files a query finds (not in the trash), every page of them, or only the first `pageSize`. */
  const find = async (query: string, o2: { firstPage?: boolean; pageSize?: number } = {}): Promise<DriveFile[]> => {
    const out: DriveFile[] = [];
    let pageToken: string | undefined;
    do {
      const res = await call(() => drive.files.list({ q: `${query} and trashed = false`, fields: `nextPageToken,files(${FIELDS})`, pageSize: o2.pageSize ?? 1000, pageToken }, per));
      out.push(...(res.data.files ?? []));
      pageToken = o2.firstPage ? undefined : (res.data.nextPageToken ?? undefined);
    } while (pageToken);
    return out;
  };
  return { drive, per, call, token, find };
}
type DriveCalls = ReturnType<typeof driveCalls>;

/**
 * The folders names live in: the visible root (appProperties lifeboat=root), and one folder per
 * first segment (lifeboat=source, sourceId=<segment>). Found by their appProperties, so renaming or
 * moving them in Drive changes nothing; made when first written to.
 */
function driveFolders(api: DriveCalls, folderName: string) {
  // Promises, so saves at the same moment share one lookup (and one new folder) instead of racing.
  const found = new Map<string, Promise<string[]>>();
  const made = new Map<string, Promise<string>>();
  const propsOf = (dir: string): Record<string, string> => (dir === '' ? { lifeboat: 'root' } : { lifeboat: 'source', sourceId: dir });
  const query = (props: Record<string, string>) => [`mimeType = '${FOLDER_MIME}'`, ...Object.entries(props).map(([k, v]) => `appProperties has { key='${q(k)}' and value='${q(v)}' }`)].join(' and ');
  /**
   * The folders for `dir` ('' is the root): none yet, one, or (when two machines made it at the
   * same moment) several, all of which are read; a lookup that found none is asked again next time.
   */
  const lookup = async (dir: string): Promise<string[]> => {
    const cached = found.get(dir);
    if (cached) return cached;
    const asked = api.find(query(propsOf(dir))).then((files) => files.flatMap((f) => (f.id ? [f.id] : [])));
    found.set(dir, asked);
    const ids = await asked.catch((e: unknown) => {
      found.delete(dir);
      throw e;
    });
    if (ids.length === 0) found.delete(dir);
    return ids;
  };
  /** The folder new files for `dir` go into, made (in the root) when there is none. */
  const ensure = (dir: string): Promise<string> => {
    const pending = made.get(dir);
    if (pending) return pending;
    const making = (async () => {
      const [existing] = await lookup(dir);
      if (existing) return existing;
      const parent = dir === '' ? 'root' : await ensure('');
      const res = await api.call(() => api.drive.files.create({ requestBody: { name: dir || folderName, mimeType: FOLDER_MIME, parents: [parent], appProperties: propsOf(dir) }, fields: 'id' }, api.per));
      if (!res.data.id) throw new LifeboatError('busy', 'Google Drive did not create the folder', 'It will be retried later');
      found.set(dir, Promise.resolve([res.data.id]));
      return res.data.id;
    })();
    made.set(dir, making);
    making.catch(() => made.delete(dir));
    return making;
  };
  /** Every folder names live in, by id, with its segment ('' for the root). */
  const all = async (): Promise<Map<string, string>> => {
    const out = new Map<string, string>();
    for (const root of await lookup('')) out.set(root, '');
    for (const f of await api.find(query({ lifeboat: 'source' }))) if (f.id) out.set(f.id, f.appProperties?.sourceId ?? f.name ?? '');
    return out;
  };
  return { lookup, ensure, all };
}

/** A name as Drive keeps it: the folder segment ('' for the root) and the file's own name. */
function split(name: string): { dir: string; file: string } {
  const segments = checkObjectName(name);
  return segments.length === 2 ? { dir: segments[0] as string, file: segments[1] as string } : { dir: '', file: segments[0] as string };
}

/** Lifeboat's own files (not folders, marked with appProperties), the newest first. */
const ours = (files: DriveFile[]) => files.filter((f) => f.mimeType !== FOLDER_MIME && f.appProperties?.lifeboat).sort((a, b) => (b.createdTime ?? '').localeCompare(a.createdTime ?? ''));
const infoOf = (name: string, f: DriveFile): ObjectInfo => ({ name, size: Number(f.size ?? 0), ...(f.sha256Checksum ? { sha256: f.sha256Checksum } : {}), ...(f.id ? { id: f.id } : {}) });

/** Drive's storage quota and what Lifeboat's files take of it (`lifeboatBytes`). */
async function readQuota(api: DriveCalls, withOurs: boolean): Promise<DriveQuota> {
  const about = (await api.call(() => api.drive.about.get({ fields: 'user(emailAddress),storageQuota' }, api.per))).data;
  const n = (v: string | null | undefined) => (v ? Number(v) : 0);
  const limit = about.storageQuota?.limit ? Number(about.storageQuota.limit) : undefined;
  const usage = n(about.storageQuota?.usage);
  const used = limit ? usage / limit : 0;
  const artifacts = withOurs ? await api.find(`appProperties has { key='lifeboat' and value='artifact' }`) : [];
  return {
    email: about.user?.emailAddress ?? '',
    limit,
    usage,
    usageInDrive: n(about.storageQuota?.usageInDrive),
    usageInTrash: n(about.storageQuota?.usageInDriveTrash),
    lifeboatBytes: artifacts.reduce((s, f) => s + n(f.size), 0),
    level: used >= 0.95 ? 'critical' : used >= 0.8 ? 'warning' : 'ok',
  };
}

/** Uploads `from` as `file` in `parent`: one request when small, the resumable protocol otherwise. */
async function upload(api: DriveCalls, o: DriveStorageOptions, name: string, from: string, parent: string, opts: SaveOptions): Promise<DriveFile> {
  const size = (await stat(from)).size;
  const quota = await readQuota(api, false);
  if (quota.limit !== undefined && quota.usage + size > quota.limit) {
    throw new LifeboatError('disk-full', `Google Drive is full: ${formatBytes(Math.max(0, quota.limit - quota.usage))} free, ${formatBytes(size)} needed`, 'Free space in Google Drive (emptying the trash counts) or buy more storage; the restore point is safe in the vault');
  }
  const metadata = { name: split(name).file, parents: [parent], appProperties: { lifeboat: 'object', ...opts.labels } };
  if (size <= (o.simpleLimit ?? SIMPLE_LIMIT)) {
    const res = await api.call(() => api.drive.files.create({ requestBody: metadata, media: { mimeType: 'application/octet-stream', body: createReadStream(from) }, fields: FIELDS }, { ...api.per, signal: opts.signal }));
    opts.onBytes?.(size);
    return res.data;
  }
  // Keyed by the name, size and bytes: a session of other bytes is never resumed.
  const key = `${o.id}-${createHash('sha256').update(name).digest('hex').slice(0, 16)}-${size}-${(opts.sha256 ?? '').slice(0, 16)}`;
  try {
    const deps = { apiRoot: o.endpoints.apiRoot, token: api.token, sleep: o.sleep, retryBaseMs: o.retryBaseMs };
    return await resumableUpload(from, size, metadata, fileSessionStore(o.sessionsDir, key), deps, { chunkSize: o.chunkBytes, onBytes: opts.onBytes, signal: opts.signal });
  } catch (e) {
    throw opts.signal?.aborted ? e : explainDriveError(e);
  }
}

/** A ranged download of file `id` (`end` exclusive), with a fresh token after a 401. */
async function download(api: DriveCalls, o: DriveStorageOptions, id: string, start: number, end: number, signal?: AbortSignal): Promise<Readable> {
  const get = async (fresh: boolean) =>
    fetch(`${o.endpoints.apiRoot}/drive/v3/files/${encodeURIComponent(id)}?alt=media`, { headers: { authorization: `Bearer ${await api.token(fresh)}`, range: `bytes=${start}-${end - 1}` }, signal }).catch((e: unknown) => {
      throw explainDriveError(e);
    });
  let res = await get(false);
  if (res.status === 401) {
    await res.body?.cancel();
    res = await get(true);
  }
  if (res.status === 404) throw new LifeboatError('not-found', 'The file is no longer on Google Drive', 'Try another destination, or another restore point');
  if (!res.ok || !res.body) {
    await res.body?.cancel();
    throw new LifeboatError('busy', `Google Drive answered ${res.status} to a download`, 'Try again later');
  }
  return Readable.fromWeb(res.body as ReadableStream<Uint8Array>);
}

/** The storage of a Drive destination; `quota()` reads the account and its storage. */
export function driveStorage(o: DriveStorageOptions): Storage & { quota(): Promise<DriveQuota> } {
  const api = driveCalls(o);
  const folders = driveFolders(api, o.folderName);
  /** Lifeboat's files under `name`, newest first (Drive allows several of one name). */
  const named = async (name: string): Promise<DriveFile[]> => {
    const { dir, file } = split(name);
    const files = await Promise.all((await folders.lookup(dir)).map((parent) => api.find(`name = '${q(file)}' and '${parent}' in parents`)));
    return ours(files.flat());
  };
  const statOf = async (name: string) => {
    const [f] = await named(name);
    return f ? infoOf(name, f) : undefined;
  };
  return {
    quota: () => readQuota(api, true),
    async check() {
      await api.call(() => api.drive.about.get({ fields: 'user(emailAddress)' }, api.per));
    },
    async save(name, from, opts: SaveOptions = {}) {
      const before = await named(name);
      const uploaded = await upload(api, o, name, from, await folders.ensure(split(name).dir), opts);
      // The name now means the new file: the ones it replaces go (permanently).
      for (const old of before) if (old.id && old.id !== uploaded.id) await api.call(() => api.drive.files.delete({ fileId: old.id as string }, api.per));
      return { size: Number(uploaded.size ?? 0), ...(uploaded.sha256Checksum ? { sha256: uploaded.sha256Checksum } : {}), ...(uploaded.id ? { id: uploaded.id } : {}) };
    },
    async load(name, opts: LoadOptions = {}) {
      const f = await statOf(name);
      if (!f?.id) throw new LifeboatError('not-found', `${name} is not on Google Drive`, 'Try another destination, or another restore point');
      const start = opts.offset ?? 0;
      const end = Math.min(f.size, opts.length === undefined ? f.size : start + opts.length);
      return end <= start ? Readable.from([]) : download(api, o, f.id, start, end, opts.signal);
    },
    stat: statOf,
    async list(prefix) {
      const byName = new Map<string, ObjectInfo>();
      for (const [id, dir] of await folders.all()) {
        if (dir === '' ? prefix.includes('/') : !(`${dir}/`.startsWith(prefix) || prefix.startsWith(`${dir}/`))) continue;
        for (const f of ours(await api.find(`'${id}' in parents`))) {
          const name = dir ? `${dir}/${f.name}` : (f.name ?? '');
          if (name.startsWith(prefix) && !byName.has(name)) byName.set(name, infoOf(name, f));
        }
      }
      return [...byName.values()];
    },
    async remove(name) {
      for (const f of await named(name)) {
        await api.call(() => api.drive.files.delete({ fileId: f.id as string }, api.per)).catch((e: unknown) => {
          if (!/not ?found|404/i.test((e as Error).message)) throw e;
        });
      }
    },
  };
}
