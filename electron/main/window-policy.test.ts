// The security baseline, checked without launching Electron.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { RENDERER_CSP, hardenContents, isSafeExternalUrl, mainWindowOptions, type HardenableContents } from './window-policy.ts';

it('keeps the renderer isolated: context isolation, sandbox, no Node, no webviews', () => {
  expect(mainWindowOptions('/p/preload.cjs').webPreferences).toMatchObject({
    preload: '/p/preload.cjs',
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webviewTag: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
  });
});

it('hands only parsed https: URLs without credentials to the system browser', () => {
  expect(isSafeExternalUrl('https://accounts.google.com/o/oauth2/v2/auth?x=1')).toBe(true);
  for (const bad of ['http://example.com', 'file:///etc/passwd', 'javascript:alert(1)', 'https://user:pw@example.com', 'not a url', 'smb://host/share', 'https://']) {
    expect(isSafeExternalUrl(bad), bad).toBe(false);
  }
});

it('the renderer page declares the strict CSP (no inline script, no eval, no remote anything)', () => {
  const html = readFileSync(path.resolve(import.meta.dirname, '../../renderer/index.html'), 'utf8');
  expect(html).toContain(`content="${RENDERER_CSP}"`);
  expect(RENDERER_CSP).not.toMatch(/unsafe-inline|unsafe-eval|https?:/);
});

it('denies new windows, navigation, redirects, webviews and every permission', () => {
  const events = new Map<string, (event: { preventDefault(): void }) => void>();
  let openHandler: ((d: { url: string }) => { action: string }) | undefined;
  let requestHandler: ((wc: unknown, permission: string, callback: (granted: boolean) => void) => void) | undefined;
  let checkHandler: ((...a: unknown[]) => boolean) | undefined;
  const fake = {
    setWindowOpenHandler: (h: typeof openHandler) => (openHandler = h),
    on: (name: string, h: (event: { preventDefault(): void }) => void) => events.set(name, h),
    session: { setPermissionRequestHandler: (h: typeof requestHandler) => (requestHandler = h), setPermissionCheckHandler: (h: typeof checkHandler) => (checkHandler = h) },
  } as unknown as HardenableContents;
  const opened: string[] = [];
  hardenContents(fake, async (url) => void opened.push(url));

  expect(openHandler!({ url: 'https://support.google.com/accounts' })).toEqual({ action: 'deny' });
  expect(openHandler!({ url: 'file:///etc/passwd' })).toEqual({ action: 'deny' });
  expect(opened).toEqual(['https://support.google.com/accounts']);
  for (const name of ['will-navigate', 'will-redirect', 'will-attach-webview']) {
    let prevented = false;
    events.get(name)!({ preventDefault: () => (prevented = true) });
    expect(prevented, name).toBe(true);
  }
  for (const permission of ['media', 'geolocation', 'notifications', 'openExternal', 'clipboard-read']) {
    let granted: boolean | undefined;
    requestHandler!({}, permission, (g) => (granted = g));
    expect(granted, permission).toBe(false);
  }
  expect(checkHandler!({}, 'media')).toBe(false);
});
