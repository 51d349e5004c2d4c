// `npm start` and `npm run dist` run this first. Electron 45 does not download its binary when it is
// installed (npm ci works offline); it does so the first time something asks for it. electron-vite
// does not ask (it reads node_modules/electron/path.txt and fails with "Electron uninstall"), so this
// step installs it the way Electron documents (`npx install-electron`, its install.js), says so
// while it does, and when the download is impossible (no network) says plainly what to do instead.
// Plain JavaScript, so it runs under any Node; exits 0 when Electron is ready, 1 with a message when
// not. LIFEBOAT_ELECTRON_DIR points it at another copy of the electron package (tests).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const electronDir = process.env.LIFEBOAT_ELECTRON_DIR ?? path.dirname(createRequire(import.meta.url).resolve('electron/package.json'));
const { version } = JSON.parse(readFileSync(path.join(electronDir, 'package.json'), 'utf8'));
const say = (text) => process.stderr.write(`${text}\n`);

/** Whether the binary this electron package points at is there. */
function installed() {
  try {
    const file = readFileSync(path.join(electronDir, 'path.txt'), 'utf8');
    return existsSync(process.env.ELECTRON_OVERRIDE_DIST_PATH ? path.join(process.env.ELECTRON_OVERRIDE_DIST_PATH, file) : path.join(electronDir, 'dist', file));
  } catch {
    return false;
  }
}

if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY && !process.argv.includes('--no-display-check')) {
  say('The desktop app needs a display, and this session has none (no DISPLAY or WAYLAND_DISPLAY).');
  say('Without one, use the command line, which runs the same engine: npm run lifeboat -- backup path/to/store.db');
  process.exit(1);
}
if (installed()) process.exit(0);

say(`Downloading Electron ${version} (about 100 MB, once; it goes into node_modules/electron/dist)…`);
const r = spawnSync(process.execPath, [path.join(electronDir, 'install.js')], { encoding: 'utf8', stdio: ['ignore', 'inherit', 'pipe'] });
if (r.status === 0 && installed()) {
  say('Electron is ready.');
  process.exit(0);
}
const reason = (r.stderr ?? '').split('\n').find((l) => /Error|ENOTFOUND|ECONNREFUSED|EAI_AGAIN|ETIMEDOUT|status code/.test(l))?.trim() ?? (r.error ? String(r.error.message) : `install.js exited with ${r.status}`);
const where = process.env.ELECTRON_MIRROR ? `the mirror ${process.env.ELECTRON_MIRROR}` : 'github.com';
say(`Electron ${version} could not be downloaded from ${where} (${reason.replace(/^TypeError: fetch failed$/, 'no connection')}).`);
say('The desktop app cannot start without it. What you can do:');
say('  - on a machine with internet access, run `npm start` again (or `npx install-electron`);');
say(`  - behind a proxy or mirror, set ELECTRON_MIRROR (https://www.electronjs.org/docs/latest/tutorial/installation), or put electron-v${version}-${process.platform}-${process.arch}.zip from the Electron releases page into the cache folder named by electron_config_cache;`);
say('  - meanwhile the command line works offline and runs the same engine: npm run lifeboat -- backup path/to/store.db');
process.exit(1);
