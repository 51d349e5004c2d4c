// Verify: re-hash an artifact against its manifest (stored bytes, and for compressed or encrypted
// ones the plain database inside) and re-run SQLite's integrity check on the database. Each restore
// point is checked with what opens it: an encrypted one without its key (in a vault that mixes
// passphrases and age keys) is "not checked (no key)", its stored bytes still compared, never a
// failure of the whole run.
import { identityToRecipient } from 'age-encryption';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { Manifest } from '../../../shared/model.ts';
import { checkIdentities, type DecryptWith } from '../artifact/artifact-codec.ts';
import { workDir } from '../common/data-folder.ts';
import { type EngineContext } from '../vault/context.ts';
import { ensureDir } from '../common/durable-fs.ts';
import { checkStoredBytes, openRestorePoint, UnreadableRestorePoint, type StoredAt } from '../vault/read-restore-point.ts';
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
  const result = await verifyStored(ctx, manifest, undefined, opts);
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
 * Checks `file` (a copy of the artifact, downloaded from a destination) against what `manifest` says
 * it is, like a vault's own (see verifyStored).
 */
export async function verifyArtifactFile(ctx: EngineContext, manifest: Manifest, file: string, opts: VerifyOptions = {}): Promise<VerifyResult> {
  return verifyStored(ctx, manifest, { artifactFile: file }, opts);
}

/**
 * Checks a restore point stored where `from` says (the vault by default) against its manifest: the
 * stored bytes' SHA-256, and when a key given opens it, the database's SHA-256 and SQLite's integrity
 * check. A compressed or encrypted one is decoded into Lifeboat's private scratch folder (never the
 * vault, so decrypted bytes never land there); a plain one is read where it lies.
 */
async function verifyStored(ctx: EngineContext, manifest: Manifest, from: StoredAt | undefined, opts: VerifyOptions): Promise<VerifyResult> {
  const base = { id: manifest.id, sourceId: manifest.source.id };
  const reading = { from, signal: opts.signal, onProgress: opts.onBytes };
  /** Only the stored bytes can be checked: hash them, and say why the database inside was not. */
  const storedOnly = async (why: string): Promise<VerifyResult> => {
    try {
      await checkStoredBytes(ctx, manifest, reading);
    } catch (e) {
      if (e instanceof UnreadableRestorePoint) return failed(base, manifest, e);
      throw e;
    }
    return { ...base, ok: true, status: 'unchecked', checksum: 'ok', integrity: 'skipped', message: `${NOT_CHECKED_NO_KEY}: the stored bytes match; ${why}` };
  };
  const encryption = manifest.artifact.encryption;
  const which = encryption?.kind === 'passphrase' ? `its passphrase${encryption.keyId ? ` (${encryption.keyId})` : ''}` : 'the age key it was encrypted to';
  const keys = await usableKeys(manifest, opts.keys);
  if (encryption && !keys) return storedOnly(`give ${which} to check the database inside`);

  await ensureDir(workDir(ctx));
  const temp = path.join(workDir(ctx), `${process.pid}-verify-${manifest.id}.sqlite`);
  try {
    const opened = await openRestorePoint(ctx, manifest, { ...reading, to: temp, inPlace: true, keys });
    await opened.verified;
    if (!opened.inPlace) await ctx.checkpoint('verify:decoded');
    const integrity = await checkIntegrity(opened.file, ctx.settings.read().integrityCheck);
    if (integrity.status !== 'ok') return { ...base, ok: false, status: 'failed', checksum: 'ok', integrity: 'failed', message: `SQLite's ${integrity.check} failed: ${integrity.message.split('\n')[0]}` };
    return { ...base, ok: true, status: 'ok', checksum: 'ok', integrity: 'ok', message: 'ok' };
  } catch (e) {
    if (!(e instanceof UnreadableRestorePoint)) throw e;
    return e.reason === 'wrong-key' ? storedOnly(`the keys given do not open it; give ${which}`) : failed(base, manifest, e);
  } finally {
    await rm(temp, { force: true });
  }
}

/** The result for a restore point whose stored bytes are missing, do not match, or do not decode. */
function failed(base: Pick<VerifyResult, 'id' | 'sourceId'>, manifest: Manifest, e: UnreadableRestorePoint): VerifyResult {
  if (e.reason === 'missing') return { ...base, ok: false, status: 'failed', checksum: 'missing', integrity: 'skipped', message: `the artifact ${manifest.artifact.path} is missing` };
  const message =
    e.reason === 'mismatch' ? 'the artifact does not match its SHA-256 (it was changed or damaged)' : e.reason === 'inside-mismatch' ? 'the database inside the artifact does not match its SHA-256' : e.message;
  return { ...base, ok: false, status: 'failed', checksum: 'mismatch', integrity: 'skipped', message };
}
