// The concurrent writer the benchmark measures: small WAL transactions at a steady pace, each one's
// latency recorded under the label the benchmark sets on stdin ("label <name>"); "report" prints
// p50/p99/max per label as JSON and exits.
import Database from 'better-sqlite3';
import { createInterface } from 'node:readline';

const [file] = process.argv.slice(2);
if (!file) throw new Error('usage: writer <db>');
const db = new Database(file, { timeout: 60_000 });
db.pragma('journal_mode = WAL');
db.pragma('synchronous = NORMAL');
db.exec('CREATE TABLE IF NOT EXISTS writer_log (id INTEGER PRIMARY KEY, at REAL, payload BLOB)');
const insert = db.prepare('INSERT INTO writer_log (at, payload) VALUES (?, randomblob(200))');
const samples = new Map<string, number[]>();
let label = 'idle';

const timer = setInterval(() => {
  const t0 = performance.now();
  insert.run(t0);
  const ms = performance.now() - t0;
  const list = samples.get(label) ?? [];
  list.push(ms);
  samples.set(label, list);
}, 5);

const pct = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ?? 0;
createInterface({ input: process.stdin }).on('line', (line) => {
  if (line.startsWith('label ')) label = line.slice(6);
  if (line === 'report') {
    clearInterval(timer);
    const out: Record<string, { n: number; p50: number; p99: number; max: number }> = {};
    for (const [k, xs] of samples) {
      xs.sort((a, b) => a - b);
      out[k] = { n: xs.length, p50: pct(xs, 50), p99: pct(xs, 99), max: xs[xs.length - 1] ?? 0 };
    }
    process.stdout.write(`${JSON.stringify(out)}\n`);
    db.close();
    process.exit(0);
  }
});
process.stdout.write('ready\n');
