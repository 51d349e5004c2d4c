// A rollback-journal database written by a program without a busy handler (issue "hands off"): its
// commits (every 5 or 50 ms), their latency and how many failed while backups ran, for sqlite3 .backup and
// for lifeboat backup (with how long each backup waited for a quiet moment and how many copies it
// took again).
import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { formatBytes } from '../shared/bytes.ts';
import type { Manifest } from '../shared/model.ts';
import { generate } from './generate.ts';
import { timed, type Run } from './timed.ts';

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
export async function benchRollback(dir: string, bytes: number, everyMs = 5): Promise<{ title: string; rows: string[][] }> {
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
  // Each backup waits at most 5 s for a quiet moment (60 s by default), so a program that never
  // pauses costs the bench a minute, not ten.
  timed(process.execPath, [path.join(REPO, 'bin', 'lifeboat.mjs'), '--home', home, 'status']);
  const settingsFile = path.join(home, 'settings.json');
  writeFileSync(settingsFile, JSON.stringify({ ...(JSON.parse(readFileSync(settingsFile, 'utf8')) as object), quietWaitMs: 5000 }));
  const out = path.join(dir, 'rollback-copy.db');
  const writer = spawn(process.execPath, [path.join(import.meta.dirname, 'writer.ts'), db, 'delete', '0', String(everyMs)], { stdio: ['pipe', 'pipe', 'inherit'] });
  // A bench that fails half-way must not leave the writer running (it would skew every later run).
  const stopWriter = () => void (writer.exitCode === null && writer.kill());
  process.on('exit', stopWriter);
  let report = '';
  writer.stdout.on('data', (d: Buffer) => (report += d.toString()));
  while (!report.includes('ready')) await new Promise((r) => setTimeout(r, 20));
  await new Promise((r) => setTimeout(r, 3000)); // idle baseline
  const label = (name: string) => writer.stdin.write(`label ${name}\n`);
  const seconds: Record<string, number[]> = { 'sqlite3 .backup': [], 'lifeboat backup': [] };
  const waited: number[] = [];
  const retaken: number[] = [];
  label('sqlite3 .backup');
  // The shell's own busy timeout, as a careful user would set it; a backup that still meets a lock fails.
  let sqliteFailed = 0;
  for (let i = 0; i < BACKUPS; i++) {
    rmSync(out, { force: true });
    try {
      seconds['sqlite3 .backup']!.push(timed('sqlite3', ['-cmd', '.timeout 10000', db, `.backup '${out}'`]).seconds);
    } catch {
      sqliteFailed++;
    }
  }
  label('lifeboat backup');
  // A program that never pauses long enough for a copy is reported, not held up: counted, not fatal.
  let lifeboatRefused = 0;
  for (let i = 0; i < BACKUPS; i++) {
    let r: Run & { stdout: string };
    try {
      r = timed(process.execPath, [path.join(REPO, 'bin', 'lifeboat.mjs'), '--home', home, '--json', '--quiet', 'backup', '--no-prune', '--max-size', '100GB', db]);
    } catch {
      lifeboatRefused++;
      continue;
    }
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
  rows.push(row('sqlite3 .backup', latency['sqlite3 .backup'], `${fmt(median(seconds['sqlite3 .backup']!))} s${sqliteFailed ? `; ${sqliteFailed} of ${BACKUPS} failed (database is locked)` : ''}`));
  rows.push(row('lifeboat backup', latency['lifeboat backup'], `${fmt(median(seconds['lifeboat backup']!))} s; waited median ${median(waited)} ms, max ${Math.max(0, ...waited)} ms; copies retaken ${retaken.reduce((a, b) => a + b, 0)}${lifeboatRefused ? `; ${lifeboatRefused} of ${BACKUPS} never quiet (reported, nothing taken)` : ''}`));
  return { title: `Rollback-journal database, ${formatBytes(statSync(db).size)}, written every ${everyMs} ms by a program with no busy handler (a failed commit is a lost write)`, rows };
}
