// A comparison in words, the same in the CLI and the dashboard: "Restoring to 02:30 gives back 3
// orders and loses 46 orders and 12 customers added since."
import type { Comparison, TableDiff } from './inside-view.ts';

const count = (n: number) => n.toLocaleString('en-US');

/** The singular of a plural table name ("orders" → "order", "categories" → "category"). */
function singular(name: string): string {
  if (/ies$/i.test(name)) return name.replace(/ies$/i, 'y');
  if (/(ss|sh|ch|x|z)es$/i.test(name)) return name.replace(/es$/i, '');
  return name.replace(/s$/i, '');
}

/** A number of rows of a table: "3 orders", "1 order", "2 rows of stock". */
export function rowsOf(n: number, table: string): string {
  const name = table.replace(/_/g, ' ');
  if (/[^s]s$/i.test(name)) return n === 1 ? `1 ${singular(name)}` : `${count(n)} ${name}`;
  return `${count(n)} row${n === 1 ? '' : 's'} of ${name}`;
}

/** "a", "a and b", "a, b and c". */
function list(items: string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

/** The biggest three of one kind of difference, and how many more: "46 orders and 12 customers". */
function biggest(tables: TableDiff[], pick: (t: TableDiff) => number): string {
  const withRows = tables.filter((t) => t.match !== 'count' && pick(t) > 0).sort((a, b) => pick(b) - pick(a) || a.table.localeCompare(b.table));
  const shown = withRows.slice(0, 3).map((t) => rowsOf(pick(t), t.table));
  const rest = withRows.slice(3);
  const more = rest.reduce((n, t) => n + pick(t), 0);
  if (rest.length) shown.push(`${more === 1 ? '1 row' : `${count(more)} rows`} of ${rest.length} more table${rest.length === 1 ? '' : 's'}`);
  return list(shown);
}

/**
 * What restoring A over the live database would do, in one sentence, given when A was taken (as
 * the reader's clock says it): "Restoring to 02:30 gives back 3 orders and loses 46 orders and 12
 * customers added since."
 */
export function restoreSentence(c: Comparison, when: string): string {
  const back = biggest(c.tables, (t) => t.back);
  const lost = biggest(c.tables, (t) => t.lost);
  const changed = biggest(c.tables, (t) => t.changed);
  let s = `Restoring to ${when}`;
  if (back && lost) s += ` gives back ${back} and loses ${lost} added since`;
  else if (back) s += ` gives back ${back}`;
  else if (lost) s += ` loses ${lost} added since`;
  if (changed) s += `${back || lost ? ', and' : ''} undoes the changes made since to ${changed}`;
  if (!back && !lost && !changed) s += c.schema.length ? ' changes no rows' : ' changes nothing: the data is the same as now';
  return `${s}.`;
}

/** How two restore points differ, in one sentence: "A has 3 orders that B has not, lacks 46 orders, and 2 customers differ." */
export function differenceSentence(c: Comparison, a: string, b: string): string {
  const back = biggest(c.tables, (t) => t.back);
  const lost = biggest(c.tables, (t) => t.lost);
  const changed = biggest(c.tables, (t) => t.changed);
  const parts = [back && `has ${back} that ${b} has not`, lost && `lacks ${lost} that ${b} has`, changed && `holds other values for ${changed}`].filter(Boolean) as string[];
  if (parts.length === 0) return c.schema.length ? `${a} and ${b} hold the same rows.` : `${a} and ${b} hold the same data.`;
  return `${a} ${list(parts)}.`;
}

/** The schema changes in words, or undefined when there are none: "The database's layout changed: table coupons added; column orders.note added." */
export function schemaSentence(c: Comparison, since = 'since'): string | undefined {
  const items: string[] = [];
  for (const s of c.schema) {
    if (s.type === 'table' && s.change === 'changed') continue; // said per column below
    items.push(`${s.type} ${s.name} ${s.change === 'added' ? `added ${since}` : s.change === 'removed' ? `removed ${since}` : `changed ${since}`}`);
  }
  for (const t of c.tables) {
    for (const col of t.columns?.added ?? []) items.push(`column ${t.table}.${col} added ${since}`);
    for (const col of t.columns?.removed ?? []) items.push(`column ${t.table}.${col} removed ${since}`);
    for (const col of t.columns?.retyped ?? []) items.push(`column ${t.table}.${col} changed type ${since}`);
    if (t.keyChanged) items.push(`the primary key of ${t.table} changed ${since}`);
  }
  if (items.length === 0) return undefined;
  const shown = items.slice(0, 6);
  return `The database's layout changed too: ${shown.join('; ')}${items.length > shown.length ? `; and ${items.length - shown.length} more` : ''}.`;
}
