// The real desktop app under Playwright's Electron driver, where an Electron binary is present.
// Electron downloads its binary on first launch; machines without one (CI here) skip this spec and
// say why. Everything it exercises beyond the shell is also covered by dashboard.spec.ts.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { _electron as electron } from 'playwright-core';
import { expect, it } from 'vitest';
import { tempDir } from '../electron/engine/testing/fixtures.ts';

const REPO = path.resolve(import.meta.dirname, '..');

/** The Electron binary if it has been downloaded, without triggering a download. */
function electronBinary(): string | undefined {
  const pathFile = path.join(REPO, 'node_modules', 'electron', 'path.txt');
  if (!existsSync(pathFile)) return undefined;
  const binary = path.join(REPO, 'node_modules', 'electron', 'dist', readFileSync(pathFile, 'utf8').trim());
  return existsSync(binary) ? binary : undefined;
}

const binary = electronBinary();
if (!binary) console.warn('electron spec skipped: no Electron binary here (it downloads on first `npm start`; this machine has no network for it)');

it.skipIf(!binary)('starts the app: one window, sandboxed, showing the dashboard; closing it keeps the app in the tray', async () => {
  const t = tempDir();
  const app = await electron.launch({ executablePath: binary, args: [REPO], env: { ...process.env, LIFEBOAT_HOME: path.join(t.dir, 'home') } });
  try {
    const page = await app.firstWindow();
    await page.getByText('Lifeboat').first().waitFor();
    expect(await page.evaluate(() => typeof (globalThis as { require?: unknown }).require)).toBe('undefined');
    expect(await page.evaluate(() => Object.keys((globalThis as unknown as { lifeboat: object }).lifeboat).length)).toBeGreaterThan(3);
    // Closing the window keeps Lifeboat running in the tray (the default), window hidden, not gone.
    await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows()[0]?.close());
    expect(await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows().map((w) => w.isVisible()))).toEqual([false]);
  } finally {
    await app.close();
    t.cleanup();
  }
});
