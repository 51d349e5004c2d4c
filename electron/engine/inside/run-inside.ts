// Running the inside worker (worker/inside-worker.ts): one request per worker thread, with progress,
// a stop that ends a read at once, and a bounded heap for a look. Its failures come back as
// LifeboatErrors; SQLite's errors are explained for the file they concern.
import { Worker } from 'node:worker_threads';
import type { RowsPage } from '../../../shared/inside-view.ts';
import { LifeboatError } from '../common/errors.ts';
import { betterSqlitePath, explainSqliteError } from '../snapshot/sqlite-files.ts';
import type { CompareResult, ContentsResult, ExportResult, InsideRequest, RecoverResult, WorkerInput, WorkerMessage } from './worker/messages.ts';

/** The worker's entry module: a TypeScript file run as it is from the sources, its own file in each build (scripts/worker-entries.mjs). */
const INSIDE_WORKER = new URL('./worker/inside-worker.ts', import.meta.url);

/** The heap a look inside gets (see runInside). */
const LOOK_HEAP_MB = 256;

export interface RunOptions {
  /** Stops the work: a read at once (the worker is ended), a recover only before it starts writing. */
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
  /** Named in errors SQLite raises about the file (the live database for a recover). */
  file?: string;
}

/**
 * Runs one request in a worker thread and returns its result. A failure the worker explains
 * becomes a LifeboatError; a SQLite error is explained for `file`.
 */
export function runInside(request: Extract<InsideRequest, { op: 'contents' }>, o?: RunOptions): Promise<ContentsResult>;
export function runInside(request: Extract<InsideRequest, { op: 'rows' }>, o?: RunOptions): Promise<RowsPage>;
export function runInside(request: Extract<InsideRequest, { op: 'compare' }>, o?: RunOptions): Promise<CompareResult>;
export function runInside(request: Extract<InsideRequest, { op: 'recover' }>, o?: RunOptions): Promise<RecoverResult>;
export function runInside(request: Extract<InsideRequest, { op: 'export' }>, o?: RunOptions): Promise<ExportResult>;
export function runInside(request: Extract<InsideRequest, { op: 'planner-stats' }>, o?: RunOptions): Promise<{ tables: string[] }>;
export async function runInside(request: InsideRequest, o: RunOptions = {}): Promise<unknown> {
  if (o.signal?.aborted) throw cancelledError(request.op);
  const stop = new Int32Array(new SharedArrayBuffer(4));
  // Looking (tables, a page of rows, a comparison) holds little in JavaScript: previews, counts and
  // keys, whatever the data. Its heap is bounded, so that a restore point that would make it hold
  // more stops it with a clear error instead of swelling the app. (An export carries whole values,
  // and a recover none: they keep the default.)
  const look = request.op === 'contents' || request.op === 'rows' || request.op === 'compare';
  const resourceLimits = look ? { maxOldGenerationSizeMb: LOOK_HEAP_MB, maxYoungGenerationSizeMb: 16 } : undefined;
  const workerData: WorkerInput = { module: betterSqlitePath(), request, stop };
  const worker = new Worker(INSIDE_WORKER, { workerData, ...(resourceLimits ? { resourceLimits } : {}) });
  let settled = false;
  try {
    return await new Promise((resolve, reject) => {
      const onAbort = () => {
        Atomics.store(stop, 0, 1);
        // A read is ended at once; a recover stops itself before it writes, or finishes its one transaction.
        if (request.op !== 'recover') {
          settled = true;
          reject(cancelledError(request.op));
        }
      };
      o.signal?.addEventListener('abort', onAbort, { once: true });
      worker.on('message', (m: WorkerMessage) => {
        if ('progress' in m) return o.onProgress?.(m.progress.done, m.progress.total);
        if (settled) return;
        settled = true;
        o.signal?.removeEventListener('abort', onAbort);
        if ('ok' in m) resolve(m.ok);
        else if ('fail' in m) reject(m.fail.code === 'cancelled' ? cancelledError(request.op) : new LifeboatError(m.fail.code, m.fail.message, m.fail.hint));
        else {
          const err = Object.assign(new Error(m.error.message), { code: m.error.code });
          reject(o.file ? explainSqliteError(err, o.file) : err);
        }
      });
      worker.on('error', (e) => {
        if (!settled) {
          settled = true;
          reject((e as { code?: string }).code === 'ERR_WORKER_OUT_OF_MEMORY' ? outOfMemory(o.file) : e);
        }
      });
      worker.on('exit', () => {
        if (!settled) {
          settled = true;
          reject(new LifeboatError('internal', 'The worker looking inside the database stopped unexpectedly', 'Try again'));
        }
      });
    });
  } finally {
    await worker.terminate();
  }
}

function outOfMemory(file: string | undefined): LifeboatError {
  return new LifeboatError('too-large', `Looking inside ${file ?? 'the database'} needed more than the ${LOOK_HEAP_MB} MB of memory Lifeboat gives it, so it was stopped`, 'Export the table you need instead (`lifeboat recover ID --table T --to rows.csv`); nothing was changed');
}

function cancelledError(op: InsideRequest['op']): LifeboatError {
  return new LifeboatError('cancelled', op === 'compare' ? 'The comparison was stopped' : 'Stopped', 'Nothing was changed');
}
