// The built shell's paths, checked without Electron: out/main/index.js runs under plain Node with a
// stand-in for `electron` (testing/electron-stub.mjs) that records what main asks for. In the
// development layout (out/) and in the layout electron-builder packages (out/ and package.json in
// app.asar, the tray icons in <resources>/resources, better-sqlite3 unpacked beside the archive),
// the preload file, the renderer's page and the tray icons main points at must exist, IPC must be
// bound with its sender check (own window, main frame, own page) before the window loads, a
// packaged app must ignore ELECTRON_RENDERER_URL, an in-place restore and a delete must wait for
// main's native dialog naming the file, and a backup's integrity check, a look inside and a comparison
// must run in their workers (files of the build's own) from the unpacked better-sqlite3. This catches the wrong-path and missing-file mistakes
// that stop a packaged app at start; it is no substitute for launching Electron (e2e/electron.spec.ts
// does that where a binary exists).
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO, makeBankDb } from '../engine/testing/fixtures.ts';
import { useTestFolder } from '../engine/testing/test-folder.ts';

const tmp = useTestFolder();
const HOOKS = path.join(import.meta.dirname, 'testing', 'electron-hooks.mjs');

interface Report {
  events: { what: string; file?: string; url?: string; preload?: string; channel?: string; sandbox?: boolean; contextIsolation?: boolean }[];
  calls?: Record<string, { ok: boolean; value?: unknown; error?: { code: string; message: string } }>;
  dialogs?: { message: string; detail: string; buttons: string[] }[];
  error?: string;
}

