// Settings → Alerts: where problems are told off this computer (e-mail, a webhook such as ntfy or a
// chat service, heartbeat pings such as healthchecks.io), each with "Send a test". The SMTP password
// goes to main and never comes back; main asks in its own dialog before alerts go somewhere new.
import { useEffect, useState } from 'react';
import type { AlertChannelView, AlertsView } from '../../shared/alerts.ts';
import { when } from './format.ts';
import { useDashboard } from './store.ts';

type Kind = 'email' | 'webhook' | 'heartbeat';
const KINDS: Record<Kind, string> = { email: 'E-mail', webhook: 'Webhook (ntfy, chat)', heartbeat: 'Heartbeat (healthchecks.io)' };

function describe(c: AlertChannelView): string {
  if (c.kind === 'email') return `E-mail to ${c.to.join(', ')} through ${c.host}:${c.port}${c.user ? ` as ${c.user}${c.hasPassword ? '' : ' (no password kept)'}` : ''}`;
  if (c.kind === 'webhook') return `Webhook ${c.url} (${c.format === 'text' ? 'plain text' : 'JSON'})`;
  return `Heartbeat ${c.url}: pinged when each backup starts, succeeds or fails`;
}

function Channel({ c, set }: { c: AlertChannelView; set: (v: AlertsView) => void }) {
  const { run } = useDashboard();
  const [result, setResult] = useState<{ ok: boolean; message: string } | undefined>();
  return (
    <li className="column">
      <label>
        <input type="checkbox" checked={c.enabled} onChange={(e) => void run('alerts', async () => set(await window.lifeboat['alerts:set-enabled']({ id: c.id, enabled: e.target.checked })))} /> {describe(c)}
      </label>
      <span className={c.lastDelivery && !c.lastDelivery.ok ? 'err' : 'muted'}>
        {c.lastDelivery ? (c.lastDelivery.ok ? `Last sent ${when(c.lastDelivery.at)}` : `Could not send ${when(c.lastDelivery.at)}: ${c.lastDelivery.error ?? ''}`) : 'Nothing sent yet'}
      </span>
      <div className="actions start">
        <button type="button" onClick={() => void run('alerts-test', async () => setResult(await window.lifeboat['alerts:test']({ id: c.id })))}>
          Send a test
        </button>
        <button type="button" onClick={() => void run('alerts', async () => set(await window.lifeboat['alerts:remove']({ id: c.id })))}>
          Remove
        </button>
      </div>
      {result && (
        <p className={result.ok ? 'muted' : 'banner error'} role="status">
          {result.message}
        </p>
      )}
    </li>
  );
}

function AddChannel({ set }: { set: (v: AlertsView) => void }) {
  const { run } = useDashboard();
  const [kind, setKind] = useState<Kind>('email');
  const blank = { host: '', port: '587', security: 'starttls', user: '', password: '', from: '', to: '', url: '', format: 'text' };
  const [f, setF] = useState(blank);
  const field = (key: keyof typeof f, label: string, type = 'text') => (
    <label className="block">
      {label}
      <input type={type} aria-label={label} value={f[key]} onChange={(e) => setF({ ...f, [key]: e.target.value })} />
    </label>
  );
  const add = () =>
    run('alerts', async () => {
      const channel =
        kind === 'email'
          ? { kind, host: f.host, port: Number(f.port), security: f.security as 'starttls', from: f.from, to: f.to.split(/[,\s]+/).filter(Boolean), ...(f.user ? { user: f.user } : {}) }
          : kind === 'webhook'
            ? { kind, url: f.url, format: f.format as 'text' }
            : { kind, url: f.url };
      const next = await window.lifeboat['alerts:save']({ channel, ...(kind === 'email' && f.password ? { password: f.password } : {}) });
      if (next) {
        set(next);
        setF(blank); // the password is not kept in the window once main has it
      }
    });
  return (
    <div className="column">
      <label className="block">
        Add
        <select aria-label="Kind of alert" value={kind} onChange={(e) => setKind(e.target.value as Kind)}>
          {Object.entries(KINDS).map(([k, label]) => (
            <option key={k} value={k}>
              {label}
            </option>
          ))}
        </select>
      </label>
      {kind === 'email' ? (
        <>
          {field('to', 'Send to (e-mail addresses)')}
          {field('from', 'From (an address the server accepts)')}
          {field('host', 'SMTP server')}
          {field('port', 'Port', 'number')}
          <label className="block">
            Security
            <select aria-label="Security" value={f.security} onChange={(e) => setF({ ...f, security: e.target.value })}>
              <option value="starttls">STARTTLS (port 587)</option>
              <option value="tls">TLS (port 465)</option>
              <option value="none">None (a relay on this network only)</option>
            </select>
          </label>
          {field('user', 'User name (if the server asks for a sign-in)')}
          {field('password', 'Password (kept in the system keychain)', 'password')}
        </>
      ) : (
        <>
          {field('url', kind === 'webhook' ? 'Address (https://ntfy.sh/your-topic, a chat webhook…)' : 'Ping address (https://hc-ping.com/…)')}
          {kind === 'webhook' && (
            <label className="block">
              Send as
              <select aria-label="Send as" value={f.format} onChange={(e) => setF({ ...f, format: e.target.value })}>
                <option value="text">Plain text (ntfy)</option>
                <option value="json">JSON (Slack, Mattermost, Discord, your own)</option>
              </select>
            </label>
          )}
        </>
      )}
      <div className="buttons">
        <button type="button" className="primary" onClick={() => void add()}>
          Add
        </button>
      </div>
    </div>
  );
}

/** The Alerts card of Settings. */
export function AlertSettings() {
  const { revision } = useDashboard();
  const [view, setView] = useState<AlertsView | undefined>();
  useEffect(() => {
    void window.lifeboat['alerts:get'](undefined).then(setView, () => undefined);
  }, [revision]);
  if (!view) return null;
  return (
    <section className="card column" aria-label="Alerts">
      <h3>Alerts off this computer</h3>
      <p className="muted">When a backup or a copy fails, backups stop, a destination falls a day behind or a check finds damage, Lifeboat tells you here once, and once more when it is fixed. A heartbeat service also notices a computer that is simply off.</p>
      {view.channels.length ? (
        <ul className="rules" aria-label="Alert channels">
          {view.channels.map((c) => (
            <Channel key={c.id} c={c} set={setView} />
          ))}
        </ul>
      ) : (
        <p>No alerts yet: problems show only in this window, the tray and the log.</p>
      )}
      {view.open.length > 0 && <p className="muted">Told and not fixed yet: {view.open.map((p) => p.text).join(' ')}</p>}
      <AddChannel set={setView} />
    </section>
  );
}
