// Exposes `window.lifeboat`: one method per channel of the IPC contract, nothing else.
import { contextBridge, ipcRenderer } from 'electron';
import { channelNames } from '../shared/ipc-contract.ts';
import { createLifeboatApi } from '../shared/ipc-client.ts';

contextBridge.exposeInMainWorld('lifeboat', createLifeboatApi(channelNames, (channel, input) => ipcRenderer.invoke(channel, input)));
