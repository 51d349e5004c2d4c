// Tests read what a restore point holds as a plain SQLite file, whatever its format: a whole-file
// one's artifact as it is (when plain), anything else written out by a restore into a new file.
import path from 'node:path';
import type { Manifest } from '../../../shared/model.ts';
import type { Engine } from '../engine.ts';
import { filesOf } from '../vault/manifest.ts';

/** A plain SQLite file holding restore point `m`'s database (a new file beside `dir`'s others when it has to be written). */
export async function databaseOf(engine: Engine, m: Manifest, dir: string): Promise<string> {
  if (m.artifact.format === 'sqlite') return filesOf(engine.vaultDir, m).stored[0]!.file;
  const to = path.join(dir, `read-${m.id}-${Math.random().toString(16).slice(2, 8)}.db`);
  await engine.restore({ id: m.id, to });
  return to;
}
