// Verify: re-hash an artifact against its manifest (stored bytes, and for compressed or encrypted
// ones the plain database inside) and re-run SQLite's integrity check on the database.
import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { Manifest } from '../../shared/model.ts';
import { decodeArtifact, type DecryptWith } from './artifact-codec.ts';
import { workDir, type EngineContext } from './context.ts';
import { ensureDir } from './durable-fs.ts';
import { hashExpectedFile } from './safe-files.ts';
import { errorCode, isLifeboatError } from './errors.ts';
import { artifactPath } from './manifest.ts';
import { loadRestorePoint } from './restore-points.ts';
import { checkIntegrity } from './sqlite-files.ts';

export interface VerifyResult {
  id: string;
  sourceId: string;
  ok: boolean;
  checksum: 'ok' | 'mismatch' | 'missing';
  /** `skipped` when the artifact is encrypted and no key was given: only the stored bytes were checked. */
  integrity: 'ok' | 'failed' | 'skipped';
  message: string;
}

export interface VerifyOptions {
  keys?: DecryptWith;
  onBytes?: (b: number) => void;
  signal?: AbortSignal;
}

/** Verifies one restore point as it stands on disk now, and records the outcome in the catalog. */
export async function verifyRestorePoint(ctx: EngineContext, idOrPrefix: string, opts: VerifyOptions = {}): Promise<VerifyResult> {
  const manifest = await loadRestorePoint(ctx, idOrPrefix);
  const result = await verifyManifest(ctx, manifest, opts);
  ctx.catalog.recordVerification({ id: manifest.id, at: ctx.now().toISOString(), status: result.ok ? 'ok' : 'failed', message: result.message });
  return result;
}

async function verifyManifest(ctx: EngineContext, manifest: Manifest, opts: VerifyOptions): Promise<VerifyResult> {
  const base = { id: manifest.id, sourceId: manifest.source.id };
  const file = artifactPath(ctx.vaultDir, manifest);
  const missing = { ...base, ok: false, checksum: 'missing', integrity: 'skipped', message: `the artifact ${manifest.artifact.path} is missing` } as const;
  const mismatch = { ...base, ok: false, checksum: 'mismatch', integrity: 'skipped', message: 'the artifact does not match its SHA-256 (it was changed or damaged)' } as const;
  const integrityCheck = ctx.settings.read().integrityCheck;
  const checked = async (dbFile: string): Promise<VerifyResult> => {
    const integrity = await checkIntegrity(dbFile, integrityCheck);
    if (integrity.status !== 'ok') return { ...base, ok: false, checksum: 'ok', integrity: 'failed', message: `SQLite's ${integrity.check} failed: ${integrity.message.split('\n')[0]}` };
    return { ...base, ok: true, checksum: 'ok', integrity: 'ok', message: 'ok' };
  };

  const encrypted = manifest.artifact.format.includes('age');
  const haveKeys = Boolean(opts.keys?.passphrases?.length || opts.keys?.identities?.length);
  if (manifest.artifact.format === 'sqlite' || (encrypted && !haveKeys)) {
    let hash;
    try {
      hash = await hashExpectedFile(file, manifest.artifact.bytes, opts);
    } catch (e) {
      if (errorCode(e) === 'ENOENT') return missing;
      if (isLifeboatError(e) && e.code === 'tampered') return { ...mismatch, message: e.message };
      throw e;
    }
    if (hash.sha256 !== manifest.artifact.sha256 || hash.bytes !== manifest.artifact.bytes) return mismatch;
    if (manifest.artifact.format === 'sqlite') return await checked(file);
    return { ...base, ok: true, checksum: 'ok', integrity: 'skipped', message: 'stored bytes ok; give the passphrase or key to check the database inside' };
  }

  // Compressed and/or encrypted: decode into Lifeboat's private scratch folder (never the vault, so
  // decrypted bytes never land there), checking both checksums and stopping at the declared sizes.
  await ensureDir(workDir(ctx));
  const temp = path.join(workDir(ctx), `${process.pid}-verify-${manifest.id}.sqlite`);
  try {
    let decoded;
    try {
      decoded = await decodeArtifact(file, manifest.artifact.format, temp, { ...opts, expect: { storedBytes: manifest.artifact.bytes, plainBytes: manifest.database.bytes } });
    } catch (e) {
      if (errorCode(e) === 'ENOENT') return missing;
      if (isLifeboatError(e) && e.code === 'wrong-key') throw e;
      if (isLifeboatError(e)) return { ...mismatch, message: e.message };
      throw e;
    }
    await ctx.checkpoint('verify:decoded');
    if (decoded.stored.sha256 !== manifest.artifact.sha256 || decoded.stored.bytes !== manifest.artifact.bytes) return mismatch;
    if (decoded.plain.sha256 !== manifest.database.sha256 || decoded.plain.bytes !== manifest.database.bytes) {
      return { ...mismatch, message: 'the database inside the artifact does not match its SHA-256' };
    }
    return await checked(temp);
  } finally {
    await rm(temp, { force: true });
  }
}
