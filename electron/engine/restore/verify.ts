// Verify: re-hash an artifact against its manifest (stored bytes, and for compressed or encrypted
// ones the plain database inside) and re-run SQLite's integrity check on the database. Each restore
// point is checked with what opens it: an encrypted one without its key (in a vault that mixes
// passphrases and age keys) is "not checked (no key)", its stored bytes still compared, never a
// failure of the whole run.
import { identityToRecipient } from 'age-encryption';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { Manifest } from '../../../shared/model.ts';
import { checkIdentities, decodeArtifact, type DecryptWith } from '../artifact/artifact-codec.ts';
import { workDir } from '../common/data-folder.ts';
import { type EngineContext } from '../vault/context.ts';
import { ensureDir } from '../common/durable-fs.ts';
import { hashExpectedFile } from '../common/safe-files.ts';
import { errorCode, isLifeboatError } from '../common/errors.ts';
import { artifactPath } from '../vault/manifest.ts';
import { loadRestorePoint } from '../vault/restore-points.ts';
import { checkIntegrity } from '../snapshot/sqlite-files.ts';

export interface VerifyResult {
  id: string;
  sourceId: string;
  /** False only when something is wrong (`status` failed); a point not checked for want of a key is not wrong. */
  ok: boolean;
  /** ok: both checks passed; failed: a checksum or the integrity check failed; unchecked: encrypted and no key opens it, so only the stored bytes were checked. */
  status: 'ok' | 'failed' | 'unchecked';
  checksum: 'ok' | 'mismatch' | 'missing';
  /** `skipped` when the artifact is encrypted and no key given opens it: only the stored bytes were checked. */
  integrity: 'ok' | 'failed' | 'skipped';
  message: string;
}

export interface VerifyOptions {
  keys?: DecryptWith;
  onBytes?: (b: number) => void;
  signal?: AbortSignal;
}

/** The words for a restore point checked without its key. */
export const NOT_CHECKED_NO_KEY = 'not checked (no key)';

/** Verifies one restore point as it stands on disk now, and records the outcome in the catalog. */
export async function verifyRestorePoint(ctx: EngineContext, idOrPrefix: string, opts: VerifyOptions = {}): Promise<VerifyResult> {
  const manifest = await loadRestorePoint(ctx, idOrPrefix);
  const result = await verifyArtifactFile(ctx, manifest, artifactPath(ctx.vaultDir, manifest), opts);
  ctx.catalog.recordVerification({ id: manifest.id, at: ctx.now().toISOString(), status: result.ok ? 'ok' : 'failed', message: result.message });
  return result;
}

/** The keys among `keys` that can open an artifact encrypted as `manifest` says (recipients are compared, passphrases tried). */
async function usableKeys(manifest: Manifest, keys: DecryptWith | undefined): Promise<DecryptWith | undefined> {
  const encryption = manifest.artifact.encryption;
  if (!encryption) return keys;
  if (encryption.kind === 'passphrase') return keys?.passphrases?.length ? { passphrases: keys.passphrases } : undefined;
  // A damaged key is a clear error, not a silent "not checked (no key)".
  await checkIdentities(keys?.identities ?? []);
  const identities: string[] = [];
  for (const identity of keys?.identities ?? []) {
    const recipient = await identityToRecipient(identity).catch(() => undefined);
    if (recipient && encryption.recipients.includes(recipient)) identities.push(identity);
  }
  return identities.length ? { identities } : undefined;
}

/**
 * Checks `file` against what `manifest` says it is: the stored bytes' SHA-256, and when it can be
 * opened, the plain database's SHA-256 and SQLite's integrity check. Used for the vault's artifacts
 * and for copies downloaded from a destination.
 */
export async function verifyArtifactFile(ctx: EngineContext, manifest: Manifest, file: string, opts: VerifyOptions = {}): Promise<VerifyResult> {
  const base = { id: manifest.id, sourceId: manifest.source.id };
  const missing = { ...base, ok: false, status: 'failed', checksum: 'missing', integrity: 'skipped', message: `the artifact ${manifest.artifact.path} is missing` } as const;
  const mismatch = { ...base, ok: false, status: 'failed', checksum: 'mismatch', integrity: 'skipped', message: 'the artifact does not match its SHA-256 (it was changed or damaged)' } as const;
  const integrityCheck = ctx.settings.read().integrityCheck;
  const checked = async (dbFile: string): Promise<VerifyResult> => {
    const integrity = await checkIntegrity(dbFile, integrityCheck);
    if (integrity.status !== 'ok') return { ...base, ok: false, status: 'failed', checksum: 'ok', integrity: 'failed', message: `SQLite's ${integrity.check} failed: ${integrity.message.split('\n')[0]}` };
    return { ...base, ok: true, status: 'ok', checksum: 'ok', integrity: 'ok', message: 'ok' };
  };
  /** Only the stored bytes can be checked: hash them, and say why the database inside was not. */
  const storedOnly = async (why: string): Promise<VerifyResult> => {
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
    return { ...base, ok: true, status: 'unchecked', checksum: 'ok', integrity: 'skipped', message: `${NOT_CHECKED_NO_KEY}: the stored bytes match; ${why}` };
  };

  if (manifest.artifact.format === 'sqlite') return storedOnly('');
  const encryption = manifest.artifact.encryption;
  const keys = await usableKeys(manifest, opts.keys);
  const which = encryption?.kind === 'passphrase' ? `its passphrase${encryption.keyId ? ` (${encryption.keyId})` : ''}` : 'the age key it was encrypted to';
  if (encryption && !keys) return storedOnly(`give ${which} to check the database inside`);

  // Compressed and/or encrypted: decode into Lifeboat's private scratch folder (never the vault, so
  // decrypted bytes never land there), checking both checksums and stopping at the declared sizes.
  await ensureDir(workDir(ctx));
  const temp = path.join(workDir(ctx), `${process.pid}-verify-${manifest.id}.sqlite`);
  try {
    let decoded;
    try {
      decoded = await decodeArtifact(file, manifest.artifact.format, temp, { ...opts, keys, expect: { storedBytes: manifest.artifact.bytes, plainBytes: manifest.database.bytes } });
    } catch (e) {
      if (errorCode(e) === 'ENOENT') return missing;
      if (isLifeboatError(e) && e.code === 'wrong-key') return storedOnly(`the keys given do not open it; give ${which}`);
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
