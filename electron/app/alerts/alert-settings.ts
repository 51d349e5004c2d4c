// The alert channels in settings.json, and the SMTP passwords beside them in the secret store (never
// in settings, logs or command lines); and the one way the app, the daemon and the command line
// build their alerts over an engine.
import os from 'node:os';
import { ALERT_PASSWORD_SECRET, alertChannelSchema, type AlertChannel } from '../../../shared/alerts.ts';
import type { Engine } from '../../engine/engine.ts';
import { LifeboatError } from '../../engine/common/errors.ts';
import type { Log } from '../../engine/common/log.ts';
import { networkSender, type AlertSender } from './alert-channels.ts';
import { fileAlertState } from './alert-state.ts';
import { createAlerts, type Alerts } from './alerts.ts';

/** The channels as settings say now. */
export const alertChannels = (engine: Engine): AlertChannel[] => engine.settings().alerts.channels;

/** A new channel's id: its kind, then kind-2, kind-3… */
function newId(channels: AlertChannel[], kind: AlertChannel['kind']): string {
  for (let n = 1; ; n++) {
    const id = n === 1 ? kind : `${kind}-${n}`;
    if (!channels.some((c) => c.id === id)) return id;
  }
}

/**
 * Adds a channel (given no id) or replaces the one with its id, after checking it; an e-mail
 * channel's password, when given, goes to the secret store. Says clearly what is wrong.
 */
export async function saveAlertChannel(engine: Engine, input: Record<string, unknown>, o: { password?: string } = {}): Promise<AlertChannel> {
  const channels = alertChannels(engine);
  const parsed = alertChannelSchema.safeParse({ ...input, id: input.id ?? newId(channels, input.kind as AlertChannel['kind']) });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new LifeboatError('usage', `The alert channel is not valid: ${issue?.path.join('.') || 'it'}: ${issue?.message ?? 'unknown problem'}`, 'Nothing was changed; fix it and try again');
  }
  const channel = parsed.data;
  const known = channels.find((c) => c.id === channel.id);
  if (known && known.kind !== channel.kind) throw new LifeboatError('exists', `There is already a ${known.kind} channel "${channel.id}"`, 'Choose another id, or remove that one first');
  if (o.password !== undefined && channel.kind === 'email') await engine.secrets.set(ALERT_PASSWORD_SECRET(channel.id), o.password);
  engine.updateSettings({ alerts: { channels: known ? channels.map((c) => (c.id === channel.id ? channel : c)) : [...channels, channel] } });
  return channel;
}

/** Switches a channel on or off. */
export function setAlertChannelEnabled(engine: Engine, id: string, enabled: boolean): AlertChannel {
  const channels = alertChannels(engine);
  const channel = channels.find((c) => c.id === id);
  if (!channel) throw new LifeboatError('not-found', `There is no alert channel "${id}"`, 'See them with `lifeboat alerts`');
  const next = { ...channel, enabled };
  engine.updateSettings({ alerts: { channels: channels.map((c) => (c.id === id ? next : c)) } });
  return next;
}

/** Removes a channel and forgets its password. */
export async function removeAlertChannel(engine: Engine, id: string): Promise<AlertChannel> {
  const channels = alertChannels(engine);
  const channel = channels.find((c) => c.id === id);
  if (!channel) throw new LifeboatError('not-found', `There is no alert channel "${id}"`, 'See them with `lifeboat alerts`');
  engine.updateSettings({ alerts: { channels: channels.filter((c) => c.id !== id) } });
  await engine.secrets.delete(ALERT_PASSWORD_SECRET(id)).catch(() => undefined);
  return channel;
}

/** Whether an SMTP password is kept for `id` in this program's secret store (never the password). */
export async function hasAlertPassword(engine: Engine, id: string): Promise<boolean> {
  return Boolean(await engine.secrets.get(ALERT_PASSWORD_SECRET(id)).catch(() => undefined));
}

/** The alerts over `engine`: the real network, the state in the data folder, the channels in settings, this machine's name. */
export function openAlerts(engine: Engine, o: { log?: Log; sender?: AlertSender } = {}): Alerts {
  return createAlerts({
    now: () => engine.now(),
    sender: o.sender ?? networkSender({ secrets: engine.secrets }),
    state: fileAlertState(engine.dataDir),
    channels: () => alertChannels(engine),
    machine: os.hostname(),
    log: o.log,
  });
}

/**
 * Pings the heartbeat channels for every backup `engine` takes, whoever started it (not the safety
 * copy a restore takes): start, then success or fail. `track` is given each ping (a command waits
 * for them before it exits). Returns the unsubscriber.
 */
export function pingOnBackups(engine: Engine, alerts: Alerts, track: (ping: Promise<void>) => void = () => undefined): () => void {
  const safety = new Set<string>();
  const name = (id: string) => engine.sources.list().find((s) => s.id === id)?.name ?? id;
  const offs = [
    engine.events.on('backup-started', ({ sourceId, trigger }) => {
      if (trigger === 'safety') return void safety.add(sourceId);
      track(alerts.ping(sourceId, 'start', `backing up ${name(sourceId)} (${trigger})`));
    }),
    engine.events.on('backup-finished', ({ manifest: m }) => {
      if (safety.delete(m.source.id)) return;
      const ok = m.integrity.status === 'ok';
      track(alerts.ping(m.source.id, ok ? 'success' : 'fail', ok ? `${m.source.name}: restore point ${m.id} taken and checked` : `${m.source.name}: the copy fails its integrity check`));
    }),
    engine.events.on('backup-failed', ({ sourceId, error }) => {
      if (safety.delete(sourceId)) return;
      track(alerts.ping(sourceId, 'fail', `${name(sourceId)}: the backup failed: ${error.message}`));
    }),
  ];
  return () => offs.forEach((off) => off());
}
