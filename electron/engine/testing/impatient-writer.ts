// A separate process that writes the way some small-business programs do: no busy handler at all
// (busy_timeout 0), so a commit that meets any other reader's lock fails at once with "database is
// locked". Each transaction moves money between two accounts (the total never changes), then it
// sleeps 1–5 ms. It counts its commits and its errors; prints "ready" after the first commit and,
// on stop, "commits N errors M" (and each distinct error on stderr).
import Database from 'better-sqlite3';

const [file, mode = 'delete'] = process.argv.slice(2);
if (!file) throw new Error('usage: impatient-writer <db> [wal|delete]');
const db = new Database(file, { timeout: 0 });
db.pragma(`journal_mode = ${mode}`);
const move = db.prepare('UPDATE accounts SET balance = balance + ? WHERE id = ?');
const accounts = (db.prepare('SELECT count(*) AS n FROM accounts').get() as { n: number }).n;
let commits = 0;
let errors = 0;
const seen = new Set<string>();
let stopping = false;
process.stdin.on('data', () => (stopping = true));
process.stdin.on('end', () => (stopping = true));

function transfer(): void {
  const amount = Math.floor(Math.random() * 50);
  try {
    db.exec('BEGIN');
    move.run(-amount, 1 + Math.floor(Math.random() * accounts));
    move.run(amount, 1 + Math.floor(Math.random() * accounts));
    db.exec('COMMIT');
    commits++;
    if (commits === 1) process.stdout.write('ready\n');
  } catch (e) {
    errors++;
    const message = (e as Error).message;
    if (!seen.has(message)) process.stderr.write(`${message}\n`);
    seen.add(message);
    if (db.inTransaction) db.exec('ROLLBACK');
  }
}

function loop(): void {
  if (stopping) {
    db.close();
    process.stdout.write(`commits ${commits} errors ${errors}\n`);
    process.exit(0);
  }
  transfer();
  setTimeout(loop, 1 + Math.floor(Math.random() * 5));
}
loop();
