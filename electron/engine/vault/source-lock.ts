// One source at a time: every job that reads or writes a source's restore points (backup, restore,
// prune, pull) holds its lock, a SQLite file lock under locks/ that the OS drops if the process dies.
import { sourceLockFile } from '../common/data-folder.ts';
import { withLock } from '../common/locks.ts';
import type { EngineContext } from './context.ts';
import { settleVaultMove } from './vault-move.ts';

/**
 * Runs `fn` holding a source's lock, once the vault can be written: refused (busy) while another
 * process moves the vault, after finishing a move that was interrupted, and in the folder settings
 * name now (a move made by another process is followed).
 */
export async function withSourceLock<T>(ctx: EngineContext, sourceId: string, what: string, fn: () => Promise<T>, opts?: { waitMs?: number }): Promise<T> {
  return withLock(
    sourceLockFile(ctx, sourceId),
    what,
    async () => {
      await settleVaultMove(ctx);
      return fn();
    },
    opts,
  );
}
