import react from '@vitejs/plugin-react';
import { defineConfig } from 'electron-vite';
import { resolve } from 'node:path';
import { workerEntries } from './scripts/worker-entries.mjs';

export default defineConfig({
  main: {
    build: { rollupOptions: { input: { index: resolve('electron/main/index.ts') } } },
    // The worker threads' modules (the integrity check, looking inside) become files of their own.
    plugins: [workerEntries()],
  },
  preload: {
    // A sandboxed preload must be one CommonJS file: it cannot require packages or load ESM.
    build: {
      externalizeDeps: false,
      rollupOptions: { input: { index: resolve('electron/preload.ts') }, output: { format: 'cjs', entryFileNames: '[name].cjs' } },
    },
  },
  renderer: {
    root: resolve('renderer'),
    // Minified: what ships in the app is what the bench measures.
    build: { minify: true, rollupOptions: { input: { index: resolve('renderer/index.html') } } },
    plugins: [react()],
  },
});
