// Sending alerts over the network: e-mail over SMTP (nodemailer), a webhook (an HTTP POST of JSON or
// plain text), and heartbeat pings (healthchecks.io's convention: `<url>/start`, `<url>`,
// `<url>/fail`). Every failure is a LifeboatError saying which server and why, never a secret: the
// SMTP password comes from the secret store, and URLs are named by their site only.
import { ALERT_PASSWORD_SECRET, describeChannel, type AlertChannel } from '../../../shared/alerts.ts';
import { LifeboatError, isLifeboatError } from '../../engine/common/errors.ts';
import type { SecretStore } from '../../engine/common/secrets.ts';
import { webhookJson, type AlertMessage } from './alert-messages.ts';

export type HeartbeatChannel = Extract<AlertChannel, { kind: 'heartbeat' }>;
export type Ping = 'start' | 'success' | 'fail';

/** What the alerts need from the network; tests pass the real one against servers on 127.0.0.1. */
export interface AlertSender {
  /** Delivers `m` by e-mail or to a webhook; throws a LifeboatError saying what went wrong. */
  send(channel: Exclude<AlertChannel, HeartbeatChannel>, m: AlertMessage): Promise<void>;
  /** Pings a heartbeat URL (start, success or fail) with a line saying why; throws like `send`. */
  ping(channel: HeartbeatChannel, ping: Ping, body: string): Promise<void>;
}

const TIMEOUT_MS = 15_000;

/** Why a request to `site` failed, in a sentence (connection refused, timed out, a name not found…). */
function networkProblem(what: string, e: unknown): LifeboatError {
  if (isLifeboatError(e)) return e;
  const cause = (e as { cause?: { code?: string; message?: string } }).cause;
  // fetch puts the system's code in its cause; nodemailer only in its message ("connect ECONNREFUSED …").
  const code = /\b(ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT)\b/.exec(`${cause?.code ?? ''} ${(e as Error).message ?? ''}`)?.[1] ?? (e as { code?: string }).code;
  const detail = code === 'ECONNREFUSED' ? 'the connection was refused' : code === 'ENOTFOUND' || code === 'EAI_AGAIN' ? 'its name could not be found' : (e as Error).name === 'TimeoutError' || code === 'ETIMEDOUT' ? 'it did not answer in time' : (cause?.message ?? (e as Error).message ?? String(e));
  return new LifeboatError('unreadable', `${what} could not be reached: ${detail}`, 'Check the address and that this computer is online; Lifeboat tries again later', { cause: e });
}

/** The heartbeat URL for one ping: `<url>/start`, `<url>` or `<url>/fail` (the query, if any, kept). */
export function pingUrl(url: string, ping: Ping): string {
  const u = new URL(url);
  u.pathname = `${u.pathname.replace(/\/+$/, '')}${ping === 'start' ? '/start' : ping === 'fail' ? '/fail' : ''}`;
  return u.toString();
}

/** POSTs `body` to `url` and refuses an answer that is not 2xx. Redirects are not followed (the body would go where the settings do not say). */
async function post(url: string, body: string, headers: Record<string, string>, site: string, timeoutMs: number): Promise<void> {
  let res: Response;
  try {
    res = await fetch(url, { method: 'POST', body, headers, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
  } catch (e) {
    throw networkProblem(site, e);
  }
  await res.body?.cancel().catch(() => undefined);
  if (!res.ok) throw new LifeboatError('unreadable', `${site} answered ${res.status} ${res.statusText}`.trim(), 'Check the address in the alert settings (send a test)');
}

/** Sends one e-mail through the channel's SMTP server, signing in with the password in the secret store. */
async function sendEmail(channel: Extract<AlertChannel, { kind: 'email' }>, m: AlertMessage, secrets: SecretStore, timeoutMs: number): Promise<void> {
  const pass = channel.user ? await secrets.get(ALERT_PASSWORD_SECRET(channel.id)) : undefined;
  if (channel.user && !pass) {
    throw new LifeboatError('not-found', `No SMTP password is kept for ${describeChannel(channel)} in this program's secret store`, `Set it with \`lifeboat alerts password ${channel.id}\` (the daemon and the command line) or in the app's Settings → Alerts (the app keeps its own, in the system keychain)`);
  }
  const { default: nodemailer } = await import('nodemailer');
  const transport = nodemailer.createTransport({
    host: channel.host,
    port: channel.port,
    secure: channel.security === 'tls',
    requireTLS: channel.security === 'starttls',
    ignoreTLS: channel.security === 'none',
    ...(channel.user ? { auth: { user: channel.user, pass } } : {}),
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
  });
  try {
    await transport.sendMail({ from: channel.from, to: channel.to, subject: m.subject, text: m.text, headers: { 'X-Lifeboat-Event': m.event } });
  } catch (e) {
    const code = (e as { code?: string; responseCode?: number; response?: string }).code;
    if (code === 'EAUTH') throw new LifeboatError('wrong-key', `The SMTP server ${channel.host} refused the sign-in of ${channel.user ?? 'Lifeboat'}`, 'Check the user and the password (an app password where the provider asks for one)', { cause: e });
    const response = (e as { response?: string }).response;
    if (response) throw new LifeboatError('unreadable', `The SMTP server ${channel.host}:${channel.port} refused the message: ${response}`, 'Check the sender and recipient addresses in the alert settings', { cause: e });
    throw networkProblem(`The SMTP server ${channel.host}:${channel.port}`, e);
  } finally {
    transport.close();
  }
}

/** The sender over the real network. */
export function networkSender(o: { secrets: SecretStore; timeoutMs?: number }): AlertSender {
  const timeoutMs = o.timeoutMs ?? TIMEOUT_MS;
  return {
    async send(channel, m) {
      if (channel.kind === 'email') return sendEmail(channel, m, o.secrets, timeoutMs);
      const site = `The webhook at ${describeChannel(channel).replace(/^webhook /, '')}`;
      if (channel.format === 'json') return post(channel.url, webhookJson(m), { 'content-type': 'application/json' }, site, timeoutMs);
      // Plain text: ntfy shows it as it is (its headers set the priority and a tag; other services ignore them).
      const headers: Record<string, string> = { 'content-type': 'text/plain; charset=utf-8', Priority: m.event === 'problem' ? 'high' : 'default', Tags: m.event === 'problem' ? 'warning' : m.event === 'fixed' ? 'white_check_mark' : 'information_source' };
      return post(channel.url, `${m.subject}\n\n${m.text}`, headers, site, timeoutMs);
    },
    ping: (channel, ping, body) => post(pingUrl(channel.url, ping), body, { 'content-type': 'text/plain; charset=utf-8' }, `The heartbeat at ${describeChannel(channel).replace(/^heartbeat /, '')}`, timeoutMs),
  };
}
