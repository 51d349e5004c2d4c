// `lifeboat show`, `diff` and `recover`: look inside a restore point, see what a restore would
// change, and bring back just the rows that were lost (or write them to a file).
import { Option } from 'commander';
import type { Cell, Comparison, RecoverSelection, RecoverSummary, RestorePointContents, RowKey, SqlValue } from '../../shared/inside-view.ts';
import type { Manifest } from '../../shared/model.ts';
import { differenceSentence, restoreSentence, schemaSentence } from '../../shared/comparison-words.ts';
import { LifeboatError } from '../engine/common/errors.ts';
import { formatBytes } from '../../shared/bytes.ts';
import { collect, confirm, countOption, keysFor, localTime, table, type CliContext, withKeyOptions } from './shared.ts';
import { multiLine, oneLine } from './terminal-text.ts';
import { recoveredInWords } from '../app/handlers/inside.ts';

/** A value read from the command line: an integer, a range's ends, or text. */
function parseValue(text: string): SqlValue {
  if (/^-?\d+$/.test(text)) {
    const n = Number(text);
    return Number.isSafeInteger(n) ? n : { int: text };
  }
  return text;
}

/**
 * Row keys as written after --rows: `5,6,10-12` (integers and ranges), `abc,def` (text), or JSON
 * for keys of several columns: `[["EU",7],["US",3]]`.
 */
export function parseRows(text: string): RowKey[] {
  const t = text.trim();
  if (t.startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(t);
    } catch {
      throw new LifeboatError('usage', `--rows ${t} is not valid JSON`, 'Write keys of several columns as JSON: [["EU",7],["US",3]]');
    }
    if (!Array.isArray(parsed) || parsed.length === 0) throw new LifeboatError('usage', '--rows needs at least one row', 'For example --rows 5,6 or --rows \'[["EU",7]]\'');
    return parsed.map((row: unknown) => {
      const values = Array.isArray(row) ? row : [row];
      for (const v of values) if (v !== null && typeof v !== 'number' && typeof v !== 'string') throw new LifeboatError('usage', `--rows: ${JSON.stringify(v)} is not a key value`, 'Use numbers, text or null');
      return values as RowKey;
    });
  }
  const rows: RowKey[] = [];
  for (const part of t.split(',').map((p) => p.trim()).filter(Boolean)) {
    const range = /^(-?\d+)-(-?\d+)$/.exec(part);
    if (range) {
      const [lo, hi] = [Number(range[1]), Number(range[2])];
      if (!Number.isSafeInteger(lo) || !Number.isSafeInteger(hi) || hi < lo || hi - lo >= 100_000) throw new LifeboatError('usage', `--rows ${part} is not a range Lifeboat takes`, 'Write a range low-high of at most 100,000 rows');
      for (let i = lo; i <= hi; i++) rows.push([i]);
    } else rows.push([parseValue(part)]);
  }
  if (rows.length === 0) throw new LifeboatError('usage', '--rows needs at least one row', 'For example --rows 5,6,10-12');
  return rows;
}

/** The tables and rows of a `recover`: each --table once; --rows [TABLE:]LIST (the table may be left out when there is one). */
export function parseSelections(tables: string[], rows: string[]): RecoverSelection[] {
  if (tables.length === 0) throw new LifeboatError('usage', 'Name the table to bring rows back into', 'Add --table NAME (and --rows to choose rows; without it, every row of the table)');
  const selections: RecoverSelection[] = tables.map((table) => ({ table }));
  for (const r of rows) {
    const prefixed = selections.find((s) => r.toLowerCase().startsWith(`${s.table.toLowerCase()}:`));
    const target = prefixed ?? (selections.length === 1 ? selections[0] : undefined);
    if (!target) throw new LifeboatError('usage', `--rows ${r} does not say which table it is for`, 'With several --table, write --rows TABLE:5,6');
    const keys = parseRows(prefixed ? r.slice(target.table.length + 1) : r);
    target.rows = [...(target.rows ?? []), ...keys];
  }
  return selections;
}

/** A cell for a terminal: short, one line, its control characters visible (see terminal-text.ts). */
function cellText(c: Cell): string {
  return oneLine(cellPreview(c));
}

/** A cell, short and on one line (its control characters still raw). */
function cellPreview(c: Cell): string {
  if (c === null) return 'NULL';
  if (typeof c === 'number') return String(c);
  if (typeof c === 'string') return c.length > 40 ? `${c.slice(0, 39)}…` : c.replace(/\s+/g, ' ');
  if ('int' in c) return c.int;
  if ('blob' in c) return c.hex === '' && c.blob > 0 ? `<blob ${formatBytes(c.blob)}>` : `<blob ${formatBytes(c.blob)} ${c.hex.slice(0, 16)}${c.blob > 8 ? '…' : ''}>`;
  if ('hex' in c) return `x'${c.hex.slice(0, 16)}${c.hex.length > 16 ? '…' : ''}'`;
  if ('bytes' in c) return `(text, ${formatBytes(c.bytes)})`;
  if ('generated' in c) return '(generated: not computed)';
  return `${c.text.slice(0, 39).replace(/\s+/g, ' ')}… (${c.chars} chars)`;
}

