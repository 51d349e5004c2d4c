// The layers of DESIGN.md, checked on every `npm test` (`npm run check:layers`): imports point down
// only — shared ← engine ← destinations, schedule ← app ← cli, main — and no file or folder cycle.
// e2e/, bench/ and scripts/ sit on top and may use any layer.
const layer = (name, mayImport) => ({
  name: `${name}-imports-down-only`,
  comment: `electron/${name}/ may import only ${mayImport.join(', ') || 'nothing else of the project'} (and shared/)`,
  severity: 'error',
  from: { path: `^electron/${name}/` },
  to: { path: '^(electron|renderer|e2e|bench|scripts)/', pathNot: [`^electron/${name}/`, ...mayImport.map((l) => `^electron/${l}/`)] },
});

// The engine's rooms, each a sub-folder with one job, and the rooms each may use (below it). Only
// engine.ts, the engine's one entrance, sits above them all; tests and engine/testing/ may use any.
const ENGINE_ROOMS = {
  common: [],
  snapshot: ['common'],
  artifact: ['common'],
  storage: ['common'],
  pages: ['common', 'artifact'],
  vault: ['common', 'snapshot', 'artifact', 'storage', 'pages'],
  restore: ['common', 'snapshot', 'artifact', 'storage', 'pages', 'vault'],
  inside: ['common', 'snapshot', 'artifact', 'pages', 'vault'],
  remote: ['common', 'artifact', 'storage', 'pages', 'vault'],
  // the Engine interface in parts, one per area, over every room below
  api: ['common', 'snapshot', 'artifact', 'storage', 'pages', 'vault', 'restore', 'inside', 'remote'],
};
const room = (name, mayImport) => ({
  name: `engine-${name}-imports-down-only`,
  comment: `electron/engine/${name}/ may import only ${mayImport.map((r) => `engine/${r}/`).join(', ') || 'nothing else of the engine'} (and shared/)`,
  severity: 'error',
  from: { path: `^electron/engine/${name}/`, pathNot: '\\.test\\.ts$' },
  to: { path: '^electron/engine/', pathNot: [`^electron/engine/${name}/`, ...mayImport.map((r) => `^electron/engine/${r}/`)] },
});

module.exports = {
  forbidden: [
    ...Object.entries(ENGINE_ROOMS).map(([name, mayImport]) => room(name, mayImport)),
    {
      name: 'engine-rooms-known',
      comment: 'every file of electron/engine/ is engine.ts, a test, or in one of the rooms above (or testing/)',
      severity: 'error',
      from: { path: '^electron/engine/', pathNot: [`^electron/engine/(${Object.keys(ENGINE_ROOMS).join('|')}|testing)/`, '^electron/engine/engine\\.ts$', '\\.test\\.ts$'] },
      to: {},
    },
    { name: 'no-circular', severity: 'error', comment: 'no cycle between files (and so none between folders)', from: {}, to: { circular: true } },
    layer('engine', []),
    layer('destinations', ['engine']),
    layer('schedule', ['engine']),
    layer('app', ['engine', 'destinations', 'schedule']),
    layer('cli', ['engine', 'destinations', 'schedule', 'app']),
    layer('main', ['engine', 'destinations', 'schedule', 'app']),
    {
      name: 'preload-imports-shared-only',
      severity: 'error',
      from: { path: '^electron/preload\\.ts$' },
      to: { path: '^(electron|renderer)/' },
    },
    {
      name: 'shared-is-plain',
      comment: 'shared/ is imported by main, preload and renderer: no Node, no DOM, nothing of the layers above',
      severity: 'error',
      from: { path: '^shared/' },
      to: { pathNot: '^(shared/|node_modules/zod/)' },
    },
    {
      name: 'renderer-talks-through-shared',
      comment: 'the renderer reaches main only through window.lifeboat; it imports shared/ and browser packages',
      severity: 'error',
      from: { path: '^renderer/' },
      to: { path: '^(electron|e2e|bench|scripts)/' },
    },
    {
      name: 'nothing-imports-the-top',
      comment: 'e2e/, bench/ and scripts/ use the layers; no layer uses them',
      severity: 'error',
      from: { path: '^(electron|shared|renderer)/' },
      to: { path: '^(e2e|bench|scripts)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(out|dist|node_modules)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.node.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.tsx', '.mjs', '.js', '.json'] },
  },
};
