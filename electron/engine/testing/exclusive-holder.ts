// A separate process that keeps a database locked the way some programs do (a web browser's
// History, say): WAL mode with locking_mode=EXCLUSIVE, so no other process can read it while this
// one runs. Prints "locked" once it holds the lock; exits on "stop" or when stdin closes.
import Database from 'better-sqlite3';
import { createInterface } from 'node:readline';

const [file] = process.argv.slice(2);
if (!file) throw new Error('usage: exclusive-holder <db>');
const db = new Database(file, { timeout: 30_000 });
db.pragma('journal_mode = WAL');
db.pragma('locking_mode = EXCLUSIVE');
db.exec("UPDATE marker SET label = 'held'"); // the first write takes the exclusive lock, kept from then on
process.stdout.write('locked\n');
const stop = () => {
  db.close();
  process.exit(0);
};
createInterface({ input: process.stdin }).on('line', (line) => line === 'stop' && stop()).on('close', stop);
