// What a restore would change: a restore point (A) compared with the live database or with another
// restore point (B), table by table: rows that would come back, rows that would be lost, rows that
// differ, and schema changes. The live database is read through a private snapshot taken the way a
// backup takes it (snapshot.ts), so its writers are never held up; both sides are then read in a
// worker thread, with progress, and a cancel that stops at once.
import type { Comparison } from '../../../shared/inside-view.ts';
import type { EngineContext } from '../vault/context.ts';
import { runInside } from './run-inside.ts';
import { liveSourceOf, type InsideOptions } from './inspect.ts';
import { whileVerifying, type PrivateCopies, type PrivateCopy } from './private-copies.ts';
import { loadRestorePoint } from '../vault/restore-points.ts';

/** Keys of rows listed per table and kind of difference (so a person can pick rows to bring back). */
export const SAMPLE_KEYS = 100;

/** Compares restore point `id` with restore point `other`, or with its live database when `other` is absent. */
export async function compareRestorePoint(ctx: EngineContext, copies: PrivateCopies, id: string, other: string | undefined, o: InsideOptions = {}): Promise<Comparison> {
  const started = Date.now();
  const a = await loadRestorePoint(ctx, id);
  const b = other === undefined ? undefined : await loadRestorePoint(ctx, other);
  const source = b ? undefined : liveSourceOf(ctx, a, 'to compare it with');
  const copyA = await copies.restorePoint(a, o);
  let copyB: PrivateCopy | undefined;
  try {
    copyB = b ? await copies.restorePoint(b, o) : await copies.live(source!, o);
    const read = copyB;
    const at = ctx.now().toISOString();
    await ctx.checkpoint('compare:opened');
    const r = await whileVerifying([copyA, read], o.signal, (signal) =>
      runInside(
        { op: 'compare', a: copyA.file, b: read.file, sample: SAMPLE_KEYS, ...(read.inPlace ? { bInPlace: true, busyTimeoutMs: ctx.settings.read().busyTimeoutMs } : {}) },
        { signal, file: read.inPlace ? source!.path : `restore point ${a.id}`, onProgress: (done, total) => o.onProgress?.({ phase: 'comparing', done, total, unit: 'rows' }) },
      ),
    );
    const counted = r.tables.filter((t) => t.match !== 'count');
    const totals = {
      back: counted.reduce((n, t) => n + t.back, 0),
      lost: counted.reduce((n, t) => n + t.lost, 0),
      changed: counted.reduce((n, t) => n + t.changed, 0),
    };
    const countsDiffer = r.tables.some((t) => t.match === 'count' && t.rows.a !== t.rows.b);
    return {
      a: { id: a.id, createdAt: a.createdAt },
      b: b ? { kind: 'restore-point', id: b.id, createdAt: b.createdAt } : { kind: 'live', path: source!.path, at },
      tables: r.tables,
      schema: r.schema,
      totals,
      same: totals.back === 0 && totals.lost === 0 && totals.changed === 0 && r.schema.length === 0 && !countsDiffer,
      tookMs: Date.now() - started,
    };
  } finally {
    await copyA.release();
    await copyB?.release();
  }
}
