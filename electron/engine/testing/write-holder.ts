// A separate process that holds a database's write lock (an open write transaction, WAL mode) until
// told to stop, as a program in the middle of a long transaction does. Prints "holding" once it has
// the lock; rolls back and exits on "stop" or when stdin closes.
import Database from 'better-sqlite3';
import { createInterface } from 'node:readline';

const [file] = process.argv.slice(2);
if (!file) throw new Error('usage: write-holder <db>');
const db = new Database(file, { timeout: 30_000 });
db.pragma('journal_mode = WAL');
db.exec('BEGIN IMMEDIATE');
process.stdout.write('holding\n');
const stop = () => {
  db.exec('ROLLBACK');
  db.close();
  process.exit(0);
};
createInterface({ input: process.stdin }).on('line', (line) => line === 'stop' && stop()).on('close', stop);