/** The comparison with every table, column and schema object name made safe for a terminal (see terminal-text.ts). */
function namesForTerminal(c: Comparison): Comparison {
  return {
    ...c,
    tables: c.tables.map((t) => ({
      ...t,
      table: oneLine(t.table),
      ...(t.columns ? { columns: { added: t.columns.added.map(oneLine), removed: t.columns.removed.map(oneLine), retyped: t.columns.retyped.map(oneLine) } } : {}),
    })),
    schema: c.schema.map((x) => ({ ...x, name: oneLine(x.name) })),
  };
}

/** The comparison as a table and sentences, for a terminal (names from the databases made safe). */
function describeComparison(compared: Comparison, aLabel: string, bLabel: string): string {
  const c = namesForTerminal(compared);
  const rows = [['TABLE', 'ROWS THEN', 'NOW', 'BACK', 'LOST', 'CHANGED', 'NOTE']];
  if (c.b.kind === 'restore-point') rows[0] = ['TABLE', 'ROWS IN A', 'IN B', 'ONLY IN A', 'ONLY IN B', 'CHANGED', 'NOTE'];
  const n = (x: number | null) => (x === null ? '?' : x.toLocaleString('en-US'));
  for (const t of c.tables) {
    const counted = t.match !== 'count';
    const note = [t.only === 'a' ? `only in ${c.b.kind === 'live' ? 'the restore point' : 'A'}` : t.only === 'b' ? `only in ${c.b.kind === 'live' ? 'the database now' : 'B'}` : '', t.match === 'content' ? 'matched by content (no primary key)' : '', t.note ?? ''].filter(Boolean).join('; ');
    rows.push([t.table, n(t.rows.a), n(t.rows.b), counted ? n(t.back) : '-', counted ? n(t.lost) : '-', counted ? n(t.changed) : '-', note]);
  }
  const lines = [`Comparing ${aLabel} with ${bLabel}`, c.tables.length ? table(rows) : '(no tables)'];
  lines.push(c.b.kind === 'live' ? restoreSentence(c, localTime(c.a.createdAt)) : differenceSentence(c, 'A', 'B'));
  const schema = schemaSentence(c, c.b.kind === 'live' ? 'since' : 'in B');
  if (schema) lines.push(schema);
  return lines.join('\n');
}

/** Registers the look-inside commands on the program. */
export function registerInspectCommands(cx: CliContext): void {
  registerShow(cx);
  registerDiff(cx);
  registerRecover(cx);
}

/** `lifeboat show ID`: its tables, or a page of one table's rows. */
function registerShow(cx: CliContext): void {
  const { io, program, open, print, progress } = cx;
  const show = program
    .command('show')
    .description('look inside a restore point without restoring it: its tables (rows, sizes), schema, or a page of a table\'s rows')
    .argument('<id>', 'restore point id (or a unique part of it)')
    .option('--table <name>', 'show this table\'s rows (newest first where it can tell)')
    .option('--limit <n>', 'rows to show (default 20, at most 1000)', countOption)
    .option('--offset <n>', 'skip this many rows first', countOption)
    .option('--rows <keys>', 'only these rows: 5,6,10-12 or JSON for keys of several columns')
    .option('--schema', 'print the CREATE statements too');
  withKeyOptions(show);
  show.action(async (id: string, o: { table?: string; limit?: number; offset?: number; rows?: string; schema?: boolean; identity?: string[]; passphraseFile?: string }) => {
    const e = await open();
    const m = await e.get(id);
    const keys = await keysFor(io, e, m, o);
    const bar = progress();
    try {
      if (o.table) {
        const page = await e.tableRows(m.id, o.table, { keys, limit: o.limit, offset: o.offset, ...(o.rows ? { rows: parseRows(o.rows) } : {}), onProgress: (p) => bar.update(p) });
        bar.done();
        const head = page.rows.length ? `rows ${page.offset + 1}–${page.offset + page.rows.length} of ${page.total.toLocaleString('en-US')}` : `no rows (of ${page.total.toLocaleString('en-US')})`;
        const lines = [`${oneLine(page.table)} in ${m.id} (${localTime(m.createdAt)}): ${head}, ${oneLine(page.order)}`];
        if (page.rows.length) lines.push(table([page.columns.map(oneLine), ...page.rows.map((r) => r.cells.map(cellText))]));
        if (page.offset + page.rows.length < page.total) lines.push(`More: --offset ${page.offset + page.rows.length}`);
        print(lines.join('\n'), page);
        return;
      }
      const c = await e.lookInside(m.id, { keys, onProgress: (p) => bar.update(p) });
      bar.done();
      const lines = describeContents(m, c, o.schema);
      print(lines.join('\n'), c);
    } finally {
      bar.done();
    }
  });
}

