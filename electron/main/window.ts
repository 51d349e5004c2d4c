// The main window and its security settings. The options and the URL checks are plain data and
// functions, so tests check them without launching Electron.
import { BrowserWindow, shell, type WebContents } from 'electron';
import { isSafeExternalUrl, mainWindowOptions } from './window-policy.ts';

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
