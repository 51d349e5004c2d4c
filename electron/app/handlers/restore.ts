// IPC handlers of restore and undo: main asks first, naming the real file and what the restore
// would give back and lose, and asks again when programs have the database open.
import path from 'node:path';
import type { IpcHandlers, RestoreSummary } from '../../../shared/ipc-contract.ts';
import { restoreSentence, schemaSentence } from '../../../shared/comparison-words.ts';
import { whenExact } from '../../../shared/time-words.ts';
import type { JobProgress, Manifest } from '../../../shared/model.ts';
import { LifeboatError } from '../../engine/common/errors.ts';
import type { RestoreResult } from '../../engine/restore/restore.ts';
import { holderNames } from '../../engine/snapshot/open-holders.ts';
import type { HandlerDeps } from './deps.ts';

function summary(r: RestoreResult): RestoreSummary {
  return { restoredId: r.restored.id, target: r.target, inPlace: r.inPlace, safetyCopyId: r.safetyCopy?.id, requiresRestart: r.requiresRestart, holders: r.holders };
}

/** The channels of restore and undo. */
export function restoreHandlers(deps: HandlerDeps): Pick<IpcHandlers, 'restore:run' | 'restore:undo'> {
  const { engine, jobs, effects } = deps;
  const restoreJob = (kind: 'restore' | 'undo', title: string, sourceId: string, work: (signal: AbortSignal, progress: (p: JobProgress) => void) => Promise<RestoreResult>) =>
    jobs.run({ kind, title, sourceId }, ({ signal, progress }) => work(signal, progress), (r) => ({
      // No date in a text kept for later: the activity list shows the restore point's own time.
      message: r.inPlace ? `Restored ${r.restored.source.name}${r.safetyCopy ? '; the previous database was kept as a safety copy' : ''}` : `Restored into ${r.target}`,
      restorePointId: r.restored.id,
    }));
  /**
   * What restoring `m` would change, in words, for main's confirmation: "Restoring to 02:30 gives
   * back 3 orders and loses 46 orders added since." Compared first (a job: progress in the window,
   * Cancel); undefined when it could not be compared or was cancelled: the question is asked anyway.
   */
  const whatRestoreChanges = async (m: Manifest): Promise<string | undefined> => {
    try {
      const c = await jobs.run(
        { kind: 'compare', title: `Comparing a restore point of ${m.source.name} with the database now`, sourceId: m.source.id, restorePointId: m.id, log: false },
        ({ signal, progress }) => engine.compare(m.id, undefined, { signal, onProgress: progress }),
        () => ({ message: 'Compared', restorePointId: m.id }),
      );
      return [restoreSentence(c, whenExact(m.createdAt)), schemaSentence(c)].filter(Boolean).join(' ');
    } catch {
      return undefined;
    }
  };
  /**
   * When programs have the database open, a second question from main naming them: go ahead while
   * they stay open (true), or not at all (null). False when nobody has it open.
   */
  const confirmWhileOpen = async (target: string, what: 'restore' | 'undo'): Promise<boolean | null> => {
    const users = await engine.programsUsing(target);
    if (!users?.length) return false;
    const who = holderNames(users);
    const go = await effects.confirm({
      message: `${who} has ${target} open. ${what === 'undo' ? 'Undo' : 'Restore'} while it stays open?`,
      detail: `Best: close ${who} first, then ${what === 'undo' ? 'undo' : 'restore'}. A program that keeps data in memory can write it back over the restored database. If you go ahead, restart ${who} right after.`,
      confirmLabel: what === 'undo' ? 'Undo while open' : 'Restore while open',
    });
    return go ? true : null;
  };

  return {
    'restore:run': async ({ id, toAnotherFile }) => {
      const m = await engine.get(id);
      // In place only over a database registered here (its own path, never one a manifest names);
      // any other restore point goes into a file the person chooses.
      const registered = engine.sources.list().some((s) => s.id === m.source.id);
      if (toAnotherFile || !registered) {
        const stamp = m.createdAt.slice(0, 16).replace(/[:T]/g, '-');
        const to = await effects.chooseRestoreTarget(`${path.parse(m.source.name).name}-${stamp}${path.extname(m.source.name) || '.db'}`);
        if (!to) return null;
        return summary(await restoreJob('restore', `Restoring ${m.source.name} into another file`, m.source.id, (signal, onProgress) => engine.restore({ id: m.id, to, signal, onProgress })));
      }
      // Main asks, naming the real file (the registered database's own path): the renderer alone
      // cannot replace a database.
      const target = engine.restoreTarget(m);
      const changes = await whatRestoreChanges(m);
      const confirmed = await effects.confirm({
        message: `Replace ${target} with the restore point of ${whenExact(m.createdAt)}?`,
        detail: `${changes ? `${changes}\n\n` : ''}A safety copy of the database as it is now is taken first, so this can be undone. A program that has the database open sees the restored data; restart it afterwards so it forgets what it had in memory.`,
        confirmLabel: 'Restore',
      });
      if (!confirmed) return null;
      const whileOpen = await confirmWhileOpen(target, 'restore');
      if (whileOpen === null) return null;
      return summary(await restoreJob('restore', `Restoring ${m.source.name}`, m.source.id, (signal, onProgress) => engine.restore({ id: m.id, signal, onProgress, whileOpen })));
    },
    'restore:undo': async () => {
      const change = engine.lastChange();
      if (!change) {
        // Says precisely why there is nothing to undo (no restore yet, no safety copy, pruned).
        await engine.undo();
        throw new LifeboatError('unknown-restore-point', 'There is no restore to undo', 'Undo brings back the safety copy taken before the last restore');
      }
      const safety = change.safetyCopy;
      const target = engine.restoreTarget(safety);
      const confirmed = await effects.confirm({
        message: `Put ${target} back as it was ${whenExact(safety.createdAt)}, ${change.reason === 'recover' ? 'before rows were brought back into it' : change.reason === 'undo' ? 'before the last undo' : 'before the last restore'}?`,
        detail: 'A safety copy of the database as it is now is taken first, so the undo can be undone too.',
        confirmLabel: 'Undo',
      });
      if (!confirmed) return null;
      const whileOpen = await confirmWhileOpen(target, 'undo');
      if (whileOpen === null) return null;
      const title = change.reason === 'recover' ? `Taking back the rows brought into ${safety.source.name}` : `Undoing the ${change.reason} of ${safety.source.name}`;
      return summary(await restoreJob('undo', title, safety.source.id, (signal, onProgress) => engine.undo({ sourceId: safety.source.id, signal, onProgress, whileOpen })));
    },
  };
}