/** A restore point's contents for a person: its tables (rows, sizes, keys), views and triggers, and with `schema` every CREATE statement. */
function describeContents(m: Manifest, c: RestorePointContents, schema: boolean | undefined): string[] {
  const rows = [['TABLE', 'KIND', 'ROWS', 'SIZE', 'KEY']];
  for (const t of c.tables.filter((x) => x.kind !== 'shadow')) {
    const kind = t.kind === 'without-rowid' ? 'without rowid' : t.kind === 'virtual' ? `virtual (${c.tables.filter((s) => s.of === t.name).length} storage tables)` : 'table';
    rows.push([oneLine(t.name), kind, t.rows === null ? '?' : t.rows.toLocaleString('en-US'), formatBytes(t.bytes + t.indexBytes + c.tables.filter((s) => s.of === t.name).reduce((n, s) => n + s.bytes + s.indexBytes, 0)), t.match === 'content' ? '(none: rows matched by content)' : oneLine(t.key.join(', '))]);
  }
  const lines = [`Restore point ${m.id} of ${m.source.id}, taken ${localTime(m.createdAt)}: ${formatBytes(c.databaseBytes)}, ${c.tables.filter((t) => t.kind !== 'shadow').length} tables`, table(rows)];
  if (c.views.length) lines.push(`Views: ${c.views.map((v) => oneLine(v.name)).join(', ')}`);
  const triggers = [...c.tables.flatMap((t) => t.triggers), ...c.otherTriggers];
  if (triggers.length) lines.push(`Triggers: ${triggers.map((t) => oneLine(t.name)).join(', ')}`);
  if (schema) {
    // CREATE statements keep their lines (and tabs); nothing else in them reaches the terminal raw.
    const sql = (text: string) => multiLine(`${text};`);
    for (const t of c.tables.filter((x) => x.kind !== 'shadow')) lines.push('', sql(t.sql), ...t.indexes.map((i) => sql(i.sql)), ...t.triggers.map((x) => sql(x.sql)));
    for (const v of [...c.views, ...c.otherTriggers]) lines.push('', sql(v.sql));
  } else lines.push(`Rows of a table: lifeboat show ${m.id} --table NAME; its CREATE statements: --schema`);
  return lines;
}

/** `lifeboat diff ID [ID2]`. */
function registerDiff(cx: CliContext): void {
  const { io, program, open, print, progress } = cx;
  const diff = program
    .command('diff')
    .description('what restoring a restore point would change: compared with the database now, or with another restore point')
    .argument('<id>', 'restore point id (A)')
    .argument('[other]', 'another restore point (B); without it, the database now');
  withKeyOptions(diff);
  diff.action(async (id: string, other: string | undefined, o: { identity?: string[]; passphraseFile?: string }) => {
    const e = await open();
    const a = await e.get(id);
    const b = other ? await e.get(other) : undefined;
    const keys = await keysFor(io, e, a, o);
    if (b) {
      const more = await keysFor(io, e, b, o);
      keys.passphrases = [...(keys.passphrases ?? []), ...(more.passphrases ?? []).filter((p) => !keys.passphrases?.includes(p))];
    }
    const bar = progress();
    try {
      const c = await e.compare(a.id, b?.id, { keys, onProgress: (p) => bar.update(p) });
      bar.done();
      const aLabel = `${a.id} (${localTime(a.createdAt)})`;
      const bLabel = b ? `${b.id} (${localTime(b.createdAt)})` : `${c.b.kind === 'live' ? c.b.path : ''} now`;
      print(describeComparison(c, b ? `A = ${aLabel}` : aLabel, b ? `B = ${bLabel}` : bLabel), c);
    } finally {
      bar.done();
    }
  });
}

