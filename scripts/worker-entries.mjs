// Worker threads in a bundle. The engine starts its workers from TypeScript modules named by URL:
//
//   new Worker(new URL('./integrity-worker.ts', import.meta.url), …)
//
// Run from the sources (the tests, `lifeboat` before a build), Node loads that file as it is. In a
// bundle the file is not there: this plugin, used by the CLI's build (scripts/build-cli.mjs, rolldown)
// and the Electron main build (electron.vite.config.ts, Vite on rolldown), makes each module named
// that way an entry chunk of its own (with what it imports) and points the URL at the emitted file,
// relative to the chunk that names it. A worker is thus type-checked and bundled like everything
// else, and a mistake in it fails the build, not a user's look inside a restore point.
//
// Plain JavaScript, like build-cli.mjs, so that `npm ci` under an older Node still installs.
import path from 'node:path';

/** `new URL('./x.ts', import.meta.url)`: a TypeScript module named by URL is a worker's entry. */
const WORKER_URL = /new URL\(\s*(['"])(\.{1,2}\/[^'"]+\.ts)\1\s*,\s*import\.meta\.url\s*\)/g;

/** The rollup/rolldown/Vite plugin (see the module comment). */
export function workerEntries() {
  /** The reference ids of the chunks emitted here (this build's; a new plugin for each build). */
  const emitted = new Set();
  return {
    name: 'lifeboat-worker-entries',
    enforce: 'pre',
    transform(code, id) {
      if (!id.endsWith('.ts') || id.includes('node_modules') || !code.includes('import.meta.url')) return null;
      let changed = false;
      const out = code.replace(WORKER_URL, (_match, _quote, relative) => {
        const file = path.resolve(path.dirname(id), relative);
        const ref = this.emitFile({ type: 'chunk', id: file, name: path.basename(file, '.ts') });
        emitted.add(ref);
        changed = true;
        return `new URL(import.meta.ROLLUP_FILE_URL_${ref})`;
      });
      return changed ? { code: out, map: null } : null;
    },
    // Relative to the chunk that names the worker, whatever a web build's `base` would make of it
    // (Vite writes "/chunks/…" for the Electron main build otherwise: no file at run time).
    resolveFileUrl({ referenceId, relativePath }) {
      return emitted.has(referenceId) ? `new URL(${JSON.stringify(relativePath)}, import.meta.url).href` : null;
    },
  };
}
