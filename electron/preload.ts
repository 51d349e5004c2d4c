// Exposes `window.lifeboat`: one method per channel of the IPC contract, nothing else.
import { contextBridge, ipcRenderer } from 'electron';
import { channelNames, type IpcResult, type LifeboatApi } from '../shared/ipc-contract.ts';

class IpcError extends Error {
  readonly code: string;
  readonly hint: string;
  constructor(error: { code: string; message: string; hint: string }) {
    super(error.message);
    this.code = error.code;
    this.hint = error.hint;
  }
}

const api = Object.fromEntries(
  channelNames.map((name) => [
    name,
    async (input: unknown) => {
      const result = (await ipcRenderer.invoke(name, input)) as IpcResult<unknown>;
      if (!result.ok) throw new IpcError(result.error);
      return result.value;
    },
  ]),
) as LifeboatApi;

contextBridge.exposeInMainWorld('lifeboat', api);
