// IPC handlers of Settings → Alerts: the channels, adding or changing one (after main's own
// confirmation naming where alerts will go), switching one off, removing it, a test.
import { describeChannel, type AlertsView } from '../../../shared/alerts.ts';
import type { IpcHandlers } from '../../../shared/ipc-contract.ts';
import { alertChannels, hasAlertPassword, removeAlertChannel, saveAlertChannel, setAlertChannelEnabled } from '../alerts/alert-settings.ts';
import { fileAlertState } from '../alerts/alert-state.ts';
import type { HandlerDeps } from './deps.ts';

/** The channels of Settings → Alerts. */
export function alertHandlers(deps: HandlerDeps): Pick<IpcHandlers, 'alerts:get' | 'alerts:save' | 'alerts:set-enabled' | 'alerts:remove' | 'alerts:test'> {
  const { engine, effects } = deps;
  const view = async (): Promise<AlertsView> => {
    const state = fileAlertState(engine.dataDir).read();
    const channels = await Promise.all(
      alertChannels(engine).map(async (c) => ({ ...c, ...(c.kind === 'email' ? { hasPassword: await hasAlertPassword(engine, c.id) } : {}), ...(state.channels[c.id] ? { lastDelivery: { at: state.channels[c.id]!.at, ok: state.channels[c.id]!.ok, ...(state.channels[c.id]!.error ? { error: state.channels[c.id]!.error } : {}) } } : {}) })),
    );
    return { channels, open: Object.values(state.problems).filter((p) => p.sentTo.length).map((p) => ({ topic: p.topic, text: p.text, since: p.since })) };
  };
  return {
    'alerts:get': view,
    'alerts:save': async ({ channel, password }) => {
      const known = channel.id ? alertChannels(engine).find((c) => c.id === channel.id) : undefined;
      const target = (c: typeof channel) => (c.kind === 'email' ? `${c.to.join(',')}@${c.host}:${c.port}` : c.url);
      // Where alerts go (and the database names and paths they carry) is the person's choice, made in main's own dialog.
      if (!known || known.kind !== channel.kind || target(known) !== target(channel)) {
        const where = channel.kind === 'email' ? `by e-mail to ${channel.to.join(', ')} through ${channel.host}` : channel.kind === 'webhook' ? `to ${channel.url}` : `as heartbeat pings to ${channel.url}`;
        const ok = await effects.confirm({ message: `Send Lifeboat's alerts ${where}?`, detail: 'They name your databases, their folders and what went wrong with them.', confirmLabel: 'Send alerts there' });
        if (!ok) return null;
      }
      await saveAlertChannel(engine, channel, { password });
      deps.settingsChanged();
      return view();
    },
    'alerts:set-enabled': async ({ id, enabled }) => {
      setAlertChannelEnabled(engine, id, enabled);
      deps.settingsChanged();
      return view();
    },
    'alerts:remove': async ({ id }) => {
      await removeAlertChannel(engine, id);
      deps.settingsChanged();
      return view();
    },
    'alerts:test': async ({ id }) => {
      const r = await (deps.alerts?.test(id) ?? Promise.resolve({ ok: false, message: 'Alerts are not available here' }));
      deps.settingsChanged();
      return r.ok ? { ok: true, message: `Sent: ${describeChannel(alertChannels(engine).find((c) => c.id === id)!)}. Check that it arrived.` } : r;
    },
  };
}
