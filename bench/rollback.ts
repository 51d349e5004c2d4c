// A rollback-journal database written by a program without a busy handler (issue "hands off"): its
// commits every 5 ms, their latency and how many failed while backups ran, for sqlite3 .backup and
// for lifeboat backup (with how long each backup waited for a quiet moment and how many copies it
// took again).
import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { existsSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { formatBytes } from '../electron/engine/layout.ts';
import type { Manifest } from '../shared/model.ts';
import { generate } from './generate.ts';
import { timed } from './timed.ts';

const REPO = path.resolve(import.meta.dirname, '..');
const BACKUPS = 10;

interface Latency {
  n: number;
  p50: number;
  p99: number;
  max: number;
  errors: number;
}

/** Rows for the table: each tool's backups while the writer commits. */
export async function benchRollback(dir: string, bytes: number): Promise<{ title: string; rows: string[][] }> {
  const db = path.join(dir, 'books.db');
  if (!existsSync(db) || Math.abs(statSync(db).size - bytes) > bytes * 0.2) {
    console.error(`bench: generating a ${formatBytes(bytes)} rollback-journal database in ${dir}…`);
    generate(db, bytes);
    const conn = new Database(db);
    conn.pragma('journal_mode = DELETE');
    conn.close();
  }
  const home = path.join(dir, 'home-rollback');
  rmSync(home, { recursive: true, force: true });
  const out = path.join(dir, 'rollback-copy.db');
  const writer = spawn(process.execPath, [path.join(import.meta.dirname, 'writer.ts'), db, 'delete', '0'], { stdio: ['pipe', 'pipe', 'inherit'] });
  let report = '';
  writer.stdout.on('data', (d: Buffer) => (report += d.toString()));
  while (!report.includes('ready')) await new Promise((r) => setTimeout(r, 20));
  await new Promise((r) => setTimeout(r, 3000)); // idle baseline
  const label = (name: string) => writer.stdin.write(`label ${name}\n`);
  const seconds: Record<string, number[]> = { 'sqlite3 .backup': [], 'lifeboat backup': [] };
  const waited: number[] = [];
  const retaken: number[] = [];
  label('sqlite3 .backup');
  for (let i = 0; i < BACKUPS; i++) {
    rmSync(out, { force: true });
    seconds['sqlite3 .backup']!.push(timed('sqlite3', [db, `.backup '${out}'`]).seconds);
  }
  label('lifeboat backup');
  for (let i = 0; i < BACKUPS; i++) {
    const r = timed(process.execPath, [path.join(REPO, 'bin', 'lifeboat.mjs'), '--home', home, '--json', '--quiet', 'backup', '--no-prune', '--max-size', '100GB', db]);
    const m = JSON.parse(r.stdout) as Manifest;
    seconds['lifeboat backup']!.push(r.seconds);
    waited.push(m.snapshot.waitedMs ?? 0);
    retaken.push(m.snapshot.restarts);
  }
  label('idle-after');
  await new Promise((r) => setTimeout(r, 1000));
  writer.stdin.write('report\n');
  await new Promise((r) => writer.on('close', r));
  const latency = JSON.parse(report.split('\n').find((l) => l.startsWith('{')) ?? '{}') as Record<string, Latency>;
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
  const fmt = (x: number) => x.toFixed(2);
  const row = (name: string, l: Latency | undefined, extra: string) => [name, String(l?.n ?? 0), String(l?.errors ?? 0), l ? `${fmt(l.p50)}/${fmt(l.p99)}/${fmt(l.max)}` : '', extra];
  const rows = [['', 'commits', 'failed commits', 'writer p50/p99/max (ms)', `${BACKUPS} backups: median time; wait for a quiet moment`]];
  rows.push(row('writer alone (idle)', latency.idle, ''));
  rows.push(row('sqlite3 .backup', latency['sqlite3 .backup'], `${fmt(median(seconds['sqlite3 .backup']!))} s`));
  rows.push(row('lifeboat backup', latency['lifeboat backup'], `${fmt(median(seconds['lifeboat backup']!))} s; waited median ${median(waited)} ms, max ${Math.max(...waited)} ms; copies retaken ${retaken.reduce((a, b) => a + b, 0)}`));
  return { title: `Rollback-journal database, ${formatBytes(statSync(db).size)}, written every 5 ms by a program with no busy handler (a failed commit is a lost write)`, rows };
}
