// npm run bench [-- --size 1GiB]: Lifeboat's snapshot against the tools a person would otherwise
// use, on the same generated database, with a writer running; prints a table. `--only compare`
// measures `lifeboat diff` (a restore point against the live database) against one integrity check
// of the same file, quiet and with a writer.
import Database from 'better-sqlite3';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { constants as zlibConstants, zstdCompressSync } from 'node:zlib';
import { createEngine } from '../electron/engine/engine.ts';
import { formatBytes, parseBytes } from '../electron/engine/layout.ts';
import type { Manifest } from '../shared/model.ts';
import { driveDestination } from '../electron/destinations/drive/drive-destination.ts';
import { connectGoogle, oauthClient } from '../electron/destinations/drive/google-auth.ts';
import { startDriveEmulator } from '../electron/destinations/drive/testing/drive-emulator.ts';
import { benchRenderer } from './renderer.ts';
import { printTable } from './table.ts';

const REPO = path.resolve(import.meta.dirname, '..');
const { values } = parseArgs({ options: { size: { type: 'string', default: '1GiB' }, dir: { type: 'string', default: path.join(REPO, '.bench') }, only: { type: 'string' } } });
const size = parseBytes(values.size ?? '1GiB');
if (!size) throw new Error(`--size: "${values.size}" is not a size`);
const work = path.resolve(values.dir ?? '.bench');

mkdirSync(work, { recursive: true });
if (values.only === 'ratio') {
  // The compression ratio on the shop tables of an already generated database (seconds).
  const dir = path.join(work, formatBytes(size).replace(' ', ''));
  const r = shopTablesRatio(path.join(dir, 'shop.db'), dir);
  console.log(`Shop tables alone: ${formatBytes(r.bytes)} → ${formatBytes(r.compressed)} with zstd -3 (${(r.bytes / r.compressed).toFixed(2)}×, ${(r.bytes / 1e6 / r.seconds).toFixed(0)} MB/s in-process)`);
  process.exit(0);
}
if (values.only === 'ui') {
  // The renderer alone (about a minute): bundle size and the 10,000-entry list.
  printTable('Renderer: production bundle and the restore point list with 10,000 entries (Chromium, real services)', await benchRenderer(work));
  process.exit(0);
}

for (const tool of ['sqlite3', 'sha256sum', '/usr/bin/time', 'zstd', 'age', 'age-keygen']) {
  if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) {
    console.error(`bench: ${tool} is missing; installing it (Debian: apt-get install -y sqlite3 coreutils time zstd age)`);
    execFileSync('sh', ['-c', 'apt-get update -qq && apt-get install -y -qq sqlite3 coreutils time zstd age'], { stdio: 'inherit' });
  }
}

