// The security baseline, checked without launching Electron.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { RENDERER_CSP, isSafeExternalUrl, mainWindowOptions } from './window-policy.ts';

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
