// The page the window loads and the IPC sender check, as plain functions: the dev server only in
// development, and calls only from the own window's main frame showing the app's own page.
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { appPageMatcher, isTrustedSender, rendererUrlFor } from './sender-policy.ts';

const page = path.resolve('/opt/Lifeboat/resources/app.asar/out/renderer/index.html');

describe('the renderer page', () => {
  it('honours ELECTRON_RENDERER_URL in development only', () => {
    expect(rendererUrlFor(false, { ELECTRON_RENDERER_URL: 'http://localhost:5173' })).toBe('http://localhost:5173');
    expect(rendererUrlFor(true, { ELECTRON_RENDERER_URL: 'https://attacker.example/' })).toBeUndefined();
    expect(rendererUrlFor(false, {})).toBeUndefined();
  });

  it('recognises the bundled page (any hash or query) and nothing else; in development, the dev server origin', () => {
    const own = appPageMatcher(undefined, page);
    expect(own(pathToFileURL(page).href)).toBe(true);
    expect(own(`${pathToFileURL(page).href}#/restore-points`)).toBe(true);
    expect(own(pathToFileURL(path.join(path.dirname(page), 'other.html')).href)).toBe(false);
    expect(own('https://attacker.example/index.html')).toBe(false);
    expect(own('not a url')).toBe(false);
    const dev = appPageMatcher('http://localhost:5173/', page);
    expect(dev('http://localhost:5173/index.html')).toBe(true);
    expect(dev('http://localhost:5174/')).toBe(false);
  });
});

describe('the IPC sender check', () => {
  const contents = { mainFrame: { url: pathToFileURL(page).href, parent: null } };
  const isAppPage = appPageMatcher(undefined, page);
  it('answers the own window main frame on the own page only', () => {
    expect(isTrustedSender({ sender: contents, senderFrame: contents.mainFrame }, contents, isAppPage)).toBe(true);
    expect(isTrustedSender({ sender: {}, senderFrame: contents.mainFrame }, contents, isAppPage)).toBe(false);
    expect(isTrustedSender({ sender: contents, senderFrame: { url: contents.mainFrame.url, parent: contents.mainFrame } }, contents, isAppPage)).toBe(false);
    expect(isTrustedSender({ sender: contents, senderFrame: { url: 'https://attacker.example/', parent: null } }, contents, isAppPage)).toBe(false);
    expect(isTrustedSender({ sender: contents, senderFrame: null }, contents, isAppPage)).toBe(false);
    expect(isTrustedSender({ sender: contents, senderFrame: contents.mainFrame }, undefined, isAppPage)).toBe(false);
  });
});
