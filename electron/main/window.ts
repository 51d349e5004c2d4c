// The main window and its security settings. The options and the URL checks are plain data and
// functions, so tests check them without launching Electron.
import { BrowserWindow, shell } from 'electron';
import { hardenContents, mainWindowOptions } from './window-policy.ts';

/** Creates the main window and loads the renderer (the dev server in development). */
export function createMainWindow(preloadPath: string, rendererUrl: string | undefined, rendererFile: string): BrowserWindow {
  const win = new BrowserWindow(mainWindowOptions(preloadPath));
  hardenContents(win.webContents, (url) => shell.openExternal(url));
  win.once('ready-to-show', () => win.show());
  if (rendererUrl) void win.loadURL(rendererUrl);
  else void win.loadFile(rendererFile);
  return win;
}