beforeAll(() => {
  if (existsSync(path.join(REPO, 'out', 'main', 'index.js'))) return;
  const build = spawnSync(process.execPath, [path.join(REPO, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'build'], { cwd: REPO, stdio: 'inherit' });
  if (build.status !== 0) throw new Error('building the app failed');
});

/** Runs the built main file with the stand-in and returns what it recorded. */
async function runShell(mainFile: string, o: { appPath: string; resources?: string; rendererUrl?: string }): Promise<Report> {
  const db = path.join(tmp.dir, 'store.db');
  makeBankDb(db, { blobRows: 20 });
  const reportFile = path.join(tmp.dir, 'report.json');
  const child = spawn(process.execPath, ['--import', HOOKS, mainFile], {
    env: {
      ...process.env,
      LIFEBOAT_HOME: tmp.home,
      ELECTRON_RENDERER_URL: o.rendererUrl,
      STUB_PACKAGED: o.resources ? '1' : '0',
      STUB_RESOURCES: o.resources,
      STUB_APP_PATH: o.appPath,
      STUB_DATABASE: db,
      STUB_REPORT: reportFile,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise((resolve) => child.on('close', resolve));
  expect(existsSync(reportFile), `the shell wrote no report (exit ${String(code)}): ${stderr}`).toBe(true);
  const report = JSON.parse(readFileSync(reportFile, 'utf8')) as Report;
  expect(report.error, stderr).toBeUndefined();
  return report;
}

/** What must hold in either layout. */
function checkShell(report: Report, root: string, builtInClient: boolean): void {
  const window = report.events.find((e) => e.what === 'window');
  expect(window).toMatchObject({ sandbox: true, contextIsolation: true });
  expect(window?.preload?.startsWith(root), window?.preload).toBe(true);
  expect(existsSync(window!.preload!), `preload ${window?.preload}`).toBe(true);
  const page = report.events.find((e) => e.what === 'loadFile');
  expect(page?.file?.startsWith(root), page?.file).toBe(true);
  expect(existsSync(page!.file!), `renderer page ${page?.file}`).toBe(true);
  const icons = report.events.filter((e) => e.what === 'trayIcon').map((e) => e.file!);
  expect(icons.length).toBeGreaterThan(0);
  for (const icon of icons) expect(existsSync(icon), `tray icon ${icon}`).toBe(true);
  // Every channel is bound (with its sender check) before the page can call any of them.
  const firstLoad = report.events.findIndex((e) => e.what === 'loadFile');
  expect(report.events.findIndex((e) => e.what === 'ipc')).toBeLessThan(firstLoad);
  expect(report.events.slice(firstLoad).some((e) => e.what === 'ipc')).toBe(false);
  // IPC is answered only for the main frame of the app's own window while it shows the app's own page.
  for (const who of ['foreign', 'subFrame', 'elsewhere']) expect(report.calls?.[who], who).toMatchObject({ ok: false, error: { code: 'forbidden' } });
  expect(report.events.some((e) => e.what === 'loadURL')).toBe(false);
  // Added with its first restore point taken at once.
  expect(report.calls?.add).toMatchObject({ ok: true, value: { added: true, source: { id: 'store' }, first: { integrity: { status: 'ok' } } } });
  // The build's own Google client is read from beside the tray icons when the build carries one.
  // (Google Drive's set-up then needs nothing more: its advanced fields, the person's own client, stay closed.)
  expect(report.calls?.destinations).toMatchObject({ ok: true, value: expect.arrayContaining([expect.objectContaining({ kind: 'drive', ready: builtInClient, advancedOpen: !builtInClient })]) });
  expect(report.calls?.backup).toMatchObject({ ok: true, value: { integrity: { status: 'ok' } } });
  // Looking inside and comparing ran in the inside worker, a file of the build's own.
  expect(report.calls?.contents).toMatchObject({ ok: true, value: { tables: expect.arrayContaining([expect.objectContaining({ name: 'accounts' })]) } });
  expect(report.calls?.compare).toMatchObject({ ok: true, value: { tables: expect.arrayContaining([expect.objectContaining({ table: 'accounts', back: 0, lost: 0, changed: 0 })]) } });
  // An in-place restore and a delete wait for main's native dialog, which names the real file;
  // "Cancel" changes nothing, so a renderer alone can do neither.
  const backup = report.calls?.backup?.value as { id: string; artifact: { path: string } };
  const db = path.join(tmp.dir, 'store.db');
  const [restoreAsked, restoreDone, deleteAsked] = report.dialogs ?? [];
  expect(restoreAsked?.message).toContain(`Replace ${db} with`);
  expect(restoreAsked?.buttons).toEqual(['Restore', 'Cancel']);
  expect(report.calls?.restoreCancelled).toEqual({ ok: true, value: null });
  expect((report.calls?.listAfterCancel?.value as unknown[]).length).toBe(2); // the first restore point and the backup, no safety copy
  expect(restoreDone?.message).toContain(db);
  expect(report.calls?.restore).toMatchObject({ ok: true, value: { inPlace: true, target: db, safetyCopyId: expect.any(String) } });
  expect(deleteAsked?.detail).toContain(path.join(tmp.home, 'vault', 'store', `store_${backup.id}.manifest.json`));
  expect(report.calls?.deleteCancelled).toEqual({ ok: true, value: null });
  expect((report.calls?.list?.value as { id: string }[]).map((r) => r.id)).toContain(backup.id);
  expect(report.dialogs).toHaveLength(3);
}

describe('the built shell', () => {
  it('in the development layout (out/) points at files that exist and binds IPC before the window loads', async () => {
    checkShell(await runShell(path.join(REPO, 'out', 'main', 'index.js'), { appPath: REPO }), REPO, existsSync(path.join(REPO, 'resources', 'google-client.json')));
  });

  it('in the packaged layout (app.asar, resources, app.asar.unpacked) does the same, with the workers on the unpacked better-sqlite3', async () => {
    // The layout below is what electron-builder.yml asks for; if the config changes, change both.
    const config = readFileSync(path.join(REPO, 'electron-builder.yml'), 'utf8');
    for (const line of ['- out/**', '- package.json', 'from: resources', 'to: resources', "filter: ['tray-*.png', 'icon.png', 'google-client.json']", '- node_modules/better-sqlite3/**', '- node_modules/koffi/**', '- node_modules/@koromix/koffi-*/**']) expect(config).toContain(line);

    const resources = path.join(tmp.dir, 'Lifeboat', 'resources');
    const asar = path.join(resources, 'app.asar'); // a plain folder standing in for the archive
    mkdirSync(path.join(asar, 'node_modules'), { recursive: true });
    cpSync(path.join(REPO, 'out'), path.join(asar, 'out'), { recursive: true });
    cpSync(path.join(REPO, 'package.json'), path.join(asar, 'package.json'));
    mkdirSync(path.join(resources, 'resources'));
    for (const f of readdirSync(path.join(REPO, 'resources')).filter((f) => /^tray-.*\.png$|^icon\.png$/.test(f))) cpSync(path.join(REPO, 'resources', f), path.join(resources, 'resources', f));
    for (const dep of readdirSync(path.join(REPO, 'node_modules'))) {
      if (dep !== 'better-sqlite3' && !dep.startsWith('.')) symlinkSync(path.join(REPO, 'node_modules', dep), path.join(asar, 'node_modules', dep));
    }
    // Inside the archive, better-sqlite3's native code cannot be loaded by a worker thread (as in the
    // real app); the unpacked copy beside the archive can.
    const packed = path.join(asar, 'node_modules', 'better-sqlite3');
    mkdirSync(path.join(packed, 'lib'), { recursive: true });
    writeFileSync(path.join(packed, 'package.json'), JSON.stringify({ name: 'better-sqlite3', main: 'lib/index.js' }));
    writeFileSync(
      path.join(packed, 'lib', 'index.js'),
      `if (!require('node:worker_threads').isMainThread) throw new Error('better-sqlite3 loaded from inside app.asar by a worker');\nmodule.exports = require(${JSON.stringify(path.join(REPO, 'node_modules', 'better-sqlite3'))});\n`,
    );
    mkdirSync(path.join(resources, 'app.asar.unpacked', 'node_modules'), { recursive: true });
    symlinkSync(path.join(REPO, 'node_modules', 'better-sqlite3'), path.join(resources, 'app.asar.unpacked', 'node_modules', 'better-sqlite3'));

    // A build whose distributor set a Google client (what `npm run dist` writes from the environment).
    writeFileSync(path.join(resources, 'resources', 'google-client.json'), JSON.stringify({ clientId: 'test-client.apps.googleusercontent.com', clientSecret: 'test-secret' }));

    // ELECTRON_RENDERER_URL is for development only: a packaged app loads its own page whatever it says.
    checkShell(await runShell(path.join(asar, 'out', 'main', 'index.js'), { appPath: asar, resources, rendererUrl: 'https://attacker.example/' }), path.join(tmp.dir, 'Lifeboat'), true);
  });
});
