// The handler table behind the IPC contract, over the desktop services. Plain Node: the app binds
// it to ipcMain, the e2e harness to a Playwright binding. Payloads arrive already validated by the
// contract; effects that need Electron (dialogs, the browser) come in as functions. Each screen's
// channels are served by their own module in handlers/.
import type { IpcHandlers } from '../../shared/ipc-contract.ts';
import type { HandlerDeps } from './handlers/deps.ts';
import { alertHandlers } from './handlers/alerts.ts';
import { destinationHandlers } from './handlers/destinations.ts';
import { insideHandlers } from './handlers/inside.ts';
import { overviewHandlers } from './handlers/overview.ts';
import { restoreHandlers } from './handlers/restore.ts';
import { restorePointHandlers } from './handlers/restore-points.ts';
import { sourceHandlers } from './handlers/sources.ts';

export type { HandlerDeps };
export { checkInWords } from './handlers/overview.ts';
export { recoveredInWords } from './handlers/inside.ts';

/** Every channel of the contract, served by the desktop services. */
export function createIpcHandlers(deps: HandlerDeps): IpcHandlers {
  return {
    ...overviewHandlers(deps),
    ...restorePointHandlers(deps),
    ...sourceHandlers(deps),
    ...restoreHandlers(deps),
    ...insideHandlers(deps),
    ...destinationHandlers(deps),
    ...alertHandlers(deps),
  };
}
