// A separate process that keeps writing to a small bank database for as long as it runs (the
// application whose database Lifeboat protects): every few milliseconds a transfer between two
// accounts (the total never changes) and a new note that replaces the oldest, so the file stays
// small however long it runs. Prints "ready" after its first commit; stops on "stop" (stdin).
import Database from 'better-sqlite3';

const [file, everyMs = '10'] = process.argv.slice(2);
if (!file) throw new Error('usage: steady-writer <db> [every-ms]');
const db = new Database(file, { timeout: 30_000 });
db.pragma('journal_mode = WAL');
db.exec('CREATE TABLE IF NOT EXISTS notes (id INTEGER PRIMARY KEY, body BLOB NOT NULL)');
const accounts = (db.prepare('SELECT count(*) AS n FROM accounts').get() as { n: number }).n;
const move = db.prepare('UPDATE accounts SET balance = balance + ? WHERE id = ?');
const note = db.prepare('INSERT INTO notes (body) VALUES (randomblob(500))');
const trim = db.prepare('DELETE FROM notes WHERE id <= (SELECT max(id) FROM notes) - 200');
const write = db.transaction((from: number, to: number, amount: number) => {
  move.run(-amount, from);
  move.run(amount, to);
  note.run();
  trim.run();
});

let commits = 0;
let stopping = false;
const tick = () => {
  if (stopping) return;
  try {
    write(1 + Math.floor(Math.random() * accounts), 1 + Math.floor(Math.random() * accounts), Math.floor(Math.random() * 50));
    if (++commits === 1) process.stdout.write('ready\n');
  } catch (e) {
    // A busy database (a restore holding it) is the application's problem, not the writer's end.
    if (!String((e as Error).message).includes('busy')) throw e;
  }
  setTimeout(tick, Number(everyMs));
};
process.stdin.on('data', () => (stopping = true));
process.stdin.on('end', () => (stopping = true));
process.stdin.on('close', () => {
  stopping = true;
  db.close();
  process.stdout.write(`commits ${commits}\n`);
  process.exit(0);
});
tick();
