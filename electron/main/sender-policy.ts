// Which page the main window loads and which IPC calls main answers, as plain functions (no
// Electron import) so tests check them without launching Electron. A call is answered only when it
// comes from the main frame of the app's own window while that frame shows the app's own page: not
// from another window, not from a sub-frame, not after the window was somehow navigated elsewhere.
import { pathToFileURL } from 'node:url';

/** The parts of Electron's IpcMainInvokeEvent the check reads. */
export interface IpcSenderEvent {
  sender: unknown;
  senderFrame: { url: string; parent: unknown } | null;
}

/**
 * The dev server's address, honoured only in development: in a packaged app an environment
 * variable must never load a remote page that would get the full IPC bridge.
 */
export function rendererUrlFor(isPackaged: boolean, env: NodeJS.ProcessEnv): string | undefined {
  return isPackaged ? undefined : env.ELECTRON_RENDERER_URL || undefined;
}

/** Recognises the app's own page: the dev server's origin in development, else the bundled index.html. */
export function appPageMatcher(rendererUrl: string | undefined, rendererFile: string): (url: string) => boolean {
  const parse = (url: string) => {
    try {
      const u = new URL(url);
      u.hash = '';
      u.search = '';
      return u;
    } catch {
      return undefined;
    }
  };
  if (rendererUrl) {
    const origin = new URL(rendererUrl).origin;
    return (url) => parse(url)?.origin === origin;
  }
  const page = pathToFileURL(rendererFile).href;
  return (url) => parse(url)?.href === page;
}

/** True only for a call from `contents`' main frame while it shows the app's own page. */
export function isTrustedSender(event: IpcSenderEvent, contents: unknown, isAppPage: (url: string) => boolean): boolean {
  if (contents === undefined || event.sender !== contents) return false;
  const frame = event.senderFrame;
  return frame !== null && frame.parent === null && isAppPage(frame.url);
}