/** A shop-like database: customers, orders and items with indexes, plus a table of attachments. */
function generate(file: string, bytes: number): void {
  rmSync(file, { force: true });
  rmSync(`${file}-wal`, { force: true });
  rmSync(`${file}-shm`, { force: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.exec(`
    CREATE TABLE customers (id INTEGER PRIMARY KEY, email TEXT NOT NULL, name TEXT NOT NULL, created TEXT NOT NULL);
    CREATE UNIQUE INDEX customers_email ON customers (email);
    CREATE TABLE orders (id INTEGER PRIMARY KEY, customer INTEGER NOT NULL, placed TEXT NOT NULL, total INTEGER NOT NULL, note TEXT);
    CREATE INDEX orders_customer ON orders (customer, placed);
    CREATE TABLE items (id INTEGER PRIMARY KEY, "order" INTEGER NOT NULL, sku TEXT NOT NULL, qty INTEGER NOT NULL, price INTEGER NOT NULL);
    CREATE INDEX items_order ON items ("order");
    CREATE INDEX items_sku ON items (sku);
    CREATE TABLE attachments (id INTEGER PRIMARY KEY, "order" INTEGER NOT NULL, data BLOB NOT NULL);
  `);
  const addCustomer = db.prepare('INSERT INTO customers (email, name, created) VALUES (?, ?, ?)');
  const addOrder = db.prepare('INSERT INTO orders (customer, placed, total, note) VALUES (?, ?, ?, ?)');
  const addItem = db.prepare('INSERT INTO items ("order", sku, qty, price) VALUES (?, ?, ?, ?)');
  const addAttachment = db.prepare('INSERT INTO attachments ("order", data) VALUES (?, randomblob(?))');
  let orderId = 0;
  for (let batch = 0; statSync(file).size + (existsSync(`${file}-wal`) ? statSync(`${file}-wal`).size : 0) < bytes; batch++) {
    db.transaction(() => {
      for (let i = 0; i < 2000; i++) {
        const c = Number(addCustomer.run(`c${batch}-${i}@example.com`, `Customer ${batch}-${i}`, new Date(Date.UTC(2020, 0, 1) + i * 1000).toISOString()).lastInsertRowid);
        for (let o = 0; o < 3; o++) {
          orderId = Number(addOrder.run(c, new Date(Date.UTC(2024, 0, 1) + orderId * 60_000).toISOString(), 1000 + o, o === 0 ? 'gift wrap' : null).lastInsertRowid);
          for (let k = 0; k < 3; k++) addItem.run(orderId, `SKU-${(orderId * 7 + k) % 5000}`, 1 + k, 499 + k * 100);
        }
        if (i % 4 === 0) addAttachment.run(orderId, 16_000);
      }
    })();
    if (batch % 10 === 0) db.pragma('wal_checkpoint(TRUNCATE)');
  }
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
}

interface Run {
  seconds: number;
  peakKb: number;
}

/** Runs a command under /usr/bin/time: wall time and peak resident memory. */
const GIVE_UP_S = 120;
function timed(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): Run & { stdout: string } {
  const t0 = performance.now();
  // `timeout` (inside `time`, so the tool itself is killed, not left running beside the next one):
  // a stepped copy that a writer keeps restarting may never finish; report that, do not wait forever.
  const r = spawnSync('/usr/bin/time', ['-f', '%M', 'timeout', '-s', 'KILL', String(GIVE_UP_S), cmd, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, maxBuffer: 1 << 26 });
  const seconds = (performance.now() - t0) / 1000;
  if (r.status === 137 || /Command terminated by signal 9|exit status 137/.test(r.stderr)) return { seconds: Number.POSITIVE_INFINITY, peakKb: 0, stdout: '{"id":""}' };
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
  const peakKb = Number(r.stderr.trim().split('\n').at(-1));
  return { seconds, peakKb, stdout: r.stdout };
}

async function withWriter<T>(db: string, fn: (label: (name: string) => void) => T): Promise<{ result: T; latency: Record<string, { n: number; p50: number; p99: number; max: number }> }> {
  const writer = spawn(process.execPath, [path.join(import.meta.dirname, 'writer.ts'), db], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  writer.stdout.on('data', (d: Buffer) => (out += d.toString()));
  while (!out.includes('ready')) await new Promise((r) => setTimeout(r, 20));
  await new Promise((r) => setTimeout(r, 3000)); // idle baseline
  const label = (name: string) => writer.stdin.write(`label ${name}\n`);
  const result = fn(label);
  label('idle-after');
  await new Promise((r) => setTimeout(r, 1000));
  writer.stdin.write('report\n');
  await new Promise((r) => writer.on('close', r));
  return { result, latency: JSON.parse(out.split('\n').find((l) => l.startsWith('{')) ?? '{}') };
}

/**
 * The compression ratio of the shop's own tables (customers, orders, items), without the random
 * attachments and the writer's log that make the generated database nearly incompressible.
 */
function shopTablesRatio(db: string, dir: string): { bytes: number; compressed: number; seconds: number } {
  const copy = path.join(dir, 'shop-tables.db');
  rmSync(copy, { force: true });
  const src = new Database(db, { readonly: true });
  src.prepare('VACUUM INTO ?').run(copy);
  src.close();
  const c = new Database(copy);
  c.exec('DROP TABLE IF EXISTS attachments; DROP TABLE IF EXISTS writer_log; VACUUM;');
  c.close();
  const plain = readFileSync(copy);
  const t0 = performance.now();
  const compressed = zstdCompressSync(plain, { params: { [zlibConstants.ZSTD_c_compressionLevel]: 3 } }).length;
  const seconds = (performance.now() - t0) / 1000;
  rmSync(copy, { force: true });
  return { bytes: plain.length, compressed, seconds };
}

async function measure(bytes: number) {
  const dir = path.join(work, formatBytes(bytes).replace(' ', ''));
  mkdirSync(dir, { recursive: true });
  const db = path.join(dir, 'shop.db');
  const home = path.join(dir, 'home');
  if (!existsSync(db) || Math.abs(statSync(db).size - bytes) > bytes * 0.2) {
    console.error(`bench: generating a ${formatBytes(bytes)} database in ${dir}…`);
    generate(db, bytes);
  }
  const dbBytes = statSync(db).size;
  const out = (name: string) => {
    const f = path.join(dir, name);
    rmSync(f, { force: true });
    return f;
  };
  const cli = path.join(REPO, 'bin', 'lifeboat.mjs');
  rmSync(home, { recursive: true, force: true });
  const tools = (label: (name: string) => void): Record<string, Run> => {
    rmSync(home, { recursive: true, force: true });
    const runs: Record<string, Run> = {};
    label('sqlite3 .backup');
    runs['sqlite3 .backup'] = timed('sqlite3', [db, `.backup '${out('backup.db')}'`]);
    label('VACUUM INTO');
    runs['sqlite3 VACUUM INTO'] = timed('sqlite3', [db, `VACUUM INTO '${out('vacuum.db')}'`]);
    label('cp + sha256sum');
    runs['cp + sha256sum (not consistent)'] = timed('sh', ['-c', `cp "${db}" "${out('cp.db')}" && sha256sum "${path.join(dir, 'cp.db')}"`]);
    label('lifeboat backup');
    // Three runs pooled: one run's p99 is the 20th-worst of ~2,000 samples, too noisy alone.
    const lbRuns = [0, 1, 2].map(() => timed(process.execPath, [cli, '--home', home, '--json', '--quiet', 'backup', '--max-size', '100GB', db]));
    const lb = lbRuns[0]!;
    runs['lifeboat backup (copy + SHA-256 + quick_check)'] = { seconds: Math.min(...lbRuns.map((r) => r.seconds)), peakKb: Math.max(...lbRuns.map((r) => r.peakKb)) };
    label('lifeboat --compact');
    runs['lifeboat backup --compact (VACUUM INTO)'] = timed(process.execPath, [cli, '--home', home, '--json', '--quiet', 'backup', '--compact', '--max-size', '100GB', db]);
    label('idle-restore');
    const id = (JSON.parse(lb.stdout) as { id: string }).id;
    if (id) runs['lifeboat restore --to (verify + check + write)'] = timed(process.execPath, [cli, '--home', home, '--quiet', 'restore', id, '--to', out('restored.db')]);
    return runs;
  };
  // Speed and memory on a quiet database; then the same runs again with a writer, for its latency.
  const result = tools(() => undefined);
  // The compress/encrypt pipeline against each stage's own tool on the same file.
  const keyFile = path.join(dir, 'bench-key.txt');
  rmSync(keyFile, { force: true });
  execFileSync('age-keygen', ['-o', keyFile], { stdio: 'ignore' });
  const recipient = /age1[0-9a-z]+/.exec(readFileSync(keyFile, 'utf8'))![0];
  const pipelineRuns: Record<string, Run & { bytes?: number }> = {};
  pipelineRuns['zstd -3 (alone)'] = { ...timed('zstd', ['-q', '-3', '-f', db, '-o', out('alone.zst')]), bytes: statSync(path.join(dir, 'alone.zst')).size };
  pipelineRuns['age -r (alone)'] = timed('age', ['-r', recipient, '-o', out('alone.age'), db]);
  pipelineRuns['sha256sum (alone)'] = timed('sha256sum', [db]);
  for (const [name, args] of [
    ['lifeboat backup --compress', ['--compress']],
    ['lifeboat backup --compress --recipient', ['--compress', '--recipient', recipient]],
    ['lifeboat backup --recipient', ['--recipient', recipient]],
  ] as const) {
    const run = timed(process.execPath, [cli, '--home', home, '--json', '--quiet', 'backup', '--max-size', '100GB', db, ...args]);
    pipelineRuns[name] = { ...run, bytes: (JSON.parse(run.stdout) as { artifact: { bytes: number } }).artifact.bytes };
  }
  const { result: underLoad, latency } = await withWriter(db, tools);
  // The plain restore point of the last quiet run, for the upload rows.
  const lastManifest = JSON.parse(execFileSync(process.execPath, [cli, '--home', home, '--json', 'list'], { encoding: 'utf8' })) as Manifest[];
  const plainPoint = lastManifest.find((m) => m.artifact.format === 'sqlite');
  return { dbBytes, runs: result, underLoad, latency, pipelineRuns, plainPoint, vault: path.join(home, 'vault') };
}

/**
 * `lifeboat diff` on the generated database after a day's worth of changes (orders deleted by
 * mistake, new orders, customers edited), against one integrity check of the same file (the
 * target: the summary within that time); quiet, then with the writer committing every 5 ms.
 */
async function benchCompare(bytes: number): Promise<void> {
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
  const runs: Record<string, Run> = {};
  runs['sqlite3 PRAGMA quick_check (target)'] = timed('sqlite3', [db, 'PRAGMA quick_check']);
  runs['sqlite3 PRAGMA integrity_check'] = timed('sqlite3', [db, 'PRAGMA integrity_check']);
  const diffRun = timed(process.execPath, [cli, '--home', home, '--json', '--quiet', 'diff', m.id]);
  runs['lifeboat diff (restore point vs live)'] = diffRun;
  const summary = JSON.parse(diffRun.stdout) as { totals: { back: number; lost: number; changed: number }; tables: { table: string; back: number; lost: number; changed: number }[] };
  // The same comparison in this process: the work itself, without starting the CLI (Node, modules, data folder).
  const engine = await createEngine({ dataDir: home, appVersion: '0.0.0-bench' });
  const t0 = performance.now();
  await engine.compare(m.id);
  runs['engine.compare in-process (no CLI start)'] = { seconds: (performance.now() - t0) / 1000, peakKb: 0 };
  engine.close();
  const { result: loaded, latency } = await withWriter(db, (label) => {
    label('lifeboat diff');
    return timed(process.execPath, [cli, '--home', home, '--json', '--quiet', 'diff', m.id]);
  });
  const target = runs['sqlite3 PRAGMA quick_check (target)']!.seconds;
  const rows: string[][] = [['', 'time (s)', 'MB/s', 'peak RSS', 'vs quick_check', 'time with writer (s)', 'writer p50/p99/max (ms)']];
  const fmt = (x: number) => x.toFixed(2);
  const idle = latency.idle;
  if (idle) rows.push(['writer alone (idle)', '', '', '', '', '', `${fmt(idle.p50)}/${fmt(idle.p99)}/${fmt(idle.max)}`]);
  for (const [name, run] of Object.entries(runs)) {
    const l = name.startsWith('lifeboat diff') ? latency['lifeboat diff'] : undefined;
    rows.push([name, fmt(run.seconds), (fileBytes / 1e6 / run.seconds).toFixed(0), run.peakKb ? formatBytes(run.peakKb * 1024) : '', `${(run.seconds / target).toFixed(2)}×`, l ? fmt(loaded.seconds) : '', l ? `${fmt(l.p50)}/${fmt(l.p99)}/${fmt(l.max)}` : '']);
  }
  printTable(`Compare: lifeboat diff of a restore point with the live ${formatBytes(fileBytes)} database (WAL; 3 orders and their items deleted, 46 orders added, customers edited since), against one integrity check of the same file`, rows);
  console.log(`\nThe diff found: ${summary.tables.filter((t) => t.back || t.lost || t.changed).map((t) => `${t.table} +${t.back}/-${t.lost}/~${t.changed}`).join(', ')} (back/lost/changed)`);
}

if (values.only === 'compare') {
  await benchCompare(size);
  process.exit(0);
}

const small = await measure(Math.round(size / 4));
const big = await measure(size);
const base = big.runs['sqlite3 .backup']!.seconds;
const rows: string[][] = [['', 'best time (s)', 'MB/s', 'peak RSS', 'vs sqlite3 .backup', 'time with writer (s)', 'writer p50/p99/max (ms)']];
const latencyKey: Record<string, string> = {
  'sqlite3 .backup': 'sqlite3 .backup',
  'sqlite3 VACUUM INTO': 'VACUUM INTO',
  'cp + sha256sum (not consistent)': 'cp + sha256sum',
  'lifeboat backup (copy + SHA-256 + quick_check)': 'lifeboat backup',
  'lifeboat backup --compact (VACUUM INTO)': 'lifeboat --compact',
};
const fmt = (x: number) => x.toFixed(2);
const idle = big.latency.idle;
if (idle) rows.push(['writer alone (idle)', '', '', '', '', '', `${fmt(idle.p50)}/${fmt(idle.p99)}/${fmt(idle.max)}`]);
for (const [name, run] of Object.entries(big.runs)) {
  const l = big.latency[latencyKey[name] ?? ''];
  rows.push([name, fmt(run.seconds), (big.dbBytes / 1e6 / run.seconds).toFixed(0), formatBytes(run.peakKb * 1024), `${(run.seconds / base).toFixed(2)}×`, Number.isFinite(big.underLoad[name]?.seconds ?? 0) ? fmt(big.underLoad[name]?.seconds ?? 0) : `gave up at ${GIVE_UP_S}`, l ? `${fmt(l.p50)}/${fmt(l.p99)}/${fmt(l.max)}` : '']);
}
printTable(`Database: ${formatBytes(big.dbBytes)} (WAL, 4 indexed tables + attachments), times on a quiet database; then again with a writer committing every 5 ms`, rows);
const lbSmall = small.runs['lifeboat backup (copy + SHA-256 + quick_check)']!;
const lbBig = big.runs['lifeboat backup (copy + SHA-256 + quick_check)']!;
console.log(`\nPeak memory of lifeboat backup: ${formatBytes(lbSmall.peakKb * 1024)} at ${formatBytes(small.dbBytes)}, ${formatBytes(lbBig.peakKb * 1024)} at ${formatBytes(big.dbBytes)}`);

const prow: string[][] = [['', 'best time (s)', 'MB/s', 'peak RSS', 'size / ratio']];
for (const [name, run] of Object.entries(big.pipelineRuns)) {
  prow.push([name, fmt(run.seconds), (big.dbBytes / 1e6 / run.seconds).toFixed(0), formatBytes(run.peakKb * 1024), run.bytes ? `${formatBytes(run.bytes)} / ${(big.dbBytes / run.bytes).toFixed(2)}×` : '']);
}
printTable('Compressed and encrypted restore points (quiet database; lifeboat includes the snapshot, quick_check and both SHA-256s)', prow);
const smallPipe = small.pipelineRuns['lifeboat backup --compress --recipient']!;
const bigPipe = big.pipelineRuns['lifeboat backup --compress --recipient']!;
const bigDir = path.join(work, formatBytes(size).replace(' ', ''));
const ratio = shopTablesRatio(path.join(bigDir, 'shop.db'), bigDir);
console.log(`\nShop tables alone (no random attachments): ${formatBytes(ratio.bytes)} → ${formatBytes(ratio.compressed)} with zstd -3 (${(ratio.bytes / ratio.compressed).toFixed(2)}×, ${(ratio.bytes / 1e6 / ratio.seconds).toFixed(0)} MB/s in-process): why a new Google Drive destination compresses what it uploads`);
console.log(`\nPeak memory of the compress+encrypt pipeline: ${formatBytes(smallPipe.peakKb * 1024)} at ${formatBytes(small.dbBytes)}, ${formatBytes(bigPipe.peakKb * 1024)} at ${formatBytes(big.dbBytes)}`);

// Upload to the project's Drive emulator on loopback: throughput, and bytes sent again per fault.
if (big.plainPoint) {
  const m = big.plainPoint;
  const file = path.join(big.vault, m.artifact.path);
  const em = await startDriveEmulator({ quotaBytes: 1e12 });
  const endpoints = { authUrl: `${em.root}/o/oauth2/v2/auth`, tokenUrl: `${em.root}/token`, revokeUrl: `${em.root}/revoke`, apiRoot: em.root };
  const client = { clientId: 'bench' };
  const { refreshToken } = await connectGoogle({ client, endpoints, openBrowser: async (url) => void (await fetch(url)) });
  const auth = oauthClient(client, endpoints);
  auth.setCredentials({ refresh_token: refreshToken });
  const sessionsDir = path.join(work, 'upload-sessions');
  const driver = driveDestination(
    { id: 'drive', kind: 'drive', name: 'Drive', folderName: 'Lifeboat Backups', enabled: true, priority: 50, upload: { manual: true, scheduled: true }, retryBaseMs: 50 },
    { auth, endpoints, sessionsDir },
  );
  const urows: string[][] = [['upload to the emulator (8 MiB chunks)', 'time (s)', 'MB/s', 'bytes sent again']];
  const run = async (label: string, fault?: Parameters<typeof em.inject>[0]) => {
    for (const f of [...em.files.values()].filter((x) => x.appProperties.lifeboat === 'artifact' || x.appProperties.lifeboat === 'manifest')) em.files.delete(f.id);
    if (fault) em.inject(fault);
    const sentBefore = em.uploadedBytes();
    const t0 = performance.now();
    await driver.put(m, file, {});
    const seconds = (performance.now() - t0) / 1000;
    const resent = em.uploadedBytes() - sentBefore - m.artifact.bytes;
    urows.push([label, seconds.toFixed(2), (m.artifact.bytes / 1e6 / seconds).toFixed(0), formatBytes(Math.max(0, resent))]);
  };
  await run('no fault');
  await run('connection cut 3 MiB into a chunk', { kind: 'cut', afterBytes: 3 * 1024 * 1024 });
  await run('503 on one chunk', { kind: 'status', status: 503, when: (req) => req.method === 'PUT' });
  await run('429 on one chunk', { kind: 'status', status: 429, reason: 'rateLimitExceeded', when: (req) => req.method === 'PUT' });
  await em.close();
  printTable(`Google Drive upload of a ${formatBytes(m.artifact.bytes)} artifact to the loopback emulator (resumable protocol, one 256 KiB-aligned status query per fault)`, urows);
}

printTable('Renderer: production bundle and the restore point list with 10,000 entries (Chromium, real services)', await benchRenderer(work));
