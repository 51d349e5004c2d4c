// The upload queue the app and the daemon run: when a restore point lands, its replicas are queued
// and uploaded (one destination after another, each on its own), and each destination's retention
// is applied; failed copies are retried when their backoff expires; what a destination should hold
// and lacks (its history when it is new, what a rebuilt catalog no longer knows) is queued too.
// Uploads never block or fail a backup.
import { singleTimer, type Clock } from '../common/clock.ts';
import type { EngineContext } from '../vault/context.ts';
import { RECONCILE_NOTE } from '../vault/open.ts';
import { queueMissing, reconcileDestinations } from './destination-sync.ts';
import { isLifeboatError } from '../common/errors.ts';
import { pruneDestinations } from './prune-destinations.ts';
import { configuredDestinations, nextRetryAt, pushPending, queueReplicas, type CopyRunner } from './replication.ts';

/** Brings the destinations up to date: compares them with a rebuilt catalog if needed, queues what they lack, copies what waits. */
export async function catchUp(ctx: EngineContext, o: { runCopy?: CopyRunner; force?: boolean; destinationId?: string } = {}) {
  const targets = configuredDestinations(ctx);
  ctx.catalog.removeOrphanReplicas();
  if (ctx.catalog.note(RECONCILE_NOTE)) await reconcileDestinations(ctx, targets);
  queueMissing(ctx, targets);
  return pushPending(ctx, targets, { runCopy: o.runCopy, force: o.force, destinationId: o.destinationId });
}

export interface UploadQueueOptions {
  runCopy?: CopyRunner;
}

/** Starts listening for finished backups; `stop()` to end, `drain()` to wait for work in flight. */
export function startUploadQueue(ctx: EngineContext, clock: Clock, opts: UploadQueueOptions = {}) {
  let chain: Promise<unknown> = Promise.resolve();
  const retry = singleTimer(clock, () => void kick());
  let stopped = false;

  const scheduleRetry = () => {
    retry.cancel();
    const at = nextRetryAt(ctx);
    if (!at || stopped) return;
    retry.arm(Math.max(0, at.getTime() - clock.now().getTime()));
  };
  /** Copies what waits; after a backup of `pruneSource`, applies the destinations' retention to it. */
  const kick = (pruneSource?: string, now?: { destinationId?: string; force?: boolean }) => {
    chain = chain
      .then(async () => {
        if (stopped) return;
        await catchUp(ctx, { runCopy: opts.runCopy, ...now });
        if (pruneSource === undefined || stopped) return;
        const results = await pruneDestinations(ctx, configuredDestinations(ctx), { sourceId: pruneSource, collect: 'when-due' });
        // An unreachable destination is reported by its failing copies; only a failure to prune a reachable one is news here.
        const failed = results.find((r) => r.error && !/not there|disconnected|cannot be reached|Reconnect/i.test(r.error));
        ctx.events.emit('destination-retention-applied', { sourceId: pruneSource, removed: results.reduce((n, r) => n + r.remove.length, 0), ...(failed?.error ? { error: failed.error } : {}) });
      })
      .catch((e: unknown) => {
        if (pruneSource !== undefined) ctx.events.emit('destination-retention-applied', { sourceId: pruneSource, removed: 0, error: isLifeboatError(e) ? e.oneLine : String(e) });
      })
      .then(scheduleRetry);
    return chain;
  };
  const unsubscribe = ctx.events.on('backup-finished', ({ manifest }) => {
    queueReplicas(ctx, manifest, configuredDestinations(ctx));
    void kick(manifest.trigger === 'safety' ? undefined : manifest.source.id);
  });
  void kick(); // what was pending when the app last stopped
  return {
    /** Copies what waits now; `force` also what failed before its retry time (a destination reconnected). */
    kick: (now?: { destinationId?: string; force?: boolean }) => kick(undefined, now),
    drain: () => chain.then(() => undefined),
    stop() {
      stopped = true;
      unsubscribe();
      retry.cancel();
    },
  };
}
