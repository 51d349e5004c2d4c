// Verify: re-hash an artifact against its manifest and re-run SQLite's integrity check on it.
import type { Manifest } from '../../shared/model.ts';
import type { EngineContext } from './context.ts';
import { hashFile } from './durable-fs.ts';
import { errorCode } from './errors.ts';
import { artifactPath } from './manifest.ts';
import { loadRestorePoint } from './restore-points.ts';
import { checkIntegrity } from './sqlite-files.ts';

export interface VerifyResult {
  id: string;
  sourceId: string;
  ok: boolean;
  checksum: 'ok' | 'mismatch' | 'missing';
  integrity: 'ok' | 'failed' | 'skipped';
  message: string;
}

/** Verifies one restore point as it stands on disk now, and records the outcome in the catalog. */
export async function verifyRestorePoint(ctx: EngineContext, idOrPrefix: string, opts: { onBytes?: (b: number) => void; signal?: AbortSignal } = {}): Promise<VerifyResult> {
  const manifest = await loadRestorePoint(ctx, idOrPrefix);
  const result = await verifyManifest(ctx, manifest, opts);
  ctx.catalog.recordVerification({ id: manifest.id, at: ctx.now().toISOString(), status: result.ok ? 'ok' : 'failed', message: result.message });
  return result;
}

async function verifyManifest(ctx: EngineContext, manifest: Manifest, opts: { onBytes?: (b: number) => void; signal?: AbortSignal }): Promise<VerifyResult> {
  const base = { id: manifest.id, sourceId: manifest.source.id };
  const file = artifactPath(ctx.vaultDir, manifest);
  let hash;
  try {
    hash = await hashFile(file, opts);
  } catch (e) {
    if (errorCode(e) !== 'ENOENT') throw e;
    return { ...base, ok: false, checksum: 'missing', integrity: 'skipped', message: `the artifact ${manifest.artifact.path} is missing` };
  }
  if (hash.sha256 !== manifest.artifact.sha256 || hash.bytes !== manifest.artifact.bytes) {
    return { ...base, ok: false, checksum: 'mismatch', integrity: 'skipped', message: `the artifact does not match its SHA-256 (it was changed or damaged)` };
  }
  const integrity = checkIntegrity(file, ctx.settings.read().integrityCheck);
  if (integrity.status !== 'ok') {
    return { ...base, ok: false, checksum: 'ok', integrity: 'failed', message: `SQLite's ${integrity.check} failed: ${integrity.message.split('\n')[0]}` };
  }
  return { ...base, ok: true, checksum: 'ok', integrity: 'ok', message: 'ok' };
}
