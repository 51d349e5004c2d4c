// A separate process in the middle of a rollback-journal write transaction: it takes BEGIN EXCLUSIVE,
// changes a row (so its journal is active) and holds the transaction until told "commit" or "crash"
// (exit without committing, as a crashed program would, leaving a hot journal behind). Its cache is
// tiny, so the change spills into the database file and the journal is synced, as in a long import.
import Database from 'better-sqlite3';
import { createInterface } from 'node:readline';

const [file] = process.argv.slice(2);
if (!file) throw new Error('usage: journal-holder <db>');
const db = new Database(file, { timeout: 30_000 });
db.pragma('journal_mode = DELETE');
db.pragma('cache_size = 5');
db.exec('BEGIN EXCLUSIVE');
db.exec('UPDATE blobs SET data = randomblob(length(data))');
process.stdout.write('holding\n');
createInterface({ input: process.stdin }).on('line', (line) => {
  if (line === 'commit') {
    db.exec('COMMIT');
    db.close();
    process.stdout.write('committed\n');
    process.exit(0);
  }
  if (line === 'crash') process.kill(process.pid, 'SIGKILL');
});
