// The e2e harness: the real renderer (the production build) in Debian's Chromium, with
// `window.lifeboat` built by the same client as the preload and bound to the same handler table
// as ipcMain, over a Playwright binding. Each harness has its own temporary data folder.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { channelNames, ipcContract, ipcEventNames } from '../shared/ipc-contract.ts';
import { createLifeboatApi } from '../shared/ipc-client.ts';
import type { Engine } from '../electron/engine/engine.ts';
import { createDesktopServices, type DesktopOptions, type DesktopServices } from '../electron/app/desktop-services.ts';
import type { DesktopEffects } from '../electron/app/effects.ts';
import { invokeChecked } from '../electron/app/ipc-dispatch.ts';

const REPO = path.resolve(import.meta.dirname, '..');
const RENDERER = path.join(REPO, 'out', 'renderer');
export const CHROMIUM = process.env.LIFEBOAT_CHROMIUM ?? '/usr/bin/chromium';
export const SCREENSHOTS = path.join(REPO, 'test-results', 'screenshots');

/** Why e2e cannot run here, or undefined when it can. */
export function e2eUnavailable(): string | undefined {
  return existsSync(CHROMIUM) ? undefined : `${CHROMIUM} is missing (apt-get install -y chromium; .ci/run installs it)`;
}

const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.png': 'image/png' };

/** The window's size when it opens, and its minimum size (electron/main/window-policy.ts). */
export const WINDOW = { width: 1280, height: 800 };
export const SMALLEST = { width: 800, height: 560 };

export interface Harness {
  page: Page;
  engine: Engine;
  services: DesktopServices;
  /**
   * Screenshots of the page as it is: at 1280×800 (`name.png`) and at the window's minimum size,
   * 800×560 (`name@800x560.png`), whole pages, to be looked at.
   */
  screenshot(name: string): Promise<string[]>;
  close(): Promise<void>;
}

const refuse = async (): Promise<undefined> => undefined;

/**
 * Starts the renderer against fresh desktop services in `dataDir` (scheduler, uploads and health
 * running as in the app). Dialogs (main's native confirmations too) answer with what `effects`
 * says, cancelled when not given.
 */
export async function startHarness(dataDir: string, effects: Partial<DesktopEffects>, options: Partial<Pick<DesktopOptions, 'env' | 'storages' | 'secrets' | 'checkpoint' | 'googleClientFile'>> & { colorScheme?: 'light' | 'dark' } = {}): Promise<Harness> {
  if (!existsSync(path.join(RENDERER, 'index.html'))) {
    const build = spawnSync(process.execPath, [path.join(REPO, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'build'], { cwd: REPO, stdio: 'inherit' });
    if (build.status !== 0) throw new Error('building the renderer failed');
  }
  const { colorScheme: _scheme, ...serviceOptions } = options;
  const services = await createDesktopServices({
    dataDir,
    appVersion: '0.0.0-e2e',
    ...serviceOptions,
    effects: { chooseDatabase: refuse, chooseFolder: refuse, chooseRestoreTarget: refuse, chooseExportTarget: refuse, confirm: async () => false, openExternal: async () => undefined, openPath: async () => undefined, ...effects },
  });
  const { engine, handlers } = services;
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const file = path.join(RENDERER, url.pathname === '/' ? 'index.html' : path.normalize(url.pathname));
    if (!file.startsWith(RENDERER) || !existsSync(file)) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream' }).end(readFileSync(file));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const browser: Browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  const page = await browser.newPage({ viewport: WINDOW, colorScheme: options.colorScheme ?? 'light' });
  await page.exposeBinding('__lifeboatInvoke', (_source, channel: string, payload: unknown) => invokeChecked(ipcContract, handlers, channel, payload, services.log));
  // The same client as the preload; events arrive through page.evaluate instead of ipcRenderer.
  await page.addInitScript({
    content: `const listeners = {};
window.__lifeboatEmit = (e, p) => (listeners[e] || new Set()).forEach((l) => l(p));
window.lifeboat = (${createLifeboatApi.toString()})(${JSON.stringify(channelNames)}, (c, p) => window.__lifeboatInvoke(c, p), ${JSON.stringify(ipcEventNames)}, (e, l) => {
  (listeners[e] = listeners[e] || new Set()).add(l);
  return () => listeners[e].delete(l);
});`,
  });
  for (const name of ipcEventNames) {
    services.events.on(name, (payload) => {
      page.evaluate(([e, p]) => (globalThis as unknown as { __lifeboatEmit(e: unknown, p: unknown): void }).__lifeboatEmit(e, p), [name, payload] as const).catch(() => undefined);
    });
  }
  services.start();
  await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
  mkdirSync(SCREENSHOTS, { recursive: true });
  return {
    page,
    engine,
    services,
    async screenshot(name) {
      const files: string[] = [];
      for (const [size, suffix] of [[SMALLEST, `@${SMALLEST.width}x${SMALLEST.height}`], [WINDOW, '']] as const) {
        await page.setViewportSize(size);
        // Two frames: the layout (and the virtualised list) settle at the new size.
        await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
        const file = path.join(SCREENSHOTS, `${name}${suffix}.png`);
        await page.screenshot({ path: file, fullPage: true });
        files.push(file);
      }
      return files;
    },
    async close() {
      await browser.close();
      server.close();
      await services.drainUploads();
      await services.stop();
    },
  };
}
