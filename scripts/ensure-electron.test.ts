// `npm start` on a fresh clone: its set-up step fetches Electron the way Electron documents (its own
// install.js) and, when that is impossible, says so plainly with what to do — no stack trace. Run
// against a copy of the electron package whose binary is not there, with the download pointed at a
// closed local port, so the test never touches the network.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { REPO } from '../electron/engine/testing/fixtures.ts';
import { useTestFolder } from '../electron/engine/testing/test-folder.ts';

const tmp = useTestFolder();
const SCRIPT = path.join(REPO, 'scripts', 'ensure-electron.mjs');

/** A node_modules/electron without its binary, beside the real @electron/get. */
function electronWithoutBinary(): string {
  const dir = path.join(tmp.dir, 'node_modules', 'electron');
  mkdirSync(dir, { recursive: true });
  for (const f of ['package.json', 'install.js', 'checksums.json']) copyFileSync(path.join(REPO, 'node_modules', 'electron', f), path.join(dir, f));
  symlinkSync(path.join(REPO, 'node_modules', '@electron'), path.join(tmp.dir, 'node_modules', '@electron'));
  return dir;
}

const run = (env: NodeJS.ProcessEnv, args: string[] = []) =>
  spawnSync(process.execPath, [SCRIPT, ...args], { encoding: 'utf8', env: { ...process.env, DISPLAY: ':0', ...env }, timeout: 60_000 });

it('downloads Electron the documented way when it is missing, and explains itself when it cannot', () => {
  const dir = electronWithoutBinary();
  const r = run({ LIFEBOAT_ELECTRON_DIR: dir, ELECTRON_MIRROR: 'http://127.0.0.1:9/', electron_config_cache: path.join(tmp.dir, 'cache') });
  expect(r.status).toBe(1);
  expect(r.stderr).toMatch(/Downloading Electron 45\.\d+\.\d+ \(about 100 MB, once/);
  expect(r.stderr).toMatch(/Electron 45\.\d+\.\d+ could not be downloaded from the mirror http:\/\/127\.0\.0\.1:9\/ \(/);
  expect(r.stderr).toMatch(/the command line works offline and runs the same engine: npm run lifeboat -- backup/);
  expect(r.stderr).toMatch(/ELECTRON_MIRROR/);
  expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
});

it('does nothing when Electron is there, and asks for a display on a Linux session without one', () => {
  const dir = electronWithoutBinary();
  mkdirSync(path.join(dir, 'dist'));
  writeFileSync(path.join(dir, 'dist', 'electron'), '');
  writeFileSync(path.join(dir, 'path.txt'), 'electron');
  const ready = run({ LIFEBOAT_ELECTRON_DIR: dir });
  expect(ready.status, ready.stderr).toBe(0);
  expect(ready.stderr).toBe('');
  if (process.platform === 'linux') {
    const headless = run({ LIFEBOAT_ELECTRON_DIR: dir, DISPLAY: undefined, WAYLAND_DISPLAY: undefined });
    expect(headless.status).toBe(1);
    expect(headless.stderr).toMatch(/needs a display.*\n.*npm run lifeboat -- backup/);
  }
});
