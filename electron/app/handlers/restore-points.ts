// IPC handlers of the restore points list: listing, details, verifying, pinning, deleting (main
// asks first), backing up now, cancelling a job.
import type { IpcHandlers, RestorePointRow } from '../../../shared/ipc-contract.ts';
import { whenExact } from '../../../shared/time-words.ts';
import { filesOf } from '../../engine/vault/manifest.ts';
import type { HandlerDeps } from './deps.ts';

/** The channels of the restore points list. */
export function restorePointHandlers(deps: HandlerDeps): Pick<IpcHandlers, 'restore-points:list' | 'restore-points:details' | 'restore-points:verify' | 'restore-points:pin' | 'restore-points:delete' | 'backup:run' | 'job:cancel'> {
  const { engine, jobs, effects } = deps;
  return {
    'restore-points:list': async ({ sourceId }) => {
      const replicas = new Map<string, Record<string, RestorePointRow['replicas'][string]>>();
      for (const r of engine.replicas()) replicas.set(r.restorePointId, { ...replicas.get(r.restorePointId), [r.destinationId]: r.status });
      const verifications = engine.verifications();
      return engine.list({ sourceId }).map((m): RestorePointRow => {
        const v = verifications.get(m.id);
        return {
          id: m.id,
          sourceId: m.source.id,
          sourceName: m.source.name,
          createdAt: m.createdAt,
          trigger: m.trigger,
          bytes: m.artifact.bytes,
          databaseBytes: m.database.bytes,
          format: m.artifact.format,
          integrity: m.integrity.status,
          verified: v ? { ok: v.status === 'ok', at: v.at, message: v.message } : undefined,
          pinned: m.pinned,
          replicas: replicas.get(m.id) ?? {},
        };
      });
    },
    'restore-points:details': async ({ id }) => {
      const manifest = await engine.get(id);
      const names = new Map(engine.destinations.list().map((d) => [d.id, d.name]));
      const v = engine.verifications().get(manifest.id);
      return {
        manifest,
        replicas: engine.replicas(manifest.id).map((r) => ({ ...r, destinationName: names.get(r.destinationId) ?? `${r.destinationId} (removed)` })),
        verified: v ? { ok: v.status === 'ok', at: v.at, message: v.message } : undefined,
      };
    },
    'restore-points:verify': async ({ id }) => {
      const m = await engine.get(id);
      return jobs.run(
        { kind: 'verify', title: `Verifying a restore point of ${m.source.name}`, sourceId: m.source.id, restorePointId: m.id },
        async () => {
          const r = await engine.verify(m.id);
          return { ok: r.ok, message: r.message, checked: r.status !== 'unchecked' };
        },
        (r) => ({
          message: !r.ok ? `Verification failed: ${r.message}` : r.checked ? 'Checked: intact' : r.message,
          restorePointId: m.id,
          failed: !r.ok,
          ...(!r.ok ? { hint: 'Do not restore from this restore point; pick another one' } : {}),
        }),
      );
    },
    'restore-points:pin': async ({ id, pinned }) => (pinned ? engine.pin(id) : engine.unpin(id)),
    'restore-points:delete': async ({ id }) => {
      // Main asks, naming the file: the renderer alone cannot delete a restore point.
      const found = await engine.get(id);
      const { manifest, stored } = filesOf(engine.vaultDir, found);
      const what = stored.length
        ? `${stored.map((s) => s.file).join(', ')} and its manifest are deleted from this computer.`
        : `Its manifest ${manifest} is deleted from this computer, and the pages no other restore point needs at the next clean-up.`;
      const confirmed = await effects.confirm({
        message: `Delete the restore point of ${found.source.name} from ${whenExact(found.createdAt)}?`,
        detail: `${what} Copies at other destinations stay.`,
        confirmLabel: 'Delete',
      });
      if (!confirmed) return null;
      // The renderer refreshes after this, and status:get re-judges health.
      const m = await engine.remove(found.id);
      return { id: m.id };
    },
    'backup:run': async ({ sourceId }) => deps.backUp(sourceId, 'manual'),
    'job:cancel': async ({ jobId }) => jobs.cancel(jobId),
  };
}
