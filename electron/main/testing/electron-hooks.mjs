// `node --import ./electron-hooks.mjs out/main/index.js`: makes `import … from 'electron'` load the
// stand-in (electron-stub.mjs), so the built shell runs under plain Node for shell-paths.test.ts.
import { registerHooks } from 'node:module';

const stub = new URL('./electron-stub.mjs', import.meta.url).href;
registerHooks({
  resolve: (specifier, context, next) => (specifier === 'electron' ? { url: stub, shortCircuit: true } : next(specifier, context)),
});
