// Alerts that leave the machine, over health's judgement: each problem of the kinds alerts are for
// (a failed backup or copy, backups stopped, a destination behind, damage found) is told to every
// e-mail and webhook channel ONCE when it starts and ONCE when it is fixed, never again while it
// lasts, whatever its text says from one check to the next. What was sent is kept (alert-state.ts),
// so a restart sends nothing twice; a channel that cannot be reached is retried with backoff and
// is itself a problem in health (`undelivered`). Heartbeat channels are pinged on each backup's
// start, success and failure. A plain module: the clock, the sender, the state and the channels
// are handed in, so the app, the daemon and the command line share it, and tests drive it.
import { ALERT_TOPICS, describeChannel, type AlertChannel } from '../../../shared/alerts.ts';
import type { Health, HealthReason, HealthTopic } from '../../../shared/model.ts';
import { isLifeboatError } from '../../engine/common/errors.ts';
import type { Log } from '../../engine/common/log.ts';
import type { AlertSender, HeartbeatChannel, Ping } from './alert-channels.ts';
import { fixedMessage, problemMessage, testMessage, type AlertMessage } from './alert-messages.ts';
import type { AlertState, AlertStateStore } from './alert-state.ts';

export interface AlertsDeps {
  now: () => Date;
  sender: AlertSender;
  state: AlertStateStore;
  /** The channels as settings say now (read on every use: another program may change them). */
  channels: () => AlertChannel[];
  /** The machine's name, in every message. */
  machine: string;
  log?: Pick<Log, 'info' | 'warn'>;
  /** How long a problem of a topic must last before it is told (default: backups stopped, 15 minutes: the catch-up after a start gets its chance). */
  holdMs?: Partial<Record<HealthTopic, number>>;
}

const DEFAULT_HOLD: Partial<Record<HealthTopic, number>> = { overdue: 15 * 60_000 };
/** After a failed delivery, a channel is tried again after these delays (the last repeats). */
const RETRY_MS = [60_000, 5 * 60_000, 15 * 60_000, 60 * 60_000];

type MessageChannel = Exclude<AlertChannel, HeartbeatChannel>;
const keyOf = (r: Pick<HealthReason, 'topic' | 'sourceId' | 'destinationId'>) => `${r.topic}:${r.sourceId ?? r.destinationId ?? ''}`;
const errorText = (e: unknown) => (isLifeboatError(e) ? e.message : e instanceof Error ? e.message : String(e));

/** Brings `state` in line with the problems health sees now: new ones tracked from `now`, gone ones moved to `fixed` when they had been told. */
export function observe(state: AlertState, reasons: HealthReason[], now: Date): void {
  const current = new Map(reasons.filter((r) => r.topic && ALERT_TOPICS.includes(r.topic)).map((r) => [keyOf(r), r]));
  for (const [key, r] of current) {
    const known = state.problems[key] ?? state.fixed[key];
    const { topic, sourceId, destinationId, level, text, action } = r as HealthReason & { topic: HealthTopic };
    // Back before its "fixed" went out: the same problem, still told once.
    delete state.fixed[key];
    state.problems[key] = { topic, ...(sourceId ? { sourceId } : {}), ...(destinationId ? { destinationId } : {}), level, text, action, since: known?.since ?? now.toISOString(), sentTo: known?.sentTo ?? [] };
  }
  for (const [key, p] of Object.entries(state.problems)) {
    if (current.has(key)) continue;
    delete state.problems[key];
    if (p.sentTo.length) state.fixed[key] = { ...p, fixedAt: now.toISOString(), pending: [...p.sentTo] };
  }
}

/** The messages due on `channel` now: problems past their hold it has not been told of, and fixes it has not been told of. */
export function dueMessages(state: AlertState, channel: MessageChannel, now: Date, machine: string, hold: Partial<Record<HealthTopic, number>>): { key: string; message: AlertMessage }[] {
  const out: { key: string; message: AlertMessage }[] = [];
  for (const [key, p] of Object.entries(state.problems)) {
    if (!p.sentTo.includes(channel.id) && now.getTime() - Date.parse(p.since) >= (hold[p.topic] ?? 0)) out.push({ key, message: problemMessage(p, machine, now) });
  }
  for (const [key, f] of Object.entries(state.fixed)) if (f.pending.includes(channel.id)) out.push({ key, message: fixedMessage(f, machine) });
  return out;
}

/** Records how one delivery to `channelId` went (a failure backs off). */
function noteDelivery(state: AlertState, channelId: string, now: Date, error?: string): void {
  if (!error) {
    state.channels[channelId] = { at: now.toISOString(), ok: true };
    return;
  }
  const failures = (state.channels[channelId]?.failures ?? 0) + 1;
  const delay = RETRY_MS[Math.min(failures, RETRY_MS.length) - 1] as number;
  state.channels[channelId] = { at: now.toISOString(), ok: false, error, failures, retryAt: new Date(now.getTime() + delay).toISOString() };
}

