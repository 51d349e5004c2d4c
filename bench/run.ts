// npm run bench [-- --size 1GiB]: Lifeboat's snapshot against the tools a person would otherwise
// use, on the same generated database, with a writer running; prints a table. `--only compare`
// measures `lifeboat diff` (a restore point against the live database) against one integrity check
// of the same file, quiet and with a writer (compare.ts).
import Database from 'better-sqlite3';
import { execFileSync, spawnSync } from 'node:child_process';
import { createReadStream, existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { constants as zlibConstants, zstdCompressSync } from 'node:zlib';
import { ageEncryptStream } from '../electron/engine/artifact/age-stream.ts';
import { hashFile } from '../electron/engine/common/durable-fs.ts';
import { formatBytes, parseBytes } from '../shared/bytes.ts';
import type { Manifest } from '../shared/model.ts';
import { driveStorage } from '../electron/destinations/drive/drive-storage.ts';
import { restorePointStore } from '../electron/engine/remote/restore-point-store.ts';
import { connectGoogle, oauthClient } from '../electron/destinations/drive/google-auth.ts';
import { startDriveEmulator } from '../electron/destinations/drive/testing/drive-emulator.ts';
import { generate } from './generate.ts';
import { benchCompare } from './compare.ts';
import { benchIncremental } from './incremental.ts';
import { benchRollback } from './rollback.ts';
import { benchStartup } from './startup.ts';
import { benchRenderer } from './renderer.ts';
import { printTable } from './table.ts';
import { GIVE_UP_S, timed, type Run } from './timed.ts';
import { withWriter } from './with-writer.ts';

const REPO = path.resolve(import.meta.dirname, '..');
/** The row of one SHA-256 pass over the database in this process (the hash Lifeboat uses). */
const SHA_IN_NODE = 'SHA-256 in Node (OpenSSL), one pass';
/** The row of Lifeboat's age encryption (Node's ChaCha20-Poly1305) over the database, in this process. */
const AGE_IN_NODE = 'age encryption in Node (ChaCha20-Poly1305), one pass';
/** The row of a plain file copy, about what the snapshot's lock-free copy costs. */
const CP_ALONE = 'cp (alone, the copy)';
const { values } = parseArgs({ options: { size: { type: 'string', default: '1GiB' }, 'warm-size': { type: 'string', default: '430MB' }, dir: { type: 'string', default: path.join(REPO, '.bench') }, only: { type: 'string' } } });
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
if (values.only === 'startup' || values.only === 'rollback') {
  // The command's start-up (seconds), or a rollback-journal database's writer during backups (a minute).
  const dir = path.join(work, 'small');
  mkdirSync(dir, { recursive: true });
  if (values.only === 'startup') printTable('Start-up of the lifeboat command (a data folder with a few restore points)', startupRows(dir));
  else {
    // A program committing without a pause (every 5 ms) and a busy one (every 50 ms).
    for (const everyMs of [5, 50]) {
      const r = await benchRollback(dir, Math.min(size, 48 * 1024 ** 2), everyMs); // the size of issue 10's research database
      printTable(r.title, r.rows);
    }
  }
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
if (values.only === 'pipeline') {
  // The compressed and encrypted rows alone (a few minutes at 1 GB), against a plain backup and sqlite3 .backup.
  const { db, home, dbBytes, out, warm } = benchDatabase(size);
  warm();
  const sqlite3 = timed('sqlite3', [db, `.backup '${out('backup.db')}'`]);
  const plain = plainBackup(db, home, warm);
  compressedTable(dbBytes, await compressedRuns(db, path.dirname(db), home, warm, out), plain, sqlite3);
  process.exit(0);
}
if (values.only === 'incremental') {
  // What a restore point adds after a day's change, beside restic and borg (a few minutes).
  const r = await benchIncremental(work);
  printTable(r.title, r.rows);
  for (const note of r.notes) console.log(`\n${note}`);
  process.exit(0);
}
if (values.only === 'compare') {
  // lifeboat diff against one integrity check of the same file, quiet and with the writer (a minute at 1 GB).
  const r = await benchCompare(work, size);
  printTable(r.title, r.rows);
  console.log(`\n${r.found}`);
  process.exit(0);
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

function fmt(x: number): string {
  return x.toFixed(2);
}

/** Best of `n` runs (the least time, the most memory): one run on this machine varies by ±20%. */
function bestOf(n: number, run: () => Run & { stdout: string }): Run & { stdout: string } {
  const runs = Array.from({ length: n }, run);
  return { ...runs.reduce((a, b) => (b.seconds < a.seconds ? b : a)), peakKb: Math.max(...runs.map((r) => r.peakKb)) };
}

/** The compress/encrypt pipeline against each stage's own tool on the same file, best of three each. */
async function compressedRuns(db: string, dir: string, home: string, warm: () => void, out: (name: string) => string): Promise<Record<string, Run & { bytes?: number }>> {
  const cli = path.join(REPO, 'bin', 'lifeboat.mjs');
  const keyFile = path.join(dir, 'bench-key.txt');
  rmSync(keyFile, { force: true });
  execFileSync('age-keygen', ['-o', keyFile], { stdio: 'ignore' });
  const recipient = /age1[0-9a-z]+/.exec(readFileSync(keyFile, 'utf8'))![0];
  const runs: Record<string, Run & { bytes?: number }> = {};
  warm();
  runs['zstd -3 (alone, one core)'] = { ...timed('zstd', ['-q', '-3', '-T1', '-f', db, '-o', out('alone.zst')]), bytes: statSync(path.join(dir, 'alone.zst')).size };
  warm();
  runs['zstd -3 -T0 (alone, every core)'] = timed('zstd', ['-q', '-3', '-T0', '-f', db, '-o', out('alone.zst')]);
  warm();
  runs['age -r (alone)'] = timed('age', ['-r', recipient, '-o', out('alone.age'), db]);
  warm();
  runs[CP_ALONE] = timed('cp', [db, out('cp.db')]);
  warm();
  runs['sha256sum (alone)'] = timed('sha256sum', [db]);
  // Lifeboat hashes with Node's SHA-256 (OpenSSL, SHA extensions where the CPU has them), not sha256sum's.
  warm();
  const [t0, cpu0] = [performance.now(), process.cpuUsage()];
  await hashFile(db);
  const cpu = process.cpuUsage(cpu0);
  runs[SHA_IN_NODE] = { seconds: (performance.now() - t0) / 1000, peakKb: 0, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
  // And encrypts with Node's ChaCha20-Poly1305 (age's format, electron/engine/artifact/age-stream.ts), faster than age's own.
  warm();
  const [t1, cpu1] = [performance.now(), process.cpuUsage()];
  await pipeline(createReadStream(db, { highWaterMark: 1 << 20 }), ageEncryptStream({ recipients: [recipient] }), new Writable({ write: (_chunk, _enc, done) => done() }));
  const cpuAge = process.cpuUsage(cpu1);
  runs[AGE_IN_NODE] = { seconds: (performance.now() - t1) / 1000, peakKb: 0, cpuSeconds: (cpuAge.user + cpuAge.system) / 1e6 };
  for (const [name, args] of [
    ['lifeboat backup --compress', ['--compress']],
    ['lifeboat backup --compress --recipient', ['--compress', '--recipient', recipient]],
    ['lifeboat backup --recipient', ['--recipient', recipient]],
  ] as const) {
    const run = bestOf(3, () => {
      rmSync(home, { recursive: true, force: true }); // nine restore points of the large database would fill the disk
      warm();
      return timed(process.execPath, [cli, '--home', home, '--json', '--quiet', 'backup', '--no-prune', '--max-size', '100GB', db, ...args]);
    });
    runs[name] = { ...run, bytes: (JSON.parse(run.stdout) as { artifact: { bytes: number } }).artifact.bytes };
  }
  return runs;
}

/** The compressed and encrypted rows against the plain backup and sqlite3 .backup of the same database. */
function compressedTable(dbBytes: number, runs: Record<string, Run & { bytes?: number }>, plain: Run, sqlite3: Run): void {
  const rows: string[][] = [['', 'best time (s)', 'MB/s', 'peak RSS', 'vs plain lifeboat backup', 'vs sqlite3 .backup', 'size / ratio']];
  for (const [name, run] of Object.entries(runs)) {
    const mine = name.startsWith('lifeboat');
    rows.push([
      name,
      fmt(run.seconds),
      (dbBytes / 1e6 / run.seconds).toFixed(0),
      run.peakKb ? formatBytes(run.peakKb * 1024) : '',
      mine ? `${(run.seconds / plain.seconds).toFixed(2)}×` : '',
      mine ? `${(run.seconds / sqlite3.seconds).toFixed(2)}×` : '',
      run.bytes ? `${formatBytes(run.bytes)} / ${(dbBytes / run.bytes).toFixed(2)}×` : '',
    ]);
  }
  printTable(`Compressed and encrypted restore points, ${formatBytes(dbBytes)} (lifeboat includes the snapshot, quick_check and both SHA-256s)`, rows);
  // What no implementation can beat here: the plain backup's work plus the stage's own, with every core busy all the time.
  const cores = availableParallelism();
  const sha = runs[SHA_IN_NODE]?.cpuSeconds ?? 0;
  const copy = runs[CP_ALONE];
  const floor = (stage: string, lifeboatRow: string) => {
    const extra = runs[stage]?.cpuSeconds;
    const artifactBytes = runs[lifeboatRow]?.bytes ?? dbBytes;
    if (extra === undefined || plain.cpuSeconds === undefined || copy?.cpuSeconds === undefined) return '';
    const artifactSha = (sha * artifactBytes) / dbBytes;
    const anyway = Math.max(plain.seconds, (plain.cpuSeconds + extra + artifactSha) / cores);
    // Promise 1 and 4: the copy is proven one committed state before anything reads it, and the check reads the copy.
    const afterCopy = Math.max(plain.seconds, copy.seconds + (plain.cpuSeconds - copy.cpuSeconds + extra + artifactSha) / cores);
    const times = (x: number) => `${(x / plain.seconds).toFixed(2)}×`;
    return `${lifeboatRow}: ${fmt(anyway)} s (${times(anyway)} the plain backup) with every core busy from the start; ${fmt(afterCopy)} s (${times(afterCopy)}) when the work starts after the copy, as it must (${stage}: ${fmt(extra)} s of CPU; the artifact's SHA-256: ${fmt(artifactSha)} s; the copy: ${fmt(copy.seconds)} s)`;
  };
  console.log(`\nThe least time on these ${cores} cores, whatever the implementation: the plain backup's ${fmt(plain.cpuSeconds ?? 0)} s of CPU, the stage's own (zstd's CPU time; Lifeboat's own encryption) and the SHA-256 of what is stored, shared by every core all the time (writing the artifact comes on top):\n- ${floor('zstd -3 (alone, one core)', 'lifeboat backup --compress')}\n- ${floor(AGE_IN_NODE, 'lifeboat backup --recipient')}`);
}

/** The generated database of about `bytes` (made once, kept in .bench), and what each run needs. */
function benchDatabase(bytes: number) {
  const dir = path.join(work, formatBytes(bytes).replace(' ', ''));
  mkdirSync(dir, { recursive: true });
  const db = path.join(dir, 'shop.db');
  const home = path.join(dir, 'home');
  if (!existsSync(db) || Math.abs(statSync(db).size - bytes) > bytes * 0.2) {
    console.error(`bench: generating a ${formatBytes(bytes)} database in ${dir}…`);
    generate(db, bytes);
  }
  const out = (name: string) => {
    const f = path.join(dir, name);
    rmSync(f, { force: true });
    return f;
  };
  rmSync(home, { recursive: true, force: true });
  // Every run starts with the database in the page cache, as a live database usually is.
  // `sync` first: no run pays for writing back what the run before it left in the page cache.
  const warm = () => void execFileSync('sh', ['-c', `sync && cat "${db}" > /dev/null`]);
  return { dir, db, home, dbBytes: statSync(db).size, out, warm };
}

/**
 * Lifeboat's plain backup, best of three: the reference of the compressed rows. Like every tool's
 * output here, the last run's restore point is removed before the next run (on this machine a
 * write into memory the page cache has not used before costs up to 2.7 s per GB more than one
 * into memory freed a moment ago: a vault growing by 1 GB a run measured that, not Lifeboat).
 */
function plainBackup(db: string, home: string, warm: () => void): Run & { stdout: string } {
  return bestOf(3, () => {
    rmSync(home, { recursive: true, force: true });
    warm();
    return timed(process.execPath, [path.join(REPO, 'bin', 'lifeboat.mjs'), '--home', home, '--json', '--quiet', 'backup', '--no-prune', '--max-size', '100GB', db]);
  });
}

async function measure(bytes: number) {
  const { dir, db, home, dbBytes, out, warm } = benchDatabase(bytes);
  const cli = path.join(REPO, 'bin', 'lifeboat.mjs');
  const tools = (label: (name: string) => void): Record<string, Run> => {
    rmSync(home, { recursive: true, force: true });
    const runs: Record<string, Run> = {};
    label('sqlite3 .backup');
    warm();
    runs['sqlite3 .backup'] = timed('sqlite3', [db, `.backup '${out('backup.db')}'`]);
    label('VACUUM INTO');
    warm();
    runs['sqlite3 VACUUM INTO'] = timed('sqlite3', [db, `VACUUM INTO '${out('vacuum.db')}'`]);
    label('cp + sha256sum');
    warm();
    runs['cp + sha256sum (not consistent)'] = timed('sh', ['-c', `cp "${db}" "${out('cp.db')}" && sha256sum "${path.join(dir, 'cp.db')}"`]);
    label('lifeboat backup');
    // Three runs (with the writer, pooled: one run's p99 is the 20th-worst of ~2,000 samples, too noisy alone).
    const lb = plainBackup(db, home, warm);
    runs['lifeboat backup (copy + SHA-256 + quick_check)'] = lb;
    // The last run's restore point (the others were removed before each run), restored below.
    const [kept] = JSON.parse(execFileSync(process.execPath, [cli, '--home', home, '--json', 'list'], { encoding: 'utf8' })) as Manifest[];
    label('lifeboat --compact');
    warm();
    runs['lifeboat backup --compact (VACUUM INTO)'] = timed(process.execPath, [cli, '--home', home, '--json', '--quiet', 'backup', '--no-prune', '--compact', '--max-size', '100GB', db]);
    label('idle-restore');
    const id = kept?.id;
    if (id) runs['lifeboat restore --to (verify + check + write)'] = timed(process.execPath, [cli, '--home', home, '--quiet', 'restore', id, '--to', out('restored.db')]);
    return runs;
  };
  // Speed and memory on a quiet database; then the same runs again with a writer, for its latency.
  const result = tools(() => undefined);
  const pipelineRuns = await compressedRuns(db, dir, home, warm, out);
  const { result: underLoad, latency } = await withWriter(db, tools);
  // The plain restore point of the last quiet run, for the upload rows.
  const lastManifest = JSON.parse(execFileSync(process.execPath, [cli, '--home', home, '--json', 'list'], { encoding: 'utf8' })) as Manifest[];
  const plainPoint = lastManifest.find((m) => m.artifact.format === 'sqlite');
  return { dbBytes, runs: result, underLoad, latency, pipelineRuns, plainPoint, vault: path.join(home, 'vault') };
}

const warmSize = parseBytes(values['warm-size'] ?? '430MB');
if (!warmSize) throw new Error(`--warm-size: "${values['warm-size']}" is not a size`);
const small = await measure(warmSize);
const big = await measure(size);
const latencyKey: Record<string, string> = {
  'sqlite3 .backup': 'sqlite3 .backup',
  'sqlite3 VACUUM INTO': 'VACUUM INTO',
  'cp + sha256sum (not consistent)': 'cp + sha256sum',
  'lifeboat backup (copy + SHA-256 + quick_check)': 'lifeboat backup',
  'lifeboat backup --compact (VACUUM INTO)': 'lifeboat --compact',
};
for (const m of [small, big]) {
  const base = m.runs['sqlite3 .backup']!.seconds;
  const rows: string[][] = [['', 'best time (s)', 'MB/s', 'peak RSS', 'vs sqlite3 .backup', 'time with writer (s)', 'writer p50/p99/max (ms)']];
  const idle = m.latency.idle;
  if (idle) rows.push(['writer alone (idle)', '', '', '', '', '', `${fmt(idle.p50)}/${fmt(idle.p99)}/${fmt(idle.max)}`]);
  for (const [name, run] of Object.entries(m.runs)) {
    const l = m.latency[latencyKey[name] ?? ''];
    rows.push([name, fmt(run.seconds), (m.dbBytes / 1e6 / run.seconds).toFixed(0), formatBytes(run.peakKb * 1024), `${(run.seconds / base).toFixed(2)}×`, Number.isFinite(m.underLoad[name]?.seconds ?? 0) ? fmt(m.underLoad[name]?.seconds ?? 0) : `gave up at ${GIVE_UP_S}`, l ? `${fmt(l.p50)}/${fmt(l.p99)}/${fmt(l.max)}` : '']);
  }
  printTable(`Database: ${formatBytes(m.dbBytes)} (WAL, 4 indexed tables + attachments), in the page cache before each run; then again with a writer committing every 5 ms`, rows);
}
const lbSmall = small.runs['lifeboat backup (copy + SHA-256 + quick_check)']!;
const lbBig = big.runs['lifeboat backup (copy + SHA-256 + quick_check)']!;
console.log(`\nPeak memory of lifeboat backup: ${formatBytes(lbSmall.peakKb * 1024)} at ${formatBytes(small.dbBytes)}, ${formatBytes(lbBig.peakKb * 1024)} at ${formatBytes(big.dbBytes)}`);

compressedTable(big.dbBytes, big.pipelineRuns, lbBig, big.runs['sqlite3 .backup']!);
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
  const destination = { id: 'drive', kind: 'drive', name: 'Drive', folderName: 'Lifeboat Backups', enabled: true, priority: 50, upload: { manual: true, scheduled: true } } as const;
  const storage = driveStorage({ auth, endpoints, sessionsDir, id: destination.id, folderName: destination.folderName, retryBaseMs: 50 });
  const driver = restorePointStore(destination, storage, { dataDir: work, sleep: (ms) => new Promise((r) => setTimeout(r, ms)) });
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

printTable('Start-up of the lifeboat command (a data folder with a few restore points)', startupRows(path.join(work, 'small')));
for (const everyMs of [5, 50]) {
  const rollback = await benchRollback(path.join(work, 'small'), Math.min(size, 48 * 1024 ** 2), everyMs);
  printTable(rollback.title, rollback.rows);
}

/** Start-up rows against a small data folder of its own (two restore points of a small database). */
function startupRows(dir: string): string[][] {
  mkdirSync(dir, { recursive: true });
  const home = path.join(dir, 'home-startup');
  const db = path.join(dir, 'startup.db');
  rmSync(home, { recursive: true, force: true });
  if (!existsSync(db)) generate(db, 2 * 1024 ** 2);
  for (let i = 0; i < 2; i++) execFileSync(process.execPath, [path.join(REPO, 'bin', 'lifeboat.mjs'), '--home', home, '--quiet', 'backup', db], { stdio: 'ignore' });
  // After the gigabytes written above, the kernel is still writing them back and even `node -e 0`
  // takes twice as long (0.089 s against 0.04 s): let it finish first.
  execFileSync('sync');
  return benchStartup(home);
}
