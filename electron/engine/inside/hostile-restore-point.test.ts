// A restore point is foreign data (it may come back from a destination anyone can write to, DESIGN.md
// promise 11), and so is everything inside it: its schema, its views, its virtual tables' options,
// its generated columns and the statistics SQLite's query planner reads. Each restore point here is
// crafted for real, backed up into the vault and looked at with the real CLI: one that would make
// `show` and `diff` run forever, one that would make them crawl, one that would make them compute
// and read hundreds of megabytes to show a preview. Each must finish (a command still running after a generous
// bound is killed, and fails the test) and say what it left out.
import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { copyFileSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it, beforeEach } from 'vitest';
import type { Comparison, RestorePointContents, RowsPage } from '../../../shared/inside-view.ts';
import type { Manifest } from '../../../shared/model.ts';
import { createEngine, type Engine } from '../engine.ts';
import { artifactPath } from '../vault/manifest.ts';
import { runCli, type CliResult, keepWholeFiles } from '../testing/fixtures.ts';
import { useTestFolder } from '../testing/test-folder.ts';

const tmp = useTestFolder();
// Whole-file restore points are what is tested here (the page store has tests of its own).
beforeEach(() => keepWholeFiles(tmp.home));
/** Far longer than any of these commands takes once bounded; far shorter than the unbounded ones. */
const KILL_AFTER_MS = 60_000;
const cli = (args: string[], env: NodeJS.ProcessEnv = {}) => runCli(args, { home: tmp.home, env, killAfterMs: KILL_AFTER_MS });

async function backUp(file: string): Promise<Manifest> {
  const r = await cli(['--json', '--quiet', 'backup', file]);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Manifest;
}

/** The command ended by itself (it was not killed for running too long) with `code`. */
function endedWith(r: CliResult, code: number): void {
  expect(r.signal, `ended by ${r.signal} (killed if still running after ${KILL_AFTER_MS / 1000} s): ${r.stderr}`).toBeNull();
  expect(r.code, r.stderr).toBe(code);
}

function make(file: string, sql: string): void {
  const db = new Database(file);
  db.pragma('journal_mode = delete');
  db.exec(sql);
  db.close();
}

