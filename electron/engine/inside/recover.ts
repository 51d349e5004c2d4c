// Bringing rows back: chosen rows (by primary key, or rowid for a table without one) or whole tables
// of a restore point are copied into the live database, in one transaction through SQLite's own
// locking, after a safety copy, and recorded like a restore, so `undo` puts the database back as it was. Rows that are missing
// are inserted; a row whose key exists is skipped or replaced, as the person chose; nothing is ever
// deleted. Foreign keys are checked when the transaction ends (a parent and its children can come
// back together; a row that would point at nothing stops the whole recover); the live database's
// own triggers run, as they would for its program.
import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { OnConflict, RecoverSelection, RecoverSummary } from '../../../shared/inside-view.ts';
import { backupLocked } from '../vault/backup.ts';
import { pendingRestoresDir } from '../common/data-folder.ts';
import { type EngineContext } from '../vault/context.ts';
import { ensureDir, writeFileDurable } from '../common/durable-fs.ts';
import { LifeboatError, isLifeboatError } from '../common/errors.ts';
import { runInside } from './run-inside.ts';
import { liveSourceOf, type InsideOptions } from './inspect.ts';
import { withSourceLock } from '../vault/source-lock.ts';
import type { PrivateCopies } from './private-copies.ts';
import { describeHolders, findHolders } from '../snapshot/open-holders.ts';
import { discardSafetyCopy, loadRestorePoint } from '../vault/restore-points.ts';
import { preflight } from '../snapshot/sqlite-files.ts';

export interface RecoverRequest extends InsideOptions {
  /** The restore point to take the rows from. */
  id: string;
  /** The tables, each with its chosen rows or all of them. */
  selections: RecoverSelection[];
  /** A row whose key is already in the database: left as it is (`skip`, the default) or overwritten (`replace`). */
  onConflict?: OnConflict;
  /** Check foreign keys (the default). `false` lets in rows that point at rows that are not there. */
  foreignKeys?: boolean;
  /** Wait this long for another job on the same database before refusing. */
  waitMs?: number;
}

/**
 * Brings rows back (see the module comment). Refused, with nothing changed, when a chosen row is not
 * in the restore point, a table is not in the database now or its key changed, or a row would break
 * a constraint. Cancellation stops it until it starts writing; the write itself is one short
 * transaction and finishes.
 */
export async function recoverRows(ctx: EngineContext, copies: PrivateCopies, req: RecoverRequest): Promise<RecoverSummary> {
  if (req.selections.length === 0) throw new LifeboatError('usage', 'No table was chosen', 'Name a table to bring rows back into (--table)');
  const names = req.selections.map((s) => s.table.toLowerCase());
  if (new Set(names).size !== names.length) throw new LifeboatError('usage', 'A table is named twice', 'Name each table once, with all its rows');
  const onConflict = req.onConflict ?? 'skip';
  const manifest = await loadRestorePoint(ctx, req.id);
  const source = liveSourceOf(ctx, manifest, 'to bring rows back into');
  if (manifest.integrity.status !== 'ok') {
    throw new LifeboatError('integrity-failed', `Restore point ${manifest.id} failed SQLite's integrity check, so its rows are not brought back into ${source.name}`, 'Export the rows to a file instead and check them (`lifeboat recover ID --table T --to rows.csv`)');
  }
  const report = (phase: 'safety-copy' | 'bringing-back') => req.onProgress?.({ phase, done: 0, total: 1, unit: 'rows' });
  const copy = await copies.restorePoint(manifest, req);
  try {
    // Nothing is written from a restore point whose checksum has not matched.
    await copy.verified;
    return await withSourceLock(
      ctx,
      source.id,
      `bringing rows back into ${source.id}`,
      async () => {
        await preflight(source.path);
        report('safety-copy');
        const safety = await backupLocked(ctx, { source, trigger: 'safety', safety: { before: 'restore', restoring: manifest.id }, signal: req.signal, onProgress: req.onProgress });
        // Until it is recorded for `undo`, a note says a recover is under way after this safety copy: if
        // the process dies, the next start records it as an interrupted restore (recoverInterruptedRestores),
        // so `undo` goes back to just before it whether or not its transaction got through.
        const pending = path.join(pendingRestoresDir(ctx), `${manifest.id}-${process.pid}.json`);
        await ensureDir(pendingRestoresDir(ctx));
        await writeFileDurable(pending, JSON.stringify({ target: source.path, id: manifest.id, startedAt: ctx.now().toISOString(), sourceId: source.id, safetyCopyId: safety.id, reason: 'recover' }));
        const drop = async () => {
          await rm(pending, { force: true });
          await discardSafetyCopy(ctx, safety);
        };
        await ctx.checkpoint('recover:safety-copied');
        if (req.signal?.aborted) {
          await drop();
          throw new LifeboatError('cancelled', 'Stopped before any row was brought back', 'Nothing was changed');
        }
        report('bringing-back');
        let result;
        try {
          result = await runInside(
            { op: 'recover', live: source.path, from: copy.file, selections: req.selections, onConflict, foreignKeys: req.foreignKeys ?? true, busyTimeoutMs: ctx.settings.read().busyTimeoutMs },
            { file: source.path, signal: req.signal },
          );
        } catch (e) {
          // Nothing was written (SQLite rolled the transaction back): the safety copy would only make
          // `undo` bring back what is already there.
          await drop();
          if (isLifeboatError(e) && e.code === 'in-use') {
            const holders = (await findHolders([source.path, `${source.path}-wal`, `${source.path}-shm`, `${source.path}-journal`])) ?? [];
            if (holders.length) throw new LifeboatError('in-use', `${e.message} (${describeHolders(holders)})`, e.hint);
          }
          throw e;
        }
        if (result.changed === 0) {
          await drop();
          return { restorePointId: manifest.id, sourceId: source.id, target: source.path, tables: result.tables, nothingToDo: true };
        }
        await ctx.checkpoint('recover:written');
        // Recorded like an in-place restore: `undo` follows Lifeboat's restore records and brings back this safety copy.
        ctx.catalog.recordRestore({ sourceId: source.id, restoredId: manifest.id, safetyCopyId: safety.id, target: source.path, reason: 'recover', at: ctx.now().toISOString() });
        await rm(pending, { force: true });
        ctx.events.emit('rows-recovered', { restoredId: manifest.id, sourceId: source.id, target: source.path, safetyCopyId: safety.id, tables: result.tables.map((t) => ({ table: t.table, inserted: t.inserted, replaced: t.replaced })) });
        return { restorePointId: manifest.id, sourceId: source.id, target: source.path, tables: result.tables, safetyCopyId: safety.id, nothingToDo: false };
      },
      { waitMs: req.waitMs },
    );
  } finally {
    await copy.release();
  }
}

