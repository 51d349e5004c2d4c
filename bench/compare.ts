// npm run bench -- --only compare: `lifeboat diff` (a restore point against the live database after
// a day's changes) against one integrity check of the same file, which is its target; quiet, then
// with the writer committing every 5 ms (its latency during the diff).
import Database from 'better-sqlite3';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { createEngine } from '../electron/engine/engine.ts';
import { formatBytes } from '../shared/bytes.ts';
import type { Manifest } from '../shared/model.ts';
import { generate } from './generate.ts';
import { timed, type Run } from './timed.ts';
import { withWriter } from './with-writer.ts';

const REPO = path.resolve(import.meta.dirname, '..');

/**
 * `lifeboat diff` on the generated database after a day's worth of changes (orders deleted by
 * mistake, new orders, customers edited), against one integrity check of the same file (the
 * target: the summary within that time); quiet, then with the writer committing every 5 ms.
 */
export async function benchCompare(work: string, bytes: number): Promise<{ title: string; rows: string[][]; found: string }> {
  const dir = path.join(work, formatBytes(bytes).replace(' ', ''));
  mkdirSync(dir, { recursive: true });
  const db = path.join(dir, 'shop.db');
  if (!existsSync(db) || Math.abs(statSync(db).size - bytes) > bytes * 0.2) {
    console.error(`bench: generating a ${formatBytes(bytes)} database in ${dir}…`);
    generate(db, bytes);
  }
  const home = path.join(dir, 'home-compare');
  rmSync(home, { recursive: true, force: true });
  const cli = path.join(REPO, 'bin', 'lifeboat.mjs');
  const m = JSON.parse(timed(process.execPath, [cli, '--home', home, '--json', '--quiet', 'backup', '--max-size', '100GB', db]).stdout) as Manifest;
  const conn = new Database(db);
  // Three of the newest orders that have items (the same kind of change on a re-run).
  const doomed = conn.prepare('SELECT DISTINCT "order" FROM items ORDER BY "order" DESC LIMIT 3 OFFSET 100').pluck().all() as number[];
  conn.transaction(() => {
    for (const o of doomed) conn.prepare('DELETE FROM items WHERE "order" = ?').run(o);
    conn.prepare(`DELETE FROM orders WHERE id IN (${doomed.join(', ')})`).run();
    for (let i = 0; i < 46; i++) conn.prepare('INSERT INTO orders (customer, placed, total, note) VALUES (1, ?, 100, NULL)').run(new Date(Date.UTC(2030, 0, 1) + i * 60_000).toISOString());
    conn.prepare("UPDATE customers SET name = name || ' (edited)' WHERE id % 5000 = 7 AND id <= 60000").run();
  })();
  conn.pragma('wal_checkpoint(TRUNCATE)');
  conn.close();
  const fileBytes = statSync(db).size;
  // Every run starts with both files in the page cache, as a live database and a fresh restore point usually are.
  const warm = () => void execFileSync('sh', ['-c', `cat "${db}" "${path.join(home, 'vault', m.artifact.path)}" > /dev/null`]);
  const runs: Record<string, Run> = {};
  warm();
  runs['sqlite3 PRAGMA quick_check'] = timed('sqlite3', [db, 'PRAGMA quick_check']);
  warm();
  runs['sqlite3 PRAGMA integrity_check (target)'] = timed('sqlite3', [db, 'PRAGMA integrity_check']);
  warm();
  const diffRun = timed(process.execPath, [cli, '--home', home, '--json', '--quiet', 'diff', m.id]);
  runs['lifeboat diff (restore point vs live)'] = diffRun;
  const summary = JSON.parse(diffRun.stdout) as { totals: { back: number; lost: number; changed: number }; tables: { table: string; back: number; lost: number; changed: number }[] };
  // The same comparison in this process: the work itself, without starting the CLI (Node, modules, data folder).
  const engine = await createEngine({ dataDir: home, appVersion: '0.0.0-bench' });
  warm();
  const t0 = performance.now();
  await engine.compare(m.id);
  runs['engine.compare in-process (no CLI start)'] = { seconds: (performance.now() - t0) / 1000, peakKb: 0 };
  engine.close();
  warm();
  const { result: loaded, latency } = await withWriter(db, (label) => {
    label('lifeboat diff');
    return timed(process.execPath, [cli, '--home', home, '--json', '--quiet', 'diff', m.id]);
  });
  const target = runs['sqlite3 PRAGMA integrity_check (target)']!.seconds;
  const rows: string[][] = [['', 'time (s)', 'MB/s', 'peak RSS', 'vs integrity_check', 'time with writer (s)', 'writer p50/p99/max (ms)']];
  const fmt = (x: number) => x.toFixed(2);
  const idle = latency.idle;
  if (idle) rows.push(['writer alone (idle)', '', '', '', '', '', `${fmt(idle.p50)}/${fmt(idle.p99)}/${fmt(idle.max)}`]);
  for (const [name, run] of Object.entries(runs)) {
    const l = name.startsWith('lifeboat diff') ? latency['lifeboat diff'] : undefined;
    rows.push([name, fmt(run.seconds), (fileBytes / 1e6 / run.seconds).toFixed(0), run.peakKb ? formatBytes(run.peakKb * 1024) : '', `${(run.seconds / target).toFixed(2)}×`, l ? fmt(loaded.seconds) : '', l ? `${fmt(l.p50)}/${fmt(l.p99)}/${fmt(l.max)}` : '']);
  }
  return {
    title: `Compare: lifeboat diff of a restore point with the live ${formatBytes(fileBytes)} database (WAL, in the page cache; 3 orders and their items deleted, 46 orders added, customers edited since), against one integrity check of the same file`,
    rows,
    found: `The diff found: ${summary.tables.filter((t) => t.back || t.lost || t.changed).map((t) => `${t.table} +${t.back}/-${t.lost}/~${t.changed}`).join(', ')} (back/lost/changed)`,
  };
}

