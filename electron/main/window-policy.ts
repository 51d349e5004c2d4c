// The main window's security settings and the URL check, as plain data and functions (no Electron
// import), so that tests check them without launching Electron.
import type { BrowserWindowConstructorOptions, WebContents } from 'electron';

/** The window's options: context isolation, sandbox, no Node, no webviews, web security on. */
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
      nodeIntegrationInSubFrames: false,
      webviewTag: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      spellcheck: false,
    },
  };
}

/** Only a well-formed https: URL without credentials may be handed to the system browser. */
export function isSafeExternalUrl(raw: string): boolean {
  try {
    const url = new URL(raw);
    return url.protocol === 'https:' && url.username === '' && url.password === '' && url.hostname.length > 0;
  } catch {
    return false;
  }
}

/** The Content-Security-Policy the renderer's page declares. */
export const RENDERER_CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** The parts of WebContents the lockdown uses (so a test can hand in a stand-in). */
export type HardenableContents = Pick<WebContents, 'setWindowOpenHandler' | 'on'> & { session: Pick<WebContents['session'], 'setPermissionRequestHandler' | 'setPermissionCheckHandler'> };

/**
 * Locks a window's contents down: no navigation or redirects, no new windows (a checked https: link
 * goes to the system browser instead), no webviews, every permission denied.
 */
export function hardenContents(contents: HardenableContents, openExternal: (url: string) => Promise<void>): void {
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
