// Bringing rows of a restore point back into the live database, in one transaction that never
// deletes a row. Runs in the worker.
import type BetterSqlite3 from 'better-sqlite3';
import type { OnConflict, RecoveredTable, RecoverSelection, RowKey } from '../../../../shared/inside-view.ts';
import type { Db, Failure, InsideRequest, Raw, RecoverResult, TableDesc } from './messages.ts';
import { commonColumns, sameKey } from './compare-databases.ts';
import { describeTables, findTable } from './describe-tables.ts';
import { checkStop, colRef, fail, fillSelection, isBusy, nap, num, quoteId, toValue } from './sql.ts';

/** The live database's triggers on `table` that run for `events` (INSERT, UPDATE). */
function triggersFor(db: Db, table: string, events: string[]): string[] {
  if (events.length === 0) return [];
  const rows = db.prepare("SELECT name, coalesce(sql, '') AS sql FROM main.sqlite_schema WHERE type = 'trigger' AND lower(tbl_name) = lower(?)").all(table) as { name: string; sql: string }[];
  const head = /^\s*CREATE\s+(?:TEMP\s+|TEMPORARY\s+)?TRIGGER\s+(?:IF\s+NOT\s+EXISTS\s+)?(?:"(?:[^"]|"")*"|\[[^\]]*\]|`(?:[^`]|``)*`|[^\s(]+)\s+(?:BEFORE\s+|AFTER\s+|INSTEAD\s+OF\s+)?(INSERT|UPDATE|DELETE)\b/i;
  return rows.filter((r) => events.includes((head.exec(r.sql)?.[1] ?? '').toUpperCase())).map((r) => r.name);
}

/** A failure for a constraint SQLite refused while rows were brought back into `table`. */
function constraintFailure(e: { code?: string; message?: string }, table: string): Failure | undefined {
  const code = e.code ?? '';
  if (!code.startsWith('SQLITE_CONSTRAINT')) return undefined;
  const why = code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY'
    ? `a row would repeat a value that must be unique and another row now holds it (${e.message})`
    : code === 'SQLITE_CONSTRAINT_NOTNULL'
      ? `a column the table has now must have a value the restore point's rows do not carry (${e.message})`
      : `the database refused a row (${e.message})`;
  return fail('conflict', `Rows could not be brought back into ${table}: ${why}; nothing was changed`, 'Bring back fewer rows, or export them (`--to rows.csv`) and merge them by hand');
}

/** The message a guard trigger raises when a row of `table` would be deleted (see guardAgainstDeletes). */
function deleteGuardMessage(table: string): string {
  return `lifeboat: a row of ${table} would be deleted`;
}

/**
 * Rows brought back never delete a row, whatever the database's schema says. The statements that
 * write say OR ABORT, which overrides every ON CONFLICT REPLACE of the schema (a column's or table's
 * UNIQUE, PRIMARY KEY or NOT NULL) and the conflict clauses inside its triggers (SQLite's rule: the
 * outer statement's OR clause wins). What is left is a trigger that deletes (or a foreign key's ON
 * DELETE CASCADE it sets off): a TEMP trigger on every ordinary table (kept in this connection
 * only, never in the database) raises an error at the first row deleted, and the whole
 * transaction rolls back. Storage tables of virtual tables are left alone: their modules delete
 * there as part of keeping their index.
 */
