// Binds the handler table to ipcMain. Accepts calls only from the main frame of the app's own
// window showing the app's own page (sender-policy.ts) and validates every payload (as `unknown`)
// against the contract before any service sees it. Events go out through `send`, typed by the contract.
import { ipcMain, type IpcMainInvokeEvent, type WebContents } from 'electron';
import { channelNames, ipcContract, type IpcEventName, type IpcEvents, type IpcHandlers, type IpcResult } from '../../shared/ipc-contract.ts';
import { invokeChecked } from '../app/ipc-dispatch.ts';
import type { Log } from '../engine/common/log.ts';

/** Registers every channel; returns a function that removes them again. */
export function bindIpc(handlers: IpcHandlers, isTrusted: (event: IpcMainInvokeEvent) => boolean, log?: Log): () => void {
  for (const name of channelNames) {
    ipcMain.handle(name, async (event: IpcMainInvokeEvent, payload: unknown): Promise<IpcResult<unknown>> => {
      if (!isTrusted(event)) return { ok: false, error: { code: 'forbidden', message: 'Refused a call from outside the app\'s own window and page', hint: '' } };
      return invokeChecked(ipcContract, handlers, name, payload, log);
    });
  }
  return () => channelNames.forEach((name) => ipcMain.removeHandler(name));
}

/** Sends a contract event to the window, if it is open. */
export function sendEvent<E extends IpcEventName>(target: WebContents | undefined, event: E, payload: IpcEvents[E]): void {
  if (target && !target.isDestroyed()) target.send(event, payload);
}
