// Types for worker-entries.mjs (plain JavaScript, see there), for electron.vite.config.ts.
import type { Plugin } from 'vite';

/** Makes each TypeScript module named by `new URL('./x.ts', import.meta.url)` an entry chunk of its own. */
export function workerEntries(): Plugin;
