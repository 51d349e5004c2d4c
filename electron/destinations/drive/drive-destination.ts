// Google Drive as a destination: a visible folder (default "Lifeboat Backups/<source>/"), the
// artifact under the vault's name, its exported manifest beside it, and appProperties marking
// Lifeboat's files so that a new machine finds them with only the Google account. Small files go
// in one request, larger ones through the resumable protocol; Drive's own SHA-256 of what it holds
// is compared with the artifact's. Deletes are permanent (trash still counts against the quota).
import { drive as driveApi, type drive_v3 } from '@googleapis/drive';
import type { OAuth2Client } from 'google-auth-library';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { manifestSchema, type Destination, type Manifest } from '../../../shared/model.ts';
import type { DestinationDriver, RemoteRestorePoint } from '../../engine/storage/destination.ts';
import { fsyncFile, hashingStream } from '../../engine/common/durable-fs.ts';
import { LifeboatError, errorCode, isLifeboatError } from '../../engine/common/errors.ts';
import { formatBytes } from '../../../shared/bytes.ts';
import { MANIFEST_MAX_BYTES, manifestForExport, serializeManifest } from '../../engine/vault/manifest.ts';
import { restorePointFiles } from '../../engine/vault/names.ts';
import { explainGoogleAuthError } from './google-auth.ts';
import type { GoogleEndpoints } from './google-endpoints.ts';
import { fileSessionStore, resumableUpload } from './resumable-upload.ts';

const FOLDER_MIME = 'application/vnd.google-apps.folder';
const SIMPLE_LIMIT = 5 * 1024 * 1024;

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

