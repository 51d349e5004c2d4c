// IPC handlers of looking inside a restore point: its tables and rows, comparing, bringing rows
// back (main asks first) and saving them to a file.
import type { IpcHandlers } from '../../../shared/ipc-contract.ts';
import { rowsOf } from '../../../shared/comparison-words.ts';
import { whenExact } from '../../../shared/time-words.ts';
import type { RecoverSummary } from '../../../shared/inside-view.ts';
import type { HandlerDeps } from './deps.ts';

/** What a recover did, in words, for the activity list. */
export function recoveredInWords(r: RecoverSummary): string {
  if (r.nothingToDo) return 'Nothing to bring back: every chosen row is already there';
  const parts = r.tables.map((t) => `${t.inserted + t.replaced} row${t.inserted + t.replaced === 1 ? '' : 's'} into ${t.table}${t.replaced ? ` (${t.replaced} overwritten)` : ''}`);
  return `Brought back ${parts.join(', ')}; the database before was kept as a safety copy`;
}

/** The channels of looking inside. */
export function insideHandlers(deps: HandlerDeps): Pick<IpcHandlers, 'inside:contents' | 'inside:rows' | 'inside:compare' | 'inside:close' | 'recover:run' | 'recover:export'> {
  const { engine, jobs, effects } = deps;
  return {
    'inside:contents': async ({ id }) => {
      const m = await engine.get(id);
      return jobs.run(
        { kind: 'look', title: `Opening a restore point of ${m.source.name}`, sourceId: m.source.id, restorePointId: m.id, log: false },
        ({ signal, progress }) => engine.lookInside(m.id, { signal, onProgress: progress }),
        () => ({ message: 'Opened', restorePointId: m.id }),
      );
    },
    'inside:rows': async ({ id, table, offset, limit, rows }) => engine.tableRows(id, table, { offset, limit, rows }),
    'inside:compare': async ({ id, with: other }) => {
      const m = await engine.get(id);
      return jobs.run(
        { kind: 'compare', title: `Comparing a restore point of ${m.source.name} with ${other ? 'another one' : 'the database now'}`, sourceId: m.source.id, restorePointId: m.id, log: false },
        ({ signal, progress }) => engine.compare(m.id, other, { signal, onProgress: progress }),
        (c) => ({ message: c.same ? 'No difference' : `${c.totals.back} rows would come back, ${c.totals.lost} would be lost, ${c.totals.changed} differ`, restorePointId: m.id }),
      );
    },
    'inside:close': async () => engine.doneLooking(),
    'recover:run': async ({ id, selections, onConflict }) => {
      const m = await engine.get(id);
      // Main asks, naming the real file: the renderer alone cannot change a database.
      const target = engine.restoreTarget(m);
      const what = selections.map((s) => (s.rows ? rowsOf(s.rows.length, s.table) : `every missing row of ${s.table}`)).join(' and ');
      const confirmed = await effects.confirm({
        message: `Bring ${what} from the restore point of ${whenExact(m.createdAt)} back into ${target}?`,
        detail: `${onConflict === 'replace' ? 'A row that is there with other values is replaced by the restore point\'s. ' : 'A row that is there already is left as it is. '}Nothing is deleted. A safety copy of the database as it is now is taken first, so this can be undone. The database's own rules apply: foreign keys, and its triggers run for these rows.`,
        confirmLabel: 'Bring back',
      });
      if (!confirmed) return null;
      return jobs.run(
        { kind: 'recover', title: `Bringing rows back into ${m.source.name}`, sourceId: m.source.id, restorePointId: m.id },
        ({ signal, progress }) => engine.recover({ id: m.id, selections, onConflict, signal, onProgress: progress }),
        (r) => ({ message: recoveredInWords(r), restorePointId: m.id }),
      );
    },
    'recover:export': async ({ id, table, format, rows }) => {
      const m = await engine.get(id);
      const stamp = m.createdAt.slice(0, 16).replace(/[:T]/g, '-');
      const to = await effects.chooseExportTarget(`${table.replace(/[^\w.-]+/g, '_')}-${stamp}.${format === 'csv' ? 'csv' : 'db'}`);
      if (!to) return null;
      return jobs.run(
        { kind: 'export', title: `Saving ${table} from a restore point of ${m.source.name}`, sourceId: m.source.id, restorePointId: m.id },
        ({ signal, progress }) => engine.exportTable({ id: m.id, table, to, format, rows, signal, onProgress: progress }),
        (r) => ({ message: `Saved ${r.rows} row${r.rows === 1 ? '' : 's'} of ${r.table} to ${r.file}`, restorePointId: m.id }),
      );
    },
  };
}
