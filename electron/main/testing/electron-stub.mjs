// A stand-in for the `electron` module, for checking the built shell (out/main/index.js) under plain
// Node: it records what main asks Electron for (the window's preload and page, tray icons, IPC
// channels, native dialogs, in order), then plays a short session through the recorded IPC handlers
// (calls from a foreign window, a sub-frame and a main frame showing another page; adding a database
// through the "open" dialog; a backup; a look inside it and a comparison with the database; an
// in-place restore and a delete, each answered "Cancel" and then "Restore" in main's native dialog) and writes the record as JSON to $STUB_REPORT. Loaded by
// electron-hooks.mjs; used by shell-paths.test.ts.
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const events = [];
const handlers = new Map();
const appListeners = new Map();
const windows = [];
const dialogs = [];
/** The buttons main's message boxes answer with, in order (0 = go ahead, 1 = Cancel). */
const answers = [];
const log = (what, detail = {}) => events.push({ what, ...detail });

if (process.env.STUB_PACKAGED === '1') process.resourcesPath = process.env.STUB_RESOURCES;

class WebContents {
  constructor(id) {
    this.id = id;
    this.session = { setPermissionRequestHandler() {}, setPermissionCheckHandler() {} };
    this.mainFrame = { url: 'about:blank', parent: null };
  }
  setWindowOpenHandler() {}
  on() {}
  send() {}
  isDestroyed() {
    return false;
  }
}

export const app = {
  isPackaged: process.env.STUB_PACKAGED === '1',
  enableSandbox: () => log('enableSandbox'),
  requestSingleInstanceLock: () => true,
  whenReady: () => Promise.resolve(),
  getAppPath: () => process.env.STUB_APP_PATH,
  getPath: (name) => path.join(os.tmpdir(), `lifeboat-stub-${name}`),
  getLoginItemSettings: () => ({ wasOpenedAtLogin: false }),
  setLoginItemSettings() {},
  on: (event, fn) => appListeners.set(event, fn),
  quit: () => log('quit'),
};

export class BrowserWindow {
  constructor(options) {
    this.options = options;
    this.webContents = new WebContents(1);
    windows.push(this);
    log('window', { preload: options.webPreferences?.preload, sandbox: options.webPreferences?.sandbox, contextIsolation: options.webPreferences?.contextIsolation });
  }
  loadFile(file) {
    log('loadFile', { file });
    this.webContents.mainFrame.url = pathToFileURL(file).href;
    return Promise.resolve();
  }
  loadURL(url) {
    log('loadURL', { url });
    this.webContents.mainFrame.url = url;
    return Promise.resolve();
  }
  once() {}
  on() {}
  show() {}
  hide() {}
  focus() {}
  restore() {}
  isMinimized() {
    return false;
  }
}

export const ipcMain = {
  handle(channel, fn) {
    handlers.set(channel, fn);
    log('ipc', { channel });
  },
  removeHandler: (channel) => handlers.delete(channel),
};
export const dialog = {
  showOpenDialog: async () => ({ canceled: false, filePaths: [process.env.STUB_DATABASE] }),
  showSaveDialog: async () => ({ canceled: true }),
  showMessageBox: async (windowOrOptions, maybeOptions) => {
    const options = maybeOptions ?? windowOrOptions;
    dialogs.push({ message: options.message, detail: options.detail, buttons: options.buttons, cancelId: options.cancelId });
    return { response: answers.shift() ?? options.cancelId };
  },
};
export const net = { isOnline: () => true };
export class Notification {
  static isSupported() {
    return false;
  }
  show() {}
}
export const powerMonitor = { on() {} };
export const powerSaveBlocker = { start: () => 1, stop() {} };
export const shell = { openExternal: async () => undefined };
export class Tray {
  constructor(image) {
    log('trayIcon', { file: image.path });
  }
  setImage(image) {
    log('trayIcon', { file: image.path });
  }
  setToolTip() {}
  setContextMenu() {}
  destroy() {}
}
export const Menu = { buildFromTemplate: (template) => template };
export const nativeImage = { createFromPath: (file) => ({ path: file }) };
export const safeStorage = {
  isEncryptionAvailable: () => true,
  getSelectedStorageBackend: () => 'gnome_libsecret',
  encryptString: (s) => Buffer.from(s),
  decryptString: (b) => b.toString(),
};
export default { app, BrowserWindow, ipcMain, dialog, net, Notification, powerMonitor, powerSaveBlocker, shell, Tray, Menu, nativeImage, safeStorage };

/** Once main has opened its window, plays the session and writes the report. */
async function session() {
  const deadline = Date.now() + 60_000;
  while (!(windows.length > 0 && handlers.size > 0 && events.some((e) => e.what === 'loadFile' || e.what === 'loadURL'))) {
    if (Date.now() > deadline) throw new Error('main never opened its window');
    await new Promise((r) => setTimeout(r, 50));
  }
  const contents = windows[0].webContents;
  const own = { sender: contents, senderFrame: contents.mainFrame };
  const foreign = { sender: new WebContents(2), senderFrame: { url: contents.mainFrame.url, parent: null } };
  const subFrame = { sender: contents, senderFrame: { url: contents.mainFrame.url, parent: contents.mainFrame } };
  const elsewhere = { sender: contents, senderFrame: { url: 'https://attacker.example/', parent: null } };
  const call = (event, channel, payload) => handlers.get(channel)(event, payload);
  const calls = {
    foreign: await call(foreign, 'status:get', undefined),
    subFrame: await call(subFrame, 'status:get', undefined),
    elsewhere: await call(elsewhere, 'status:get', undefined),
    add: await call(own, 'sources:choose', undefined),
  };
  calls.destinations = await call(own, 'destinations:kinds', undefined);
  calls.backup = calls.add.ok ? await call(own, 'backup:run', { sourceId: calls.add.value.source.id }) : undefined;
  if (calls.backup?.ok) {
    const id = calls.backup.value.id;
    // Looking inside and comparing run in the inside worker (its own file in the build).
    calls.contents = await call(own, 'inside:contents', { id });
    calls.compare = await call(own, 'inside:compare', { id });
    answers.push(1);
    calls.restoreCancelled = await call(own, 'restore:run', { id });
    calls.listAfterCancel = await call(own, 'restore-points:list', {});
    answers.push(0);
    calls.restore = await call(own, 'restore:run', { id });
    answers.push(1);
    calls.deleteCancelled = await call(own, 'restore-points:delete', { id });
    calls.list = await call(own, 'restore-points:list', {});
  }
  writeFileSync(process.env.STUB_REPORT, JSON.stringify({ events, calls, dialogs }, null, 2));
  appListeners.get('will-quit')?.();
  process.exit(0);
}
void session().catch((e) => {
  writeFileSync(process.env.STUB_REPORT, JSON.stringify({ events, error: String(e?.stack ?? e) }, null, 2));
  process.exit(1);
});
