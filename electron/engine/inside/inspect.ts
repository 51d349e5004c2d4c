// Looking inside a restore point without restoring it: its tables with row counts and sizes, its
// schema, a page of any table's rows, and one table written out to a new CSV or SQLite file. The
// restore point is decoded and verified into the private place (private-copies.ts); everything is
// read there, in a worker thread, read-only.
import { randomBytes } from 'node:crypto';
import { link, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { ExportFormat, ExportSummary, RestorePointContents, RowKey, RowsPage } from '../../../shared/inside-view.ts';
import type { JobProgress, Manifest, Source } from '../../../shared/model.ts';
import type { DecryptWith } from '../artifact/artifact-codec.ts';
import type { EngineContext } from '../vault/context.ts';
import { fsyncDir, fsyncFile } from '../common/durable-fs.ts';
import { LifeboatError, errorCode, explainWriteError } from '../common/errors.ts';
import { runInside } from './run-inside.ts';
import { whileVerifying, type PrivateCopies } from './private-copies.ts';
import { loadRestorePoint } from '../vault/restore-points.ts';
import { listSources } from '../vault/sources.ts';

export interface InsideOptions {
  /** Passphrases and age identities for an encrypted restore point. */
  keys?: DecryptWith;
  signal?: AbortSignal;
  onProgress?: (p: JobProgress) => void;
}

export interface RowsOptions extends InsideOptions {
  offset?: number;
  /** Rows per page: 20 unless given, at most 1000. */
  limit?: number;
  /** Only these rows (by key, or rowid for a table without a primary key). */
  rows?: RowKey[];
}

export interface ExportRequest extends InsideOptions {
  id: string;
  table: string;
  /** A new file; never one that exists. */
  to: string;
  /** From the file name when not given: `.csv` is CSV, anything else a new SQLite database. */
  format?: ExportFormat;
  rows?: RowKey[];
}

/**
 * The registered database a restore point belongs to: the live side of a comparison and where rows
 * are brought back. Never a path read from the manifest (it may come from a destination).
 */
export function liveSourceOf(ctx: EngineContext, manifest: Manifest, doing: string): Source {
  const source = listSources(ctx).find((s) => s.id === manifest.source.id);
  if (source) return source;
  throw new LifeboatError(
    'usage',
    `Restore point ${manifest.id} is of "${manifest.source.id}", which is not a database registered on this machine, so there is no database ${doing}`,
    'Register the database it belongs to first (`lifeboat sources add PATH`), or compare it with another restore point (`lifeboat diff ID OTHER-ID`) or export its tables (`lifeboat recover ID --table T --to FILE`)',
  );
}

/** What is inside a restore point: tables (rows, sizes, keys, indexes, triggers), views, schema. */
export async function lookInside(ctx: EngineContext, copies: PrivateCopies, id: string, o: InsideOptions = {}): Promise<RestorePointContents> {
  const manifest = await loadRestorePoint(ctx, id);
  const copy = await copies.restorePoint(manifest, o);
  try {
    const r = await whileVerifying([copy], o.signal, (signal) => runInside({ op: 'contents', file: copy.file }, { signal, file: `restore point ${manifest.id}` }));
    return { id: manifest.id, sourceId: manifest.source.id, createdAt: manifest.createdAt, databaseBytes: manifest.database.bytes, ...r };
  } finally {
    await copy.release();
  }
}

/** A page of one table's rows (newest first where the table has an integer key, a date column or a rowid). */
export async function tableRows(ctx: EngineContext, copies: PrivateCopies, id: string, table: string, o: RowsOptions = {}): Promise<RowsPage> {
  const limit = o.limit ?? 20;
  const offset = o.offset ?? 0;
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new LifeboatError('usage', `${limit} rows is not a page size Lifeboat shows`, 'Ask for 1 to 1000 rows at a time (--limit)');
  if (!Number.isInteger(offset) || offset < 0) throw new LifeboatError('usage', `${offset} is not a row to start from`, 'Give 0 or more (--offset)');
  const manifest = await loadRestorePoint(ctx, id);
  const copy = await copies.restorePoint(manifest, o);
  try {
    return await whileVerifying([copy], o.signal, (signal) => runInside({ op: 'rows', file: copy.file, table, offset, limit, ...(o.rows ? { keys: o.rows } : {}) }, { signal, file: `restore point ${manifest.id}` }));
  } finally {
    await copy.release();
  }
}

const exists = (file: string) => stat(file).then(() => true, (e: unknown) => errorCode(e) !== 'ENOENT');

/**
 * Writes one table of a restore point (or the chosen rows) to the new file `to`: CSV (RFC 4180, a
 * header row, NULL as an empty field, blobs as \x-prefixed hex) or a new SQLite database holding
 * that table and its indexes. Written beside `to` under a temporary name, fsynced, then linked into
 * place, so `to` is never half written and never replaces a file.
 */
export async function exportTable(ctx: EngineContext, copies: PrivateCopies, req: ExportRequest): Promise<ExportSummary> {
  const to = path.resolve(req.to);
  const format: ExportFormat = req.format ?? (/\.csv$/i.test(to) ? 'csv' : 'sqlite');
  const dir = path.dirname(to);
  if (!(await stat(dir).then((s) => s.isDirectory(), () => false))) throw new LifeboatError('not-found', `The folder ${dir} does not exist`, 'Create it first, or export somewhere else');
  for (const f of format === 'sqlite' ? [to, `${to}-journal`, `${to}-wal`] : [to]) {
    if (await exists(f)) throw new LifeboatError('exists', `${f} already exists`, 'Export to a file that does not exist yet (Lifeboat never overwrites a file)');
  }
  const manifest = await loadRestorePoint(ctx, req.id);
  const copy = await copies.restorePoint(manifest, req);
  const temp = path.join(dir, `.${path.basename(to)}.lifeboat-export-${process.pid}-${randomBytes(3).toString('hex')}.tmp`);
  try {
    const r = await whileVerifying([copy], req.signal, (signal) =>
      runInside(
        { op: 'export', file: copy.file, table: req.table, temp, format, ...(req.rows ? { keys: req.rows } : {}) },
        { signal, file: `restore point ${manifest.id}`, onProgress: (done, total) => req.onProgress?.({ phase: 'exporting', done, total, unit: 'rows' }) },
      ),
    );
    await fsyncFile(temp);
    await placeNew(temp, to);
    await fsyncDir(dir);
    return { restorePointId: manifest.id, table: r.table, file: to, format, rows: r.rows };
  } catch (e) {
    throw explainWriteError(e, dir);
  } finally {
    await copy.release();
    await rm(temp, { force: true });
    await rm(`${temp}-journal`, { force: true });
  }
}

/** Gives `temp` the name `to` without ever replacing a file there (a hard link where the disk allows it). */
async function placeNew(temp: string, to: string): Promise<void> {
  try {
    await link(temp, to);
    return;
  } catch (e) {
    if (errorCode(e) === 'EEXIST') throw new LifeboatError('exists', `${to} already exists`, 'Export to a file that does not exist yet (Lifeboat never overwrites a file)');
    if (!['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS'].includes(errorCode(e) ?? '')) throw e;
  }
  // A disk without hard links (FAT, exFAT): check, then rename.
  if (await exists(to)) throw new LifeboatError('exists', `${to} already exists`, 'Export to a file that does not exist yet (Lifeboat never overwrites a file)');
  await rename(temp, to);
}
