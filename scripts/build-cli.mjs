// Builds the `lifeboat` command into out/cli/: one ES module with its dependencies bundled (only
// better-sqlite3 and koffi, native code, stay in node_modules), code only some commands need (Google Drive,
// age encryption) split into chunks loaded when used, and each worker thread's module an entry of its
// own (scripts/worker-entries.mjs). Started from a build, the command starts in a
// fraction of the time the TypeScript sources take (no type stripping, no module-by-module
// resolution). bin/lifeboat.mjs runs the build when it is newer than every source file, and the
// sources otherwise. rolldown is the bundler Vite itself uses.
// Run with `npm run build:cli` (npm ci, npm run build and npm test run it too). Plain JavaScript, so
// that `npm ci` under an older Node still installs (bin/lifeboat.mjs then explains what is needed).
import { existsSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { workerEntries } from './worker-entries.mjs';

const REPO = path.resolve(import.meta.dirname, '..');
const OUT = path.join(REPO, 'out', 'cli');

let rolldown;
try {
  rolldown = await import('rolldown');
} catch {
  // Installed without devDependencies: the command runs from its sources (slower to start).
  console.error('build-cli: rolldown is not installed (npm ci --omit=dev?); `lifeboat` will run from its sources');
  process.exit(0);
}

rmSync(OUT, { recursive: true, force: true });
await rolldown.build({
  input: { lifeboat: path.join(REPO, 'electron', 'cli', 'main.ts') },
  platform: 'node',
  // Native code cannot be bundled; everything else is, so that starting the command reads one file.
  external: (id) => id.startsWith('node:') || id === 'better-sqlite3' || id === 'koffi',
  // The worker threads' modules (the integrity check, looking inside) become entries of their own.
  plugins: [workerEntries()],
  logLevel: 'warn',
  output: { dir: OUT, format: 'esm', entryFileNames: '[name].mjs', chunkFileNames: 'chunks/[name]-[hash].mjs', sourcemap: true },
});
if (!existsSync(path.join(OUT, 'lifeboat.mjs'))) throw new Error('build-cli: out/cli/lifeboat.mjs was not written');
const chunks = readdirSync(path.join(OUT, 'chunks'));
for (const worker of ['integrity-worker', 'inside-worker']) {
  if (!chunks.some((f) => f.startsWith(`${worker}-`) && f.endsWith('.mjs'))) throw new Error(`build-cli: the worker ${worker} was not written into out/cli/chunks/`);
}
