// Exposes `window.lifeboat`: one method per channel of the IPC contract and `on` for its events,
// nothing else. Listeners get the payload only, never the IPC event (which carries the sender).
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { channelNames, ipcEventNames } from '../shared/ipc-contract.ts';
import { createLifeboatApi } from '../shared/ipc-client.ts';

contextBridge.exposeInMainWorld(
  'lifeboat',
  createLifeboatApi(
    channelNames,
    (channel, input) => ipcRenderer.invoke(channel, input),
    ipcEventNames,
    (event, listener) => {
      const forward = (_e: IpcRendererEvent, payload: unknown) => listener(payload);
      ipcRenderer.on(event, forward);
      return () => ipcRenderer.off(event, forward);
    },
  ),
);
