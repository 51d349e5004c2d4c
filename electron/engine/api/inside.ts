// The looking-inside part of the Engine: a restore point's tables and rows, what a restore would
// change, bringing rows back and exporting them, all on private copies kept a few minutes.
import type { Comparison, ExportSummary, RecoverSummary, RestorePointContents, RowsPage } from '../../../shared/inside-view.ts';
import { resolveDecryption } from '../artifact/keys.ts';
import { compareRestorePoint } from '../inside/compare.ts';
import { exportTable, lookInside, tableRows, type ExportRequest, type InsideOptions, type RowsOptions } from '../inside/inspect.ts';
import type { PrivateCopies } from '../inside/private-copies.ts';
import { recoverRows, type RecoverRequest } from '../inside/recover.ts';
import type { EngineContext } from '../vault/context.ts';

export interface InsideApi {
  /** Looks inside a restore point without restoring it: its tables (rows, sizes, keys), views and schema. */
  lookInside(id: string, o?: InsideOptions): Promise<RestorePointContents>;
  /** A page of one table's rows in a restore point (newest first where it can tell), or the rows with the given keys. */
  tableRows(id: string, table: string, o?: RowsOptions): Promise<RowsPage>;
  /** What restoring `id` would change, table by table: against its live database, or against restore point `other`. */
  compare(id: string, other?: string, o?: InsideOptions): Promise<Comparison>;
  /** Brings chosen rows (or whole tables) of a restore point back into its live database, after a safety copy (`undo` reverses it). */
  recover(req: RecoverRequest): Promise<RecoverSummary>;
  /** Writes one table of a restore point (or chosen rows) to a new CSV or SQLite file. */
  exportTable(req: ExportRequest): Promise<ExportSummary>;
  /** Removes the private copies kept for looking inside that nobody is using (the person is done looking). */
  doneLooking(): void;
}

/** The looking-inside part of the Engine over `ctx`, reading through `copies`. */
export function insideApi(ctx: EngineContext, copies: PrivateCopies): InsideApi {
  const withKeys = async <T extends { keys?: InsideOptions['keys'] }>(o: T): Promise<T> => ({ ...o, keys: await resolveDecryption(ctx, o.keys) });
  return {
    lookInside: async (id, o = {}) => lookInside(ctx, copies, id, await withKeys(o)),
    tableRows: async (id, table, o = {}) => tableRows(ctx, copies, id, table, await withKeys(o)),
    compare: async (id, other, o = {}) => compareRestorePoint(ctx, copies, id, other, await withKeys(o)),
    recover: async (req) => recoverRows(ctx, copies, await withKeys(req)),
    exportTable: async (req) => exportTable(ctx, copies, await withKeys(req)),
    doneLooking: () => copies.dropIdle(),
  };
}
