// A separate process that moves money between accounts in big transactions with a tiny page cache
// (64 KiB), so that each transaction writes ("spills") uncommitted pages into the database file
// long before its COMMIT — as an import or a month-end run does. In journal_mode MEMORY or OFF
// nothing on disk then shows that a transaction is open: only SQLite's lock does.
//
// usage: spilling-writer <db> <journal mode> <hold ms> [<pause ms>]
// Each transaction makes 400 transfers (the total of balances never changes), then holds the open
// transaction for <hold ms> before COMMIT, then pauses up to <pause ms> (default 20). Prints "ready" after its first
// commit, and "commits N" when it stops ("stop" on stdin, or stdin closed).
import Database from 'better-sqlite3';

const [file, mode = 'delete', hold = '0', pause = '20'] = process.argv.slice(2);
if (!file) throw new Error('usage: spilling-writer <db> <journal mode> <hold ms> [<pause ms>]');
const holdMs = Number(hold);
const pauseMs = Number(pause);
const db = new Database(file, { timeout: 30_000 });
db.pragma(`journal_mode = ${mode}`);
db.pragma('cache_size = -64');
const move = db.prepare('UPDATE accounts SET balance = balance + ? WHERE id = ?');
const accounts = (db.prepare('SELECT count(*) AS n FROM accounts').get() as { n: number }).n;
const pick = () => 1 + Math.floor(Math.random() * accounts);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let stopping = false;
process.stdin.on('data', () => (stopping = true));
process.stdin.on('end', () => (stopping = true));

let commits = 0;
while (!stopping) {
  db.exec('BEGIN');
  for (let i = 0; i < 400; i++) {
    const amount = 1 + Math.floor(Math.random() * 20);
    move.run(-amount, pick());
    move.run(amount, pick());
  }
  if (holdMs > 0) await sleep(holdMs);
  db.exec('COMMIT');
  if (++commits === 1) process.stdout.write('ready\n');
  await sleep(Math.random() * pauseMs);
}
db.close();
process.stdout.write(`commits ${commits}\n`);
