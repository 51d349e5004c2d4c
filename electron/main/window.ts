// The main window and its security settings. The options and the URL checks are plain data and
// functions, so tests check them without launching Electron.
import { BrowserWindow, shell, type BrowserWindowConstructorOptions, type WebContents } from 'electron';

/** The window's options: context isolation, sandbox, no Node, no webviews. */
export function mainWindowOptions(preloadPath: string): BrowserWindowConstructorOptions {
  return {
    width: 1100,
    height: 760,
    minWidth: 800,
    minHeight: 560,
    show: false,
    title: 'Lifeboat',
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webviewTag: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      spellcheck: false,
    },
  };
}

/** Only a well-formed https: URL may be handed to the system browser. */
export function isSafeExternalUrl(raw: string): boolean {
  try {
    const url = new URL(raw);
    return url.protocol === 'https:' && url.username === '' && url.password === '' && url.hostname.length > 0;
  } catch {
    return false;
  }
}

/** Locks a window's contents down: no navigation, no new windows, no permissions. */
export function hardenContents(contents: WebContents, openExternal: (url: string) => Promise<void> = shell.openExternal): void {
  contents.setWindowOpenHandler(({ url }) => {
    if (isSafeExternalUrl(url)) void openExternal(url);
    return { action: 'deny' };
  });
  contents.on('will-navigate', (event) => event.preventDefault());
  contents.on('will-redirect', (event) => event.preventDefault());
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.session.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  contents.session.setPermissionCheckHandler(() => false);
}

/** Creates the main window and loads the renderer (the dev server in development). */
export function createMainWindow(preloadPath: string, rendererUrl: string | undefined, rendererFile: string): BrowserWindow {
  const win = new BrowserWindow(mainWindowOptions(preloadPath));
  hardenContents(win.webContents);
  win.once('ready-to-show', () => win.show());
  if (rendererUrl) void win.loadURL(rendererUrl);
  else void win.loadFile(rendererFile);
  return win;
}