describe('a restore point crafted to make looking inside it hang, crawl or fill the memory', () => {
  it('an FTS5 table whose content= is an endless recursive view: show and diff finish, counting it from its own storage; reading its rows is refused, saying why', async () => {
    make(
      tmp.db,
      `CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT);
       INSERT INTO notes (body) VALUES ('first'), ('second');
       CREATE VIEW endless (rowid, body) AS WITH RECURSIVE r (n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT n, 'x' FROM r WHERE n < 0;
       CREATE VIRTUAL TABLE search USING fts5 (body, content = 'endless');
       INSERT INTO search (rowid, body) VALUES (1, 'first'), (2, 'second');`,
    );
    const m = await backUp(tmp.db);
    const shown = await cli(['--json', 'show', m.id]);
    endedWith(shown, 0);
    expect((JSON.parse(shown.stdout) as RestorePointContents).tables.find((t) => t.name === 'search')).toMatchObject({ kind: 'virtual', rows: 2 });
    const human = await cli(['show', m.id]);
    endedWith(human, 0);
    expect(human.stdout).toMatch(/\nsearch +virtual \(\d storage tables\) +2 /);

    const diff = await cli(['--json', 'diff', m.id]);
    endedWith(diff, 0);
    expect((JSON.parse(diff.stdout) as Comparison).tables.find((t) => t.table === 'search')).toMatchObject({ match: 'count', rows: { a: 2, b: 2 } });

    const why = /^lifeboat: The rows of search are not read here: its module \(fts5\) reads them from endless, which is a view, and Lifeboat never runs the queries of a restore point's views\. /m;
    const rows = await cli(['show', m.id, '--table', 'search']);
    endedWith(rows, 1);
    expect(rows.stderr).toMatch(why);
    const exported = await cli(['recover', m.id, '--table', 'search', '--to', path.join(tmp.dir, 'search.csv')]);
    endedWith(exported, 1);
    expect(exported.stderr).toMatch(why);
    // Its own storage tables and the table it should index are read as usual.
    endedWith(await cli(['show', m.id, '--table', 'search_docsize']), 0);
    endedWith(await cli(['show', m.id, '--table', 'notes']), 0);
  });

  it('an FTS4 table whose uncompress= makes 100 MB of every stored number: counted from its own storage; reading its rows is refused, saying why', async () => {
    make(
      tmp.db,
      `CREATE VIRTUAL TABLE packed USING fts4 (body, compress=trim, uncompress=trim);
       INSERT INTO packed (body) VALUES ('100000000'), ('100000000'), ('100000000');`,
    );
    const m = await backUp(tmp.db);
    // As it might come back from a destination: the same database, its schema edited, and a manifest to match.
    await plant(m, (db) => db.exec("PRAGMA writable_schema = ON; UPDATE sqlite_schema SET sql = replace(sql, 'uncompress=trim', 'uncompress=zeroblob') WHERE name = 'packed'"));
    const shown = await cli(['--json', 'show', m.id]);
    endedWith(shown, 0);
    expect((JSON.parse(shown.stdout) as RestorePointContents).tables.find((t) => t.name === 'packed')).toMatchObject({ kind: 'virtual', rows: 3 });
    endedWith(await cli(['diff', m.id]), 0);
    const rows = await cli(['show', m.id, '--table', 'packed']);
    endedWith(rows, 1);
    expect(rows.stderr).toMatch(/^lifeboat: The rows of packed are not read here: its module \(fts4\) passes each of them through zeroblob, a function the restore point chooses\. /m);
  });

  it('planner statistics that make every lookup a full scan: diff finishes, read without them; the vault keeps its file as it is', async () => {
    const db = new Database(tmp.db);
    db.pragma('journal_mode = delete');
    db.exec('CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER)');
    const add = db.prepare('INSERT INTO t VALUES (?, ?)');
    db.transaction(() => {
      for (let i = 0; i < 300_000; i++) add.run(`key${String(i).padStart(6, '0')}`, i);
    })();
    // Every key value is said to match every row: looked up by key, the planner would scan instead.
    db.exec("ANALYZE; UPDATE sqlite_stat1 SET stat = '300000 300000' WHERE idx = 'sqlite_autoindex_t_1'; UPDATE sqlite_stat1 SET stat = '1' WHERE idx IS NULL;");
    db.close();
    const m = await backUp(tmp.db);
    // Since: the database's own statistics are gone, some rows too, and two were added.
    make(tmp.db, "DROP TABLE sqlite_stat1; DELETE FROM t WHERE v % 1000 = 0; INSERT INTO t VALUES ('new-1', 1), ('new-2', 2);");

    const diff = await cli(['--json', 'diff', m.id]);
    endedWith(diff, 0);
    expect((JSON.parse(diff.stdout) as Comparison).tables).toMatchObject([{ table: 't', back: 300, lost: 2, changed: 0 }]);

    // What the worker reads is a private copy without them; the vault's file keeps them.
    const engine: Engine = await createEngine({ dataDir: tmp.home, appVersion: '0.0.0-test' });
    try {
      await engine.lookInside(m.id);
      const scratch = path.join(tmp.home, 'tmp');
      const folders = readdirSync(scratch).filter((f) => f.includes(m.id));
      expect(folders).toHaveLength(1);
      expect(statTables(path.join(scratch, folders[0]!, 'restore-point.sqlite'))).toEqual([]);
      expect(statTables(artifactPath(engine.vaultDir, m))).toEqual(['sqlite_stat1', 'sqlite_stat4']);
    } finally {
      engine.close();
    }
  });

  it('generated columns of 100 MB each and stored values of 2 MB: show computes none of the first and reads previews and sizes of the second (under a 64 MB heap)', async () => {
    make(
      tmp.db,
      `CREATE TABLE big (id INTEGER PRIMARY KEY, n INTEGER,
         data BLOB GENERATED ALWAYS AS (zeroblob(n)) VIRTUAL, words TEXT GENERATED ALWAYS AS (printf('%.*c', n, 'x')) VIRTUAL,
         kept BLOB GENERATED ALWAYS AS (zeroblob(n / 50)) STORED, said TEXT GENERATED ALWAYS AS (printf('%.*c', n / 50, 'y')) STORED, note TEXT);
       INSERT INTO big (n, note) VALUES (100000000, 'a'), (100000000, 'b'), (100000000, 'c'), (15000, 'small');`,
    );
    const m = await backUp(tmp.db);
    expect(m.database.bytes).toBeLessThan(16 * 1024 * 1024);
    // The command and its worker get a 64 MB heap: the values read whole would not fit.
    const small = { NODE_OPTIONS: '--max-old-space-size=64' };
    const r = await cli(['--json', 'show', m.id, '--table', 'big'], small);
    endedWith(r, 0);
    const page = JSON.parse(r.stdout) as RowsPage;
    const generated = { generated: true };
    const huge = (id: number, note: string) => [id, 100_000_000, generated, generated, { blob: 2_000_000, hex: '' }, { text: '', bytes: 2_000_000 }, note];
    expect(page.rows.map((row) => row.cells)).toEqual([[4, 15_000, generated, generated, { blob: 300, hex: '00'.repeat(32) }, { text: 'y'.repeat(200), chars: 300 }, 'small'], huge(3, 'c'), huge(2, 'b'), huge(1, 'a')]);
    const human = await cli(['show', m.id, '--table', 'big'], small);
    endedWith(human, 0);
    expect(human.stdout).toMatch(/\n1 +100000000 +\(generated: not computed\) +\(generated: not computed\) +<blob 2.0 MB> +\(text, 2.0 MB\) +a\n$/);
    endedWith(await cli(['show', m.id], small), 0);
    endedWith(await cli(['diff', m.id], small), 0);
    // A CSV export writes the stored values whole and leaves the computed columns out.
    const csv = path.join(tmp.dir, 'big.csv');
    endedWith(await cli(['recover', m.id, '--table', 'big', '--rows', '4', '--to', csv]), 0);
    expect(readFileSync(csv, 'utf8')).toBe(`id,n,kept,said,note\r\n4,15000,\\x${'00'.repeat(300)},${'y'.repeat(300)},small\r\n`);
  });
});

