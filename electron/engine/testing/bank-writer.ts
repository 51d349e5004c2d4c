// A separate process that writes to a bank database until told to stop: each transaction moves
// money between two accounts (the total never changes) and appends a blob. Prints "ready" once it
// has committed, and on stop prints "commits N".
import Database from 'better-sqlite3';

const [file, mode = 'wal'] = process.argv.slice(2);
if (!file) throw new Error('usage: bank-writer <db> [wal|delete]');
const db = new Database(file, { timeout: 30_000 });
db.pragma(`journal_mode = ${mode}`);
const move = db.prepare('UPDATE accounts SET balance = balance + ? WHERE id = ?');
const blob = db.prepare('INSERT INTO blobs (data) VALUES (randomblob(2000))');
const accounts = (db.prepare('SELECT count(*) AS n FROM accounts').get() as { n: number }).n;
const transfer = db.transaction((from: number, to: number, amount: number) => {
  move.run(-amount, from);
  move.run(amount, to);
  blob.run();
});

let stopping = false;
let commits = 0;
process.stdin.on('data', () => (stopping = true));
process.stdin.on('end', () => (stopping = true));

function burst(): void {
  for (let i = 0; i < 20 && !stopping; i++) {
    transfer(1 + Math.floor(Math.random() * accounts), 1 + Math.floor(Math.random() * accounts), Math.floor(Math.random() * 50));
    commits++;
    if (commits === 1) process.stdout.write('ready\n');
  }
  if (stopping) {
    db.close();
    process.stdout.write(`commits ${commits}\n`);
    process.exit(0);
  }
  setImmediate(burst);
}
burst();