/** `lifeboat recover ID --table T`: rows brought back, or written to a new file with --to. */
function registerRecover(cx: CliContext): void {
  const { io, program, open, print, progress } = cx;
  const recover = program
    .command('recover')
    .description('bring rows of a restore point back into the database (a safety copy is taken first; `lifeboat undo` reverses it), or write them to a new file with --to')
    .argument('<id>', 'restore point id (or a unique part of it)')
    .option('--table <name>', 'the table to bring rows back into; repeatable (a parent and its children together)', collect)
    .option('--rows <keys>', 'only these rows, by primary key (or rowid): 5,6,10-12, or TABLE:5,6 with several --table, or JSON for keys of several columns; repeatable', collect)
    .addOption(new Option('--on-conflict <what>', 'a row whose key is already there: leave it (skip) or overwrite it with the restore point\'s (replace)').choices(['skip', 'replace']).default('skip'))
    .option('--to <file>', 'write the rows to this new file instead: .csv for CSV, anything else a new SQLite database')
    .addOption(new Option('--format <format>', 'the file --to writes (default: from its name)').choices(['csv', 'sqlite']))
    .option('--no-foreign-keys', 'let in rows that point at rows that are not in the database (not checked)')
    .option('--wait <seconds>', 'wait this long for another job on the same database', countOption);
  withKeyOptions(recover);
  recover.action(async (id: string, o: { table?: string[]; rows?: string[]; onConflict: 'skip' | 'replace'; to?: string; format?: 'csv' | 'sqlite'; foreignKeys: boolean; wait?: number; identity?: string[]; passphraseFile?: string }) => {
    const e = await open();
    const selections = parseSelections(o.table ?? [], o.rows ?? []);
    const m = await e.get(id);
    const keys = await keysFor(io, e, m, o);
    const bar = progress();
    try {
      if (o.to) {
        if (selections.length !== 1) throw new LifeboatError('usage', '--to writes one table', 'Give one --table with --to');
        const table = selections[0]!.table;
        const r = await cx.record(
          { kind: 'export', title: `Saving ${table} from a restore point of ${m.source.name}`, sourceId: m.source.id, restorePointId: m.id },
          () => e.exportTable({ id: m.id, table, to: o.to as string, format: o.format, rows: selections[0]!.rows, keys, onProgress: (p) => bar.update(p) }),
          (x) => ({ message: `${x.rows} row${x.rows === 1 ? '' : 's'} written to ${x.file}` }),
        );
        bar.done();
        print(`Wrote ${r.rows.toLocaleString('en-US')} row${r.rows === 1 ? '' : 's'} of ${oneLine(r.table)} to ${oneLine(r.file)} (${r.format === 'csv' ? 'CSV' : 'a new SQLite database'})`, r);
        return;
      }
      const what = selections.map((s) => (s.rows ? `${s.rows.length} row${s.rows.length === 1 ? '' : 's'} of ${s.table}` : `every row of ${s.table}`)).join(' and ');
      await confirm(io, program.opts(), `Bring ${what} from ${m.id} (${localTime(m.createdAt)}) back into ${e.sources.get(m.source.id).path}${o.onConflict === 'replace' ? ', overwriting rows that are there with other values' : ''}? A safety copy of the database is taken first.`);
      const r = await cx.record(
        { kind: 'recover', title: `Bringing rows back into ${m.source.name}`, sourceId: m.source.id, restorePointId: m.id },
        () => e.recover({ id: m.id, selections, onConflict: o.onConflict, foreignKeys: o.foreignKeys, waitMs: (o.wait ?? 0) * 1000, keys, onProgress: (p) => bar.update(p) }),
        (x) => ({ message: recoveredInWords(x) }),
      );
      bar.done();
      const lines = describeRecovered(r);
      print(lines.join('\n'), r);
    } finally {
      bar.done();
    }
  });
}

/** What bringing rows back did, table by table, for a person. */
function describeRecovered(r: RecoverSummary): string[] {
  const lines: string[] = [];
  for (const t of r.tables) {
    const parts = [`${t.inserted.toLocaleString('en-US')} brought back`];
    if (t.replaced) parts.push(`${t.replaced.toLocaleString('en-US')} overwritten`);
    if (t.skipped) parts.push(`${t.skipped.toLocaleString('en-US')} left as they are now (they differ; --on-conflict replace overwrites them)`);
    if (t.unchanged) parts.push(`${t.unchanged.toLocaleString('en-US')} already there`);
    lines.push(`${oneLine(t.table)}: ${parts.join(', ')}`);
    if (t.triggers.length) lines.push(`  the database's own triggers for these rows were in force (each runs when its WHEN matches): ${t.triggers.map(oneLine).join(', ')}`);
    if (t.droppedColumns.length) lines.push(`  not brought back (the table no longer has these columns): ${t.droppedColumns.map(oneLine).join(', ')}`);
  }
  if (r.nothingToDo) lines.push('Nothing was changed: every chosen row is already there.');
  else lines.push(`Safety copy of the database before: ${r.safetyCopyId} (undo with \`lifeboat undo\`)`);
  return lines;
}