/** The alerts over `deps`; see the top of this file. */
export function createAlerts(deps: AlertsDeps) {
  const hold = { ...DEFAULT_HOLD, ...deps.holdMs };
  // One change of the state at a time in this process (a check, a ping, a test), so none is lost.
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(work: () => Promise<T>): Promise<T> => {
    const next = queue.then(work, work);
    queue = next.catch(() => undefined);
    return next;
  };
  const logResult = (channel: AlertChannel, subject: string, error?: string) => {
    if (error) deps.log?.warn('alert not sent', { channel: describeChannel(channel), subject, error });
    else deps.log?.info('alert sent', { channel: describeChannel(channel), subject });
  };

  /** Sends what is due on one channel, in order; stops at its first failure (retried after the backoff). */
  const deliver = async (state: AlertState, channel: MessageChannel, now: Date) => {
    const retryAt = state.channels[channel.id]?.retryAt;
    if (retryAt && Date.parse(retryAt) > now.getTime()) return;
    for (const { key, message } of dueMessages(state, channel, now, deps.machine, hold)) {
      try {
        await deps.sender.send(channel, message);
      } catch (e) {
        noteDelivery(state, channel.id, now, errorText(e));
        logResult(channel, message.subject, errorText(e));
        return;
      }
      noteDelivery(state, channel.id, now);
      logResult(channel, message.subject);
      if (message.event === 'problem') state.problems[key]?.sentTo.push(channel.id);
      else if (state.fixed[key]) state.fixed[key].pending = state.fixed[key].pending.filter((id) => id !== channel.id);
    }
  };

  return {
    /**
     * Compares health's problems with what was sent and sends what is due: one "problem" message
     * per problem and channel, one "fixed" message when it is gone. Never throws: what cannot be
     * sent is noted (health shows it) and retried later.
     */
    evaluate: (health: Health): Promise<void> =>
      serial(async () => {
        const now = deps.now();
        const state = deps.state.read();
        const before = JSON.stringify(state);
        observe(state, health.reasons, now);
        const channels = deps.channels().filter((c): c is MessageChannel => c.enabled && c.kind !== 'heartbeat');
        await Promise.all(channels.map((c) => deliver(state, c, now)));
        // A fix nobody is left to tell of (its channels removed or switched off) is done with.
        const live = new Set(channels.map((c) => c.id));
        for (const [key, f] of Object.entries(state.fixed)) if (!f.pending.some((id) => live.has(id))) delete state.fixed[key];
        if (JSON.stringify(state) !== before) deps.state.write(state);
      }).catch((e: unknown) => deps.log?.warn('alerts could not be checked', { error: errorText(e) })),

    /** Pings the heartbeat channels that watch `sourceId` (start, success or fail, with a line saying why). Never throws. */
    ping: (sourceId: string, ping: Ping, detail: string): Promise<void> =>
      serial(async () => {
        const beats = deps.channels().filter((c): c is HeartbeatChannel => c.enabled && c.kind === 'heartbeat' && (!c.sources || c.sources.includes(sourceId)));
        if (beats.length === 0) return;
        const results = await Promise.all(beats.map((c) => deps.sender.ping(c, ping, `${deps.machine}: ${detail}`).then(() => undefined, (e: unknown) => errorText(e))));
        const now = deps.now();
        const state = deps.state.read();
        beats.forEach((c, i) => {
          noteDelivery(state, c.id, now, results[i]);
          logResult(c, `${ping} ${sourceId}`, results[i]);
        });
        deps.state.write(state);
      }).catch((e: unknown) => deps.log?.warn('alerts could not be checked', { error: errorText(e) })),

    /** Sends a test through one channel (a heartbeat: a success ping); says how it went. A success clears its delivery problem. */
    test: (channelId: string): Promise<{ ok: boolean; message: string }> =>
      serial(async () => {
        const channel = deps.channels().find((c) => c.id === channelId);
        if (!channel) return { ok: false, message: `There is no alert channel "${channelId}"` };
        const now = deps.now();
        let error: string | undefined;
        try {
          if (channel.kind === 'heartbeat') await deps.sender.ping(channel, 'success', `${deps.machine}: a test ping from Lifeboat`);
          else await deps.sender.send(channel, testMessage(deps.machine, now));
        } catch (e) {
          error = errorText(e);
        }
        const state = deps.state.read();
        noteDelivery(state, channel.id, now, error);
        if (!error) delete state.channels[channel.id]?.retryAt;
        deps.state.write(state);
        logResult(channel, 'test', error);
        return error ? { ok: false, message: error } : { ok: true, message: `Sent: ${describeChannel(channel)}` };
      }),

    /** Channels whose last delivery failed, in words, for health. */
    undelivered: (): { channel: string; error: string }[] => undeliveredAlerts(deps.state.read(), deps.channels()),
  };
}

export type Alerts = ReturnType<typeof createAlerts>;

/** The enabled channels whose last delivery failed (for health, in the app and in `lifeboat status`). */
export function undeliveredAlerts(state: AlertState, channels: AlertChannel[]): { channel: string; error: string }[] {
  return channels.filter((c) => c.enabled && state.channels[c.id]?.ok === false).map((c) => ({ channel: describeChannel(c), error: state.channels[c.id]?.error ?? 'unknown error' }));
}
