// The concurrent writer the benchmark measures: small transactions at a steady pace (one every
// 5 ms), each one's latency recorded under the label the benchmark sets on stdin ("label <name>");
// "report" prints n/p50/p99/max and the failed commits per label as JSON and exits.
// `writer.ts <db> [wal|delete] [busyTimeoutMs] [everyMs]`: WAL with a 60 s busy handler by default; `delete 0`
// is a rollback-journal program without a busy handler, whose commits fail if any reader holds a lock.
import Database from 'better-sqlite3';
import { createInterface } from 'node:readline';

const [file, mode = 'wal', timeout = '60000', everyMs = '5'] = process.argv.slice(2);
if (!file) throw new Error('usage: writer <db> [wal|delete] [busyTimeoutMs] [everyMs]');
const db = new Database(file, { timeout: Number(timeout) });
db.pragma(`journal_mode = ${mode}`);
if (mode === 'wal') db.pragma('synchronous = NORMAL');
db.exec('CREATE TABLE IF NOT EXISTS writer_log (id INTEGER PRIMARY KEY, at REAL, payload BLOB)');
const insert = db.prepare('INSERT INTO writer_log (at, payload) VALUES (?, randomblob(200))');
const samples = new Map<string, number[]>();
const errors = new Map<string, number>();
let label = 'idle';

const timer = setInterval(() => {
  const t0 = performance.now();
  try {
    insert.run(t0);
  } catch {
    errors.set(label, (errors.get(label) ?? 0) + 1);
    return;
  }
  const ms = performance.now() - t0;
  const list = samples.get(label) ?? [];
  list.push(ms);
  samples.set(label, list);
}, Number(everyMs));

const pct = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ?? 0;
createInterface({ input: process.stdin }).on('line', (line) => {
  if (line.startsWith('label ')) label = line.slice(6);
  if (line === 'report') {
    clearInterval(timer);
    const out: Record<string, { n: number; p50: number; p99: number; max: number; errors: number }> = {};
    for (const k of new Set([...samples.keys(), ...errors.keys()])) {
      const xs = (samples.get(k) ?? []).sort((a, b) => a - b);
      out[k] = { n: xs.length, p50: pct(xs, 50), p99: pct(xs, 99), max: xs[xs.length - 1] ?? 0, errors: errors.get(k) ?? 0 };
    }
    process.stdout.write(`${JSON.stringify(out)}\n`);
    db.close();
    process.exit(0);
  }
});
process.stdout.write('ready\n');
