// The upload queue the app and the daemon run: when a restore point lands, its replicas are queued
// and uploaded (one destination after another, each on its own); failed ones are retried when
// their backoff expires. Uploads never block or fail a backup.
import type { Clock } from './clock.ts';
import type { EngineContext } from './context.ts';
import { configuredDestinations, nextRetryAt, pushPending, queueReplicas, type CopyRunner } from './replication.ts';

/** Starts listening for finished backups; `stop()` to end, `drain()` to wait for work in flight. */
export function startUploadQueue(ctx: EngineContext, clock: Clock, runCopy?: CopyRunner) {
  let chain: Promise<unknown> = Promise.resolve();
  let timer: unknown;
  let stopped = false;

  const scheduleRetry = () => {
    if (timer !== undefined) clock.clearTimer(timer);
    timer = undefined;
    const at = nextRetryAt(ctx);
    if (!at || stopped) return;
    timer = clock.setTimer(() => kick(), Math.max(0, at.getTime() - clock.now().getTime()));
  };
  const kick = () => {
    chain = chain
      .then(() => pushPending(ctx, configuredDestinations(ctx), { runCopy }))
      .catch(() => undefined)
      .then(scheduleRetry);
    return chain;
  };
  const unsubscribe = ctx.events.on('backup-finished', ({ manifest }) => {
    queueReplicas(ctx, manifest, configuredDestinations(ctx));
    void kick();
  });
  void kick(); // what was pending when the app last stopped
  return {
    kick,
    drain: () => chain.then(() => undefined),
    stop() {
      stopped = true;
      unsubscribe();
      if (timer !== undefined) clock.clearTimer(timer);
    },
  };
}
