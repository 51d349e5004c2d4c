// The handler table behind the IPC contract, over the engine. Plain Node: the app binds it to
// ipcMain, the e2e harness to a Playwright binding.
import type { IpcHandlers } from '../../shared/ipc-contract.ts';
import type { Engine } from './engine.ts';

/** Every channel of the contract, served by `engine`. */
export function createIpcHandlers(engine: Engine): IpcHandlers {
  return {
    'status:get': async () => {
      const s = await engine.status();
      return { vaultDir: s.vaultDir, freeBytes: s.freeBytes, sources: s.sources };
    },
    'restore-points:list': async ({ sourceId }) => engine.list({ sourceId }),
    'backup:run': async ({ sourceId }) => engine.backup({ sourceId }, { trigger: 'manual' }),
    'restore-points:verify': async ({ id }) => {
      const r = await engine.verify(id);
      return { ok: r.ok, message: r.message };
    },
  };
}
