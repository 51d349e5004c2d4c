// What an interrupted command left behind (a killed pull's half-fetched artifact in the vault, a
// killed verify's decoded copy in the scratch folder) is removed when the next command starts, not
// only at the next backup of that source. Nothing another running process is still using is
// touched: vault folders are cleaned only under their source's lock, scratch files only when the
// process named in them is gone.
import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { sourceLockFile, workDir } from '../common/data-folder.ts';
import { type EngineContext } from './context.ts';
import { acquireLock } from '../common/locks.ts';
import { isProcessAlive } from '../common/process-alive.ts';
import { leftoversIn, removeLeftovers, sourceFolders } from './vault.ts';

/** Removes what interrupted runs left in the vault and the scratch folder; returns what went. */
export async function cleanLeftovers(ctx: EngineContext): Promise<string[]> {
  const removed: string[] = [];
  const scratch = workDir(ctx);
  for (const name of await readdir(scratch).catch(() => [] as string[])) {
    const pid = Number(/^(\d+)-/.exec(name)?.[1]);
    if (pid && pid !== process.pid && isProcessAlive(pid)) continue;
    await rm(path.join(scratch, name), { force: true, recursive: true });
    removed.push(path.join(scratch, name));
  }
  for (const sourceId of await sourceFolders(ctx.vaultDir)) {
    if ((await leftoversIn(ctx.vaultDir, sourceId)).length === 0) continue;
    let lock;
    try {
      lock = await acquireLock(sourceLockFile(ctx, sourceId), `cleaning up ${sourceId}`, { waitMs: 0 });
    } catch {
      continue; // busy: the process working on it cleans up after itself, or the next start does
    }
    try {
      for (const name of await removeLeftovers(ctx.vaultDir, sourceId)) removed.push(path.join(ctx.vaultDir, sourceId, name));
    } finally {
      await lock.release();
    }
  }
  return removed;
}