function guardAgainstDeletes(db: Db, live: Map<string, TableDesc>): void {
  let n = 0;
  for (const t of live.values()) {
    if (t.kind !== 'table' && t.kind !== 'without-rowid') continue;
    const message = deleteGuardMessage(t.name).replace(/'/g, "''");
    db.exec(`CREATE TEMP TRIGGER lifeboat_guard_${n++} AFTER DELETE ON main.${quoteId(t.name)} BEGIN SELECT RAISE(ABORT, '${message}'); END`);
  }
}

/** A failure for a guard trigger's error (a row would have been deleted), or undefined for any other error. */
function deletionFailure(e: { code?: string; message?: string }, table: string): Failure | undefined {
  const m = /^lifeboat: a row of ([\s\S]*) would be deleted$/.exec(e.message ?? '');
  if (!m) return undefined;
  return fail(
    'conflict',
    `Bringing these rows back into ${table} would delete rows of ${m[1]} (a trigger of the database deletes there, directly or through a foreign key's ON DELETE), and Lifeboat never deletes a row to bring one back; nothing was changed`,
    'Export the rows instead (`--to rows.csv`) and add them with the program that owns the database',
  );
}

/**
 * Brings back the rows of `a` (restore point) that `pick` chooses into `l` (live), matched by their
 * primary key: missing ones inserted; existing ones that differ skipped, or updated in place with
 * `replace`. Fills `r`. Refuses (throws) when SQLite inserted fewer rows than were missing (a
 * trigger of the database skipped some).
 */
function bringBackByKey(db: Db, a: TableDesc, l: TableDesc, common: [string, string][], pick: string, onConflict: OnConflict, r: RecoveredTable): void {
  const T = `main.${quoteId(l.name)}`;
  const S = `lifeboat_rp.${quoteId(a.name)}`;
  const yOnX = a.key.map((k, i) => `${colRef('y', l.key[i]!, l)} IS ${colRef('x', k, a)}`).join(' AND ');
  const keyNames = new Set(a.key.map((k) => k.toLowerCase()));
  const values = common.filter(([x]) => !keyNames.has(x.toLowerCase()));
  const differs = values.length ? `(${values.map(([x, y]) => `${colRef('x', x, a)} IS NOT ${colRef('y', y, l)}`).join(' OR ')})` : '0';
  const counts = db.prepare(`SELECT count(*) AS total, coalesce(sum(NOT EXISTS (SELECT 1 FROM ${T} AS y WHERE ${yOnX})), 0) AS missing, coalesce(sum(EXISTS (SELECT 1 FROM ${T} AS y WHERE ${yOnX} AND NOT ${differs})), 0) AS same FROM ${S} AS x WHERE ${pick}`).get() as { total: bigint; missing: bigint; same: bigint };
  const missing = num(counts.missing);
  const differing = num(counts.total) - missing - num(counts.same);
  r.unchanged = num(counts.same);
  if (common.length) {
    const insertCols = common.map(([, b]) => quoteId(b)).join(', ');
    const selectCols = common.map(([x]) => colRef('x', x, a)).join(', ');
    r.inserted = db.prepare(`INSERT OR ABORT INTO ${T} (${insertCols}) SELECT ${selectCols} FROM ${S} AS x WHERE ${pick} AND NOT EXISTS (SELECT 1 FROM ${T} AS y WHERE ${yOnX})`).run().changes;
    if (r.inserted !== missing) throw skippedFailure(db, l.name, r.inserted, missing);
  }
  if (onConflict === 'replace' && values.length && differing > 0) {
    const kAs = a.key.map((k, i) => `${colRef('x', k, a)} AS k${i}`);
    const vAs = values.map(([x], i) => `${colRef('x', x, a)} AS v${i}`);
    const on = l.key.map((k, i) => `lifeboat_y.${quoteId(k)} IS z.k${i}`).join(' AND ');
    const set = values.map(([, y], i) => `${quoteId(y)} = z.v${i}`).join(', ');
    const diff = values.map(([, y], i) => `lifeboat_y.${quoteId(y)} IS NOT z.v${i}`).join(' OR ');
    r.replaced = db.prepare(`UPDATE OR ABORT ${T} AS lifeboat_y SET ${set} FROM (SELECT ${[...kAs, ...vAs].join(', ')} FROM ${S} AS x WHERE ${pick}) AS z WHERE ${on} AND (${diff})`).run().changes;
  } else r.skipped = differing;
}

/**
 * Brings back the rows of `a` that `pick` chooses into `l`, both without a primary key, by whole
 * rows: a chosen row comes back while the database holds fewer copies of it than the restore point
 * did. Fills `r`; refuses like bringBackByKey when a trigger skipped rows.
 */
function bringBackByContent(db: Db, a: TableDesc, l: TableDesc, common: [string, string][], pick: string, r: RecoveredTable): void {
  const T = `main.${quoteId(l.name)}`;
  const S = `lifeboat_rp.${quoteId(a.name)}`;
  const c = common.map((_, i) => `c${i}`);
  const groups = (into: string, alias: string, t: TableDesc, side: 0 | 1, table: string) =>
    db.exec(`DROP TABLE IF EXISTS temp.${into}; CREATE TEMP TABLE ${into} AS SELECT ${common.map((p, i) => `${colRef(alias, p[side], t)} COLLATE BINARY AS c${i}`).join(', ')}, count(*) AS n FROM ${table} AS ${alias} GROUP BY ${c.map((_, i) => i + 1).join(', ')}; CREATE INDEX temp.${into}_i ON ${into} (${c.join(', ')});`);
  groups('lifeboat_have', 'y', l, 1, T);
  groups('lifeboat_then', 'x', a, 0, S);
  const vals = common.map(([x], i) => `${colRef('x', x, a)} AS c${i}`).join(', ');
  const partition = common.map(([x]) => `${colRef('x', x, a)} COLLATE BINARY`).join(', ');
  const chosen = `SELECT ${vals}, row_number() OVER (PARTITION BY ${partition} ORDER BY x.${a.rowid}) AS occ FROM ${S} AS x WHERE ${pick}`;
  const same = (g: string) => `coalesce((SELECT g.n FROM temp.${g} AS g WHERE ${c.map((x) => `g.${x} IS z.${x}`).join(' AND ')}), 0)`;
  const wanted = `FROM (${chosen}) AS z WHERE z.occ <= ${same('lifeboat_then')} - ${same('lifeboat_have')}`;
  const total = num(db.prepare(`SELECT count(*) FROM ${S} AS x WHERE ${pick}`).pluck().get());
  const missing = num(db.prepare(`SELECT count(*) ${wanted}`).pluck().get());
  r.inserted = db.prepare(`INSERT OR ABORT INTO ${T} (${common.map(([, b]) => quoteId(b)).join(', ')}) SELECT ${c.join(', ')} ${wanted}`).run().changes;
  if (r.inserted !== missing) throw skippedFailure(db, l.name, r.inserted, missing);
  r.unchanged = total - r.inserted;
  db.exec('DROP TABLE temp.lifeboat_have; DROP TABLE temp.lifeboat_then;');
}

/** A failure for rows SQLite did not insert although they were missing (a trigger's RAISE(IGNORE)). */
function skippedFailure(db: Db, table: string, inserted: number, missing: number): Failure {
  const triggers = triggersFor(db, table, ['INSERT']);
  return fail(
    'conflict',
    `Only ${inserted} of the ${missing} rows of ${table} that are not in the database were inserted: ${triggers.length ? `a trigger of the database (${triggers.join(', ')})` : 'the database'} skipped the others; nothing was changed`,
    'Export the rows instead (`--to rows.csv`) and add them with the program that owns the database',
  );
}

type RecoverRequest = Extract<InsideRequest, { op: 'recover' }>;

/**
 * Brings rows of the restore point's copy (`from`) back into the live database in one transaction
 * through SQLite's locking (waiting up to busyTimeoutMs for its writers): missing rows are
 * inserted, existing ones skipped or replaced. Foreign keys are checked at the end (deferred), so
 * a parent and its children can come back together; the live database's triggers run.
 */
export function recoverRows(Database: typeof BetterSqlite3, req: RecoverRequest, stop: Int32Array): RecoverResult {
  checkStop(stop);
  const db = new Database(req.live, { fileMustExist: true, timeout: 0 });
  try {
    db.defaultSafeIntegers(true);
    db.pragma(`foreign_keys = ${req.foreignKeys ? 'ON' : 'OFF'}`);
    // SQLite's own default (better-sqlite3 turns it on): a trigger does not fire itself again.
    db.pragma('recursive_triggers = OFF');
    attachAndBegin(db, req, stop);
    // From here on nothing stops it: the transaction is short, and it commits or rolls back whole.
    db.pragma(`busy_timeout = ${req.busyTimeoutMs}`);
    const results: RecoveredTable[] = [];
    try {
      return bringBackAll(db, req, results);
    } catch (e) {
      throw recoverFailure(db, e, req, results);
    } finally {
      if (db.inTransaction) db.exec('ROLLBACK');
    }
  } finally {
    db.close();
  }
}

/**
 * Attaches the restore point's copy as lifeboat_rp and begins the write transaction. The lock is
 * asked for again every few milliseconds rather than through SQLite's busy handler, whose growing
 * sleeps lose every race against a program that commits without pause; `stop` is honoured until then.
 */
function attachAndBegin(db: Db, req: RecoverRequest, stop: Int32Array): void {
  let attached = false;
  for (const deadline = Date.now() + req.busyTimeoutMs; ; nap(2 + Math.floor(Math.random() * 3))) {
    checkStop(stop);
    try {
      // ATTACH reads the database's schema first, so it too may meet the program's lock.
      if (!attached) db.prepare('ATTACH DATABASE ? AS lifeboat_rp').run(req.from);
      attached = true;
      db.exec('BEGIN IMMEDIATE');
      return;
    } catch (e) {
      if (!isBusy(e)) throw e;
      if (Date.now() > deadline) throw fail('in-use', `${req.live} is busy in another program that kept it locked for ${Math.round(req.busyTimeoutMs / 1000)} s`, 'Close that program (or let it finish its work) and try again; nothing was changed');
    }
  }
}

/** Inside the transaction: brings back every selection (filling `results` as it goes), then commits, or rolls back when nothing changed. */
function bringBackAll(db: Db, req: RecoverRequest, results: RecoveredTable[]): RecoverResult {
  db.pragma('defer_foreign_keys = ON');
  const rp = describeTables(db, 'lifeboat_rp');
  const live = describeTables(db, 'main');
  guardAgainstDeletes(db, live);
  for (const sel of req.selections) results.push(recoverTable(db, rp, live, sel, req.onConflict));
  const changed = results.reduce((n, r) => n + r.inserted + r.replaced, 0);
  db.exec('DROP TABLE IF EXISTS temp.lifeboat_sel');
  if (changed === 0) {
    db.exec('ROLLBACK');
    return { tables: results, changed };
  }
  commitWhenFree(db, req.busyTimeoutMs);
  return { tables: results, changed };
}

/** A restore point's table and the live one its rows go back into, refused when they cannot be matched. */
function matchTables(rp: Map<string, TableDesc>, live: Map<string, TableDesc>, table: string): { a: TableDesc; l: TableDesc; keyed: boolean } {
  const a = findTable(rp, table, 'the restore point');
  const l = live.get(table.toLowerCase());
  if (a.kind === 'virtual' || a.kind === 'shadow') {
    throw fail('usage', `${a.name} is ${a.kind === 'virtual' ? 'a virtual table' : `part of the virtual table ${a.of ?? ''}`}, so its rows are not brought back directly`, 'Bring back the rows of the table it indexes: the database\'s triggers keep such an index in step, or its program rebuilds it. Or export it (`--to file.csv`)');
  }
  if (!l) throw fail('schema-changed', `The database has no table ${a.name} now (it was dropped or renamed since the restore point)`, `Nothing was changed. Export it instead: \`lifeboat recover ID --table ${a.name} --to ${a.name}.csv\` (or .db for a new SQLite file)`);
  if (l.kind === 'virtual' || l.kind === 'shadow') throw fail('schema-changed', `${l.name} is a virtual table in the database now`, 'Nothing was changed. Export the rows instead (`--to file.csv`)');
  const keyed = sameKey(a, l);
  if (!keyed && !(a.match === 'content' && l.match === 'content')) {
    throw fail('schema-changed', `The primary key of ${l.name} is not the same as in the restore point (${a.key.join(', ') || 'none'} then, ${l.key.join(', ') || 'none'} now), so its rows cannot be matched`, `Nothing was changed. Export them instead: \`lifeboat recover ID --table ${a.name} --to ${a.name}.csv\``);
  }
  if (!keyed && !a.rowid) throw fail('usage', `The rows of ${a.name} cannot be told apart`, 'Export the table instead');
  return { a, l, keyed };
}

/** Brings back the chosen rows (or all) of one table; what it did. */
function recoverTable(db: Db, rp: Map<string, TableDesc>, live: Map<string, TableDesc>, sel: RecoverSelection, onConflict: OnConflict): RecoveredTable {
  const { a, l, keyed } = matchTables(rp, live, sel.table);
  const common = commonColumns(a, l);
  const dropped = a.columns.filter((c) => !c.generated && !common.some(([x]) => x === c.name)).map((c) => c.name);
  const pick = sel.rows ? pickRows(db, a, keyed ? a.key : [a.rowid!], sel.rows) : '1';
  const r: RecoveredTable = { table: l.name, inserted: 0, replaced: 0, skipped: 0, unchanged: 0, droppedColumns: dropped, triggers: [] };
  try {
    if (keyed) bringBackByKey(db, a, l, common, pick, onConflict, r);
    else bringBackByContent(db, a, l, common, pick, r);
  } catch (e) {
    throw deletionFailure(e as { code?: string; message?: string }, l.name) ?? constraintFailure(e as { code?: string }, l.name) ?? e;
  }
  r.triggers = triggersFor(db, l.name, [...(r.inserted ? ['INSERT'] : []), ...(r.replaced ? ['UPDATE'] : [])]);
  return r;
}

/** The condition (on `x`, a row of `a`) that picks the rows whose `keyCols` are `rows`; refuses keys the restore point does not hold. */
function pickRows(db: Db, a: TableDesc, keyCols: string[], rows: RowKey[]): string {
  fillSelection(db, keyCols.length, rows, a.name);
  const S = `lifeboat_rp.${quoteId(a.name)}`;
  const on = keyCols.map((k, i) => `${colRef('x', k, a)} IS s.k${i}`).join(' AND ');
  const absent = db.prepare(`SELECT ${keyCols.map((_, i) => `s.k${i}`).join(', ')} FROM temp.lifeboat_sel AS s WHERE NOT EXISTS (SELECT 1 FROM ${S} AS x WHERE ${on})`).raw().all() as Raw[][];
  if (absent.length) {
    const list = absent.slice(0, 5).map((r) => r.map((v) => JSON.stringify(toValue(v))).join('/')).join(', ');
    throw fail('not-found', `${absent.length} of the chosen rows of ${a.name} are not in the restore point (${keyCols.join(', ')} ${list}${absent.length > 5 ? ', …' : ''})`, 'Nothing was changed. See its rows with `lifeboat show ID --table ' + a.name + '`');
  }
  // EXISTS rather than a join: a key given twice still picks its row once.
  return `EXISTS (SELECT 1 FROM temp.lifeboat_sel AS s WHERE ${on})`;
}

/** Commits, asking again while SQLite waits for the last readers to finish (up to `busyTimeoutMs`). */
function commitWhenFree(db: Db, busyTimeoutMs: number): void {
  db.pragma('busy_timeout = 0');
  for (const deadline = Date.now() + busyTimeoutMs; ; nap(2 + Math.floor(Math.random() * 3))) {
    try {
      db.exec('COMMIT');
      return;
    } catch (e) {
      // Still in the transaction: SQLite waits for the last readers to finish before it writes.
      if (isBusy(e) && db.inTransaction && Date.now() < deadline) continue;
      throw e;
    }
  }
}

/** What a failed transaction is for a person: broken foreign keys (naming the rows and parents), a database kept busy; else `e`. */
function recoverFailure(db: Db, e: unknown, req: RecoverRequest, results: RecoveredTable[]): unknown {
  const code = (e as { code?: string }).code ?? '';
  if (code === 'SQLITE_CONSTRAINT_FOREIGNKEY') {
    const problems: string[] = [];
    const parents = new Set<string>();
    for (const r of results) {
      const bad = db.prepare('SELECT rowid AS r, parent AS p FROM pragma_foreign_key_check(?)').all(r.table) as { r: bigint | null; p: string }[];
      const to = [...new Set(bad.map((b) => b.p))];
      to.forEach((p) => parents.add(p));
      if (bad.length) problems.push(`${bad.length} row${bad.length === 1 ? '' : 's'} of ${r.table} would point at ${to.join(', ')} rows that are not there${bad[0]!.r !== null ? ` (for example rowid ${String(bad[0]!.r)})` : ''}`);
    }
    return fail(
      'conflict',
      `Bringing these rows back would break the database's foreign keys: ${problems.join('; ') || 'a row would point at a row that is not there'}; nothing was changed`,
      `Bring back the rows they point at in the same run (${[...parents].map((p) => `--table ${p}`).join(' ') || 'add the parent table'}), or export the rows instead (\`--to rows.csv\`)`,
    );
  }
  if (isBusy(e)) {
    return fail('in-use', `${req.live} is busy in another program that kept it from being written for ${Math.round(req.busyTimeoutMs / 1000)} s`, 'Close that program (or let it finish its work) and try again; nothing was changed');
  }
  return e;
}
