// A separate process that holds a database's write lock (an open write transaction, as a program in
// the middle of its work does) until it is sent "stop"; then it rolls back and exits.
import Database from 'better-sqlite3';
import { createInterface } from 'node:readline';

const [file] = process.argv.slice(2);
if (!file) throw new Error('usage: db-locker <db>');
const db = new Database(file, { timeout: 30_000 });
db.exec('BEGIN IMMEDIATE');
db.prepare("UPDATE marker SET label = 'uncommitted'").run();
process.stdout.write('locked\n');
const stop = () => {
  db.exec('ROLLBACK');
  db.close();
  process.exit(0);
};
const rl = createInterface({ input: process.stdin });
rl.on('line', (line) => line === 'stop' && stop());
rl.on('close', stop);