/**
 * Replaces the database of plain restore point `m` in the vault by a crafted one (`craft` edits a
 * copy of it), with a manifest that matches it, and has the vault re-read: a restore point as a
 * hostile destination could hand back.
 */
async function plant(m: Manifest, craft: (db: Database.Database) => void): Promise<void> {
  const file = path.join(tmp.home, 'vault', m.artifact.path);
  const work = path.join(tmp.dir, 'crafted.sqlite');
  copyFileSync(file, work);
  const db = new Database(work);
  db.unsafeMode(true); // so that the schema itself can be edited
  craft(db);
  db.close();
  const bytes = readFileSync(work);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  writeFileSync(file, bytes);
  const manifestFile = path.join(tmp.home, 'vault', m.source.id, `${m.source.id}_${m.id}.manifest.json`);
  const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as Manifest;
  writeFileSync(manifestFile, JSON.stringify({ ...manifest, artifact: { ...manifest.artifact, bytes: bytes.length, sha256 }, database: { ...manifest.database, bytes: bytes.length, sha256 } }));
  const r = await cli(['reindex']);
  expect(r.code, r.stderr).toBe(0);
}

/** The planner statistics tables in a database file. */
function statTables(file: string): string[] {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return db.prepare("SELECT name FROM sqlite_schema WHERE name LIKE 'sqlite_stat%' ORDER BY name").pluck().all() as string[];
  } finally {
    db.close();
  }
}