const q = (s: string) => s.replace(/\\/g, '\\\\').replace(/'/g, "\\'");

/** The Drive destination's driver. `auth` carries the refresh token. */
export function driveDestination(
  dest: Extract<Destination, { kind: 'drive' }>,
  deps: { auth: OAuth2Client; endpoints: GoogleEndpoints; sessionsDir: string; sleep?: (ms: number) => Promise<void>; memo?: Map<string, unknown> },
): DestinationDriver & { quota(): Promise<DriveQuota> } {
  const rootUrl = `${deps.endpoints.apiRoot}/`;
  const drive: drive_v3.Drive = driveApi({ version: 'v3', auth: deps.auth, rootUrl });
  // The client applies its global rootUrl to metadata URLs but builds media-upload URLs from the
  // per-call options: every call passes it, so nothing escapes LIFEBOAT_GOOGLE_API_ROOT.
  const per = { rootUrl };
  const folders = new Map<string, string>();
  const token = async (fresh: boolean): Promise<string> => {
    try {
      if (fresh) deps.auth.credentials = { ...deps.auth.credentials, access_token: undefined, expiry_date: 0 };
      const { token: t } = await deps.auth.getAccessToken();
      if (!t) throw new Error('no access token');
      return t;
    } catch (e) {
      throw explainGoogleAuthError(e);
    }
  };
  const explain = (e: unknown): unknown => {
    if (isLifeboatError(e)) return e;
    const auth = explainGoogleAuthError(e);
    if (auth !== e) return auth;
    const status = (e as { status?: number; code?: number | string }).status ?? (e as { code?: number }).code;
    const message = (e as Error).message ?? String(e);
    if (/storageQuotaExceeded/.test(message)) return new LifeboatError('disk-full', 'Google Drive is full', 'Free space in Google Drive or buy more storage; the restore point is safe in the vault');
    if (['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNRESET'].includes(errorCode(e) ?? '') || /fetch failed|ECONNREFUSED|ENOTFOUND/.test(message)) {
      return new LifeboatError('busy', 'Google Drive cannot be reached', 'Check the network; uploads resume when it is back');
    }
    return new LifeboatError('busy', `Google Drive answered an error${status ? ` (${status})` : ''}: ${message}`, 'It will be retried later');
  };
  const call = async <T>(fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (e) {
      throw explain(e);
    }
  };

  const findOne = async (query: string): Promise<drive_v3.Schema$File | undefined> =>
    (await call(() => drive.files.list({ q: `${query} and trashed = false`, fields: 'files(id,name,size,sha256Checksum,md5Checksum,appProperties)', pageSize: 10 }, per))).data.files?.[0];
  const listAll = async (query: string): Promise<drive_v3.Schema$File[]> => {
    const out: drive_v3.Schema$File[] = [];
    let pageToken: string | undefined;
    do {
      const res = await call(() => drive.files.list({ q: `${query} and trashed = false`, fields: 'nextPageToken,files(id,name,size,sha256Checksum,md5Checksum,appProperties)', pageSize: 1000, pageToken }, per));
      out.push(...(res.data.files ?? []));
      pageToken = res.data.nextPageToken ?? undefined;
    } while (pageToken);
    return out;
  };
  const folder = async (key: string, name: string, parent: string, props: Record<string, string>): Promise<string> => {
    const cached = folders.get(key);
    if (cached) return cached;
    const propQuery = Object.entries(props).map(([k, v]) => `appProperties has { key='${q(k)}' and value='${q(v)}' }`).join(' and ');
    const found = await findOne(`mimeType = '${FOLDER_MIME}' and ${propQuery}`);
    const id =
      found?.id ??
      (await call(() => drive.files.create({ requestBody: { name, mimeType: FOLDER_MIME, parents: [parent], appProperties: props }, fields: 'id' }, per))).data.id;
    if (!id) throw new LifeboatError('busy', 'Google Drive did not create the folder', 'It will be retried later');
    folders.set(key, id);
    return id;
  };
  const sourceFolder = async (sourceId: string) => {
    const root = await folder('root', dest.folderName, 'root', { lifeboat: 'root' });
    return folder(`source:${sourceId}`, sourceId, root, { lifeboat: 'source', sourceId });
  };

  const quota = async (): Promise<DriveQuota> => {
    const about = (await call(() => drive.about.get({ fields: 'user(emailAddress),storageQuota' }, per))).data;
    const ours = await listAll(`appProperties has { key='lifeboat' and value='artifact' }`);
    const n = (v: string | null | undefined) => (v ? Number(v) : 0);
    const limit = about.storageQuota?.limit ? Number(about.storageQuota.limit) : undefined;
    const usage = n(about.storageQuota?.usage);
    const used = limit ? usage / limit : 0;
    return {
      email: about.user?.emailAddress ?? '',
      limit,
      usage,
      usageInDrive: n(about.storageQuota?.usageInDrive),
      usageInTrash: n(about.storageQuota?.usageInDriveTrash),
      lifeboatBytes: ours.reduce((s, f) => s + n(f.size), 0),
      level: used >= 0.95 ? 'critical' : used >= 0.8 ? 'warning' : 'ok',
    };
  };

  /** Downloads a small file, stopping (too-large) as soon as it exceeds `limit` bytes. */
  const downloadSmall = async (fileId: string, limit: number): Promise<string> => {
    const res = await call(() => drive.files.get({ fileId, alt: 'media' }, { ...per, responseType: 'stream' }));
    const body = res.data as unknown as Readable;
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of body) {
      size += (chunk as Buffer).length;
      if (size > limit) {
        body.destroy();
        throw new LifeboatError('too-large', `is more than ${formatBytes(limit)}, more than a manifest can be`);
      }
      chunks.push(chunk as Buffer);
    }
    return Buffer.concat(chunks).toString('utf8');
  };

  const simpleUpload = async (name: string, parent: string, props: Record<string, string>, body: Readable) =>
    (await call(() => drive.files.create({ requestBody: { name, parents: [parent], appProperties: props }, media: { mimeType: 'application/octet-stream', body }, fields: 'id,size,sha256Checksum,md5Checksum' }, per))).data;

  return {
    quota,
    async check() {
      await call(() => drive.about.get({ fields: 'user(emailAddress)' }, per));
    },
    async put(manifest: Manifest, artifactFile, opts) {
      const size = (await stat(artifactFile)).size;
      const q0 = await quota();
      if (q0.limit !== undefined && q0.usage + size > q0.limit) {
        throw new LifeboatError('disk-full', `Google Drive is full: ${formatBytes(Math.max(0, q0.limit - q0.usage))} free, ${formatBytes(size)} needed`, 'Free space in Google Drive (emptying the trash counts) or buy more storage; the restore point is safe in the vault');
      }
      const parent = await sourceFolder(manifest.source.id);
      const files = restorePointFiles(manifest.source.id, manifest.id, manifest.artifact.format);
      const props = { lifeboat: 'artifact', restorePointId: manifest.id, sourceId: manifest.source.id };
      let uploaded = await findOne(`appProperties has { key='lifeboat' and value='artifact' } and appProperties has { key='restorePointId' and value='${manifest.id}' }`);
      if (!uploaded || uploaded.sha256Checksum !== manifest.artifact.sha256) {
        if (size <= SIMPLE_LIMIT) {
          uploaded = await simpleUpload(files.artifactName, parent, props, createReadStream(artifactFile));
          opts.onBytes?.(size);
        } else {
          // Keyed by the bytes too: a re-encoded artifact never resumes a session of other bytes.
          const store = fileSessionStore(deps.sessionsDir, `${dest.id}-${manifest.id}-${manifest.artifact.sha256.slice(0, 16)}`);
          try {
            uploaded = await resumableUpload(artifactFile, size, { name: files.artifactName, parents: [parent], appProperties: props }, store, { apiRoot: deps.endpoints.apiRoot, token, sleep: deps.sleep, retryBaseMs: dest.retryBaseMs }, { chunkSize: dest.chunkBytes, onBytes: opts.onBytes, signal: opts.signal });
          } catch (e) {
            throw explain(e);
          }
        }
      }
      const remoteSha = uploaded.sha256Checksum;
      const remoteMd5 = uploaded.md5Checksum;
      const localMd5 = !remoteSha && remoteMd5 ? createHash('md5').update(await readFile(artifactFile)).digest('hex') : undefined;
      if ((remoteSha && remoteSha !== manifest.artifact.sha256) || (localMd5 && localMd5 !== remoteMd5) || Number(uploaded.size) !== manifest.artifact.bytes) {
        if (uploaded.id) await call(() => drive.files.delete({ fileId: uploaded.id as string }, per));
        throw new LifeboatError('tampered', 'The copy on Google Drive does not match the restore point\'s checksum', 'It will be uploaded again');
      }
      const existingManifest = await findOne(`appProperties has { key='lifeboat' and value='manifest' } and appProperties has { key='restorePointId' and value='${manifest.id}' }`);
      if (!existingManifest) {
        await simpleUpload(files.manifestName, parent, { lifeboat: 'manifest', restorePointId: manifest.id, sourceId: manifest.source.id }, Readable.from([Buffer.from(serializeManifest(manifestForExport(manifest)))]));
      }
      return { remoteId: uploaded.id as string, bytes: size, sha256: manifest.artifact.sha256 };
    },
    async list() {
      const manifests = await listAll(`appProperties has { key='lifeboat' and value='manifest' }`);
      const artifacts = new Map((await listAll(`appProperties has { key='lifeboat' and value='artifact' }`)).map((f) => [f.appProperties?.restorePointId, f]));
      const points: RemoteRestorePoint[] = [];
      const problems: string[] = [];
      for (const f of manifests) {
        const name = `The manifest ${f.name ?? f.id} on ${dest.name}`;
        // A manifest file on Drive is written once and never changed: one read per file id is enough.
        const key = `drive-manifest:${f.id}`;
        let m = deps.memo?.get(key) as Manifest | undefined;
        if (!m) {
          // A manifest is a few KB: a larger one is refused before it is downloaded or parsed.
          if (Number(f.size ?? 0) > MANIFEST_MAX_BYTES) {
            problems.push(`${name} is ${formatBytes(Number(f.size))}, more than a manifest can be; it was not read`);
            continue;
          }
          let text: string;
          try {
            text = await downloadSmall(f.id as string, MANIFEST_MAX_BYTES);
          } catch (e) {
            if (isLifeboatError(e) && e.code === 'too-large') {
              problems.push(`${name} ${e.message}; it was not read`);
              continue;
            }
            throw explain(e);
          }
          let parsed;
          try {
            parsed = manifestSchema.safeParse(JSON.parse(text));
          } catch {
            problems.push(`${name} is not valid JSON`);
            continue;
          }
          if (!parsed.success) {
            problems.push(`${name} is not a valid Lifeboat manifest (${parsed.error.issues[0]?.path.join('.') ?? ''}: ${parsed.error.issues[0]?.message ?? 'unknown problem'})`);
            continue;
          }
          m = parsed.data;
          deps.memo?.set(key, m);
        }
        const names = restorePointFiles(m.source.id, m.id, m.artifact.format);
        const artifact = artifacts.get(m.id);
        if (f.name !== names.manifestName || !artifact?.id || artifact.name !== names.artifactName) {
          problems.push(`${name} does not match its artifact's name (or the artifact is missing)`);
          continue;
        }
        points.push({ manifest: m, remoteId: artifact.id });
      }
      // Forget the manifests of files that are gone, so what is kept stays as small as the listing.
      const listed = new Set(manifests.map((f) => `drive-manifest:${f.id}`));
      for (const key of deps.memo?.keys() ?? []) if (key.startsWith('drive-manifest:') && !listed.has(key)) deps.memo?.delete(key);
      return { points, problems };
    },
    async fetch(point, toFile, opts) {
      // Download with resume: after a dropped connection, ask for the rest with a Range header.
      const hasher = hashingStream(opts.onBytes);
      const out = createWriteStream(toFile, { flags: 'wx', mode: 0o600 });
      const done = pipeline(hasher, out);
      const declared = point.manifest.artifact.bytes;
      let have = 0;
      let failures = 0;
      try {
        while (have < declared) {
          try {
            const res = await fetch(`${deps.endpoints.apiRoot}/drive/v3/files/${point.remoteId}?alt=media`, {
              headers: { authorization: `Bearer ${await token(failures > 0)}`, ...(have > 0 ? { range: `bytes=${have}-` } : {}) },
              signal: opts.signal,
            });
            if (!res.ok || !res.body) throw new LifeboatError('busy', `Google Drive answered ${res.status} to a download`, 'Try again later');
            for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
              // Never more than the manifest declares: a download that keeps coming is stopped here.
              if (have + chunk.length > declared) throw new LifeboatError('tampered', `Google Drive sent more than the ${formatBytes(declared)} the manifest of ${point.manifest.id} declares`, 'Try another destination, or another restore point');
              have += chunk.length;
              if (!hasher.write(chunk)) await new Promise((r) => hasher.once('drain', r));
            }
            if (have < declared) throw new Error('download ended early');
          } catch (e) {
            if (isLifeboatError(e) && e.code !== 'busy') throw e;
            if (++failures > 6) throw explain(e);
            await (deps.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms))))(Math.min(1000 * 2 ** failures, 30_000));
          }
        }
        hasher.end();
        await done;
      } catch (e) {
        hasher.destroy();
        out.destroy();
        await done.catch(() => undefined);
        throw e;
      }
      await fsyncFile(toFile);
      return hasher.result();
    },
    async remove(point) {
      const manifestFile = await findOne(`appProperties has { key='lifeboat' and value='manifest' } and appProperties has { key='restorePointId' and value='${point.manifest.id}' }`);
      await call(() => drive.files.delete({ fileId: point.remoteId }, per));
      if (manifestFile?.id) await call(() => drive.files.delete({ fileId: manifestFile.id as string }, per));
    },
  };
}
