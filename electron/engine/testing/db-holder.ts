// A separate process that keeps a database open (as an application would) and, on each line it is
// sent, prints the marker it reads through its still-open connection.
import Database from 'better-sqlite3';
import { createInterface } from 'node:readline';

const [file] = process.argv.slice(2);
if (!file) throw new Error('usage: db-holder <db>');
const db = new Database(file, { timeout: 30_000 });
const read = () => (db.prepare('SELECT label FROM marker').get() as { label: string } | undefined)?.label ?? '';
process.stdout.write(`open ${read()}\n`);
const rl = createInterface({ input: process.stdin });
rl.on('line', (line) => {
  if (line === 'stop') {
    db.close();
    process.exit(0);
  }
  process.stdout.write(`marker ${read()}\n`);
});
rl.on('close', () => {
  db.close();
  process.exit(0);
});
