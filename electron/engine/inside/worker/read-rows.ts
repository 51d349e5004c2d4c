// A page of one table's rows of a restore point, as previews. Runs in the worker.
import type { Cell, RowKey, RowsPage } from '../../../../shared/inside-view.ts';
import type { Db, Raw } from './messages.ts';
import { chosenRows, readableTable } from './describe-tables.ts';
import { colRef, fail, num, previewCell, previewSql, quoteId, toValue } from './sql.ts';

/**
 * A page of rows of one table, in its order (newest first where it can tell), or the rows with the
 * given keys. The page's rows are found first (their keys), then each one's cells are read as
 * previews (previewSql), a few hundred columns at a time (SQLite's limit on result columns). A
 * VIRTUAL generated column is not computed (TableDesc.computed): its cells say so.
 */
export function readRows(db: Db, table: string, offset: number, limit: number, keys: RowKey[] | undefined): RowsPage {
  const t = readableTable(db, table, '; its data is in its own tables');
  if (t.key.length === 0 || t.walk.length === 0) throw fail('unreadable', `The rows of ${t.name} cannot be told apart (it has no primary key and no rowid)`, 'Export the table instead');
  const keyRefs = t.key.map((k) => colRef('x', k, t));
  const walkRefs = t.walk.map((k) => colRef('x', k, t));
  const from = `main.${quoteId(t.name)} AS x`;
  const where = chosenRows(db, t, keys);
  const total = num(db.prepare(`SELECT count(*) FROM ${from} ${where}`).pluck().get());
  const page = db.prepare(`SELECT ${[...walkRefs, ...keyRefs].join(', ')} FROM ${from} ${where} ORDER BY ${t.orderSql} LIMIT ? OFFSET ?`).raw().all(BigInt(limit), BigInt(offset)) as Raw[][];
  const read = t.columns.map((c) => c.name).filter((c) => !t.computed.includes(c));
  const batches: string[][] = [];
  for (let i = 0; i < read.length; i += 500) batches.push(read.slice(i, i + 500));
  const byWalk = walkRefs.map((w) => `${w} = ?`).join(' AND ');
  const reads = batches.map((b) => db.prepare(`SELECT ${b.map((c) => previewSql(colRef('x', c, t))).join(', ')} FROM ${from} WHERE ${byWalk}`).raw());
  const rows = page.map((r) => {
    const got: Cell[] = [];
    for (const stmt of reads) {
      const values = (stmt.get(...r.slice(0, t.walk.length)) ?? []) as Raw[];
      for (let i = 0; i < values.length; i += 2) got.push(previewCell(values[i]!, values[i + 1]!));
    }
    const cells = t.columns.map((c): Cell => (t.computed.includes(c.name) ? { generated: true } : got.shift()!));
    return { key: r.slice(t.walk.length).map(toValue), cells };
  });
  return { table: t.name, columns: t.columns.map((c) => c.name), keyColumns: t.key, order: t.order, total, offset, rows };
}
