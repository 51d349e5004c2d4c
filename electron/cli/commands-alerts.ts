// `lifeboat alerts`: where problems are told off the machine (e-mail over SMTP, webhooks, heartbeat
// pings), with a test for each. The SMTP password is read from a file, LIFEBOAT_SMTP_PASSWORD or a
// hidden prompt, never from the command line (where `ps` shows it), and kept in the secret store.
import { readFile } from 'node:fs/promises';
import { describeChannel, type AlertChannel } from '../../shared/alerts.ts';
import { alertChannels, hasAlertPassword, removeAlertChannel, saveAlertChannel, setAlertChannelEnabled } from '../app/alerts/alert-settings.ts';
import { fileAlertState } from '../app/alerts/alert-state.ts';
import { LifeboatError } from '../engine/common/errors.ts';
import { collect, countOption, localTime, promptHidden, type CliContext, type Io } from './shared.ts';

/** The SMTP password: --password-file, then LIFEBOAT_SMTP_PASSWORD, then a hidden prompt on a terminal; undefined when none is given. */
async function smtpPassword(io: Io, file: string | undefined): Promise<string | undefined> {
  if (file) {
    try {
      return (await readFile(file, 'utf8')).replace(/\r?\n$/, '');
    } catch (e) {
      throw new LifeboatError('usage', `The password file ${file} cannot be read (${(e as Error).message})`, 'Check the path');
    }
  }
  if (io.env.LIFEBOAT_SMTP_PASSWORD) return io.env.LIFEBOAT_SMTP_PASSWORD;
  return io.stdin.isTTY ? promptHidden(io, 'SMTP password: ') : undefined;
}

/** One channel on one line, with how its last delivery went. */
function channelLine(c: AlertChannel, delivery: { at: string; ok: boolean; error?: string } | undefined, hasPassword: boolean): string {
  const what = c.kind === 'email' ? `${describeChannel(c)} via ${c.host}:${c.port} (${c.security}${c.user ? `, signs in as ${c.user}${hasPassword ? '' : ', NO PASSWORD KEPT'}` : ''})` : c.kind === 'webhook' ? `${describeChannel(c)} (${c.format})` : `${describeChannel(c)} on each backup${c.sources ? ` of ${c.sources.join(', ')}` : ''}`;
  const last = delivery ? (delivery.ok ? `last sent ${localTime(delivery.at)}` : `LAST DELIVERY FAILED ${localTime(delivery.at)}: ${delivery.error ?? ''}`) : 'nothing sent yet';
  return `${c.id}: ${what}${c.enabled ? '' : ' (off)'}; ${last}`;
}

/** Registers `lifeboat alerts` and its subcommands. */
export function registerAlertCommands(cx: CliContext): void {
  const { io, open, print } = cx;
  const alerts = cx.program.command('alerts').description('where problems are told off this machine: e-mail, webhooks (ntfy, chat), heartbeat pings (healthchecks.io)');
  alerts
    .command('list', { isDefault: true })
    .description('the alert channels, how their last delivery went, and the problems told and not yet fixed')
    .action(async () => {
      const e = await open();
      const state = fileAlertState(e.dataDir).read();
      const channels = alertChannels(e);
      const lines = await Promise.all(channels.map(async (c) => channelLine(c, state.channels[c.id], await hasAlertPassword(e, c.id))));
      const open_ = Object.values(state.problems).filter((p) => p.sentTo.length);
      if (channels.length === 0) lines.push('No alerts set up: problems show only in `lifeboat status`, the app and the log. Add one with `lifeboat alerts add-email`, `add-webhook` or `add-heartbeat`.');
      if (open_.length) lines.push('Told and not fixed yet:', ...open_.map((p) => `  ${p.text} (since ${localTime(p.since)})`));
      print(lines.join('\n'), { channels: channels.map((c) => ({ ...c, lastDelivery: state.channels[c.id] })), open: open_ });
    });
  alerts
    .command('add-email')
    .description('e-mail the owner through an SMTP server (the password: --password-file, LIFEBOAT_SMTP_PASSWORD, or asked)')
    .requiredOption('--host <host>', 'the SMTP server ("outgoing mail" server)')
    .option('--port <port>', 'its port (587 with starttls, 465 with tls)', countOption)
    .option('--security <how>', 'starttls (default), tls, or none (a local relay only)')
    .option('--user <user>', 'the account to sign in with (none: no sign-in)')
    .option('--password-file <file>', 'read the SMTP password from this file')
    .requiredOption('--from <address>', 'the sender address')
    .requiredOption('--to <address>', 'who gets the alerts; repeatable', collect)
    .option('--id <id>', 'its id (default: email, email-2…); an existing id is replaced')
    .action(async (o: { host: string; port?: number; security?: string; user?: string; passwordFile?: string; from: string; to: string[]; id?: string }) => {
      const e = await open();
      const password = o.user ? await smtpPassword(io, o.passwordFile) : undefined;
      if (o.user && password === undefined && !(o.id && (await hasAlertPassword(e, o.id)))) throw new LifeboatError('usage', `No password given for ${o.user}, and no terminal to ask on`, 'Use --password-file or LIFEBOAT_SMTP_PASSWORD');
      const c = await saveAlertChannel(e, { kind: 'email', host: o.host, port: o.port ?? (o.security === 'tls' ? 465 : o.security === 'none' ? 25 : 587), security: o.security ?? 'starttls', user: o.user, from: o.from, to: o.to, id: o.id }, { password });
      print(`Alert channel ${c.id}: ${describeChannel(c)}. Send a test with \`lifeboat alerts test ${c.id}\`.`, c);
    });
  alerts
    .command('add-webhook')
    .description('POST each alert to a URL: JSON (with a `text` line chat services show), or --text for plain text (ntfy)')
    .argument('<url>', 'an http:// or https:// address')
    .option('--text', 'send plain text instead of JSON')
    .option('--id <id>', 'its id (default: webhook, webhook-2…); an existing id is replaced')
    .action(async (url: string, o: { text?: boolean; id?: string }) => {
      const c = await saveAlertChannel(await open(), { kind: 'webhook', url, format: o.text ? 'text' : 'json', id: o.id });
      print(`Alert channel ${c.id}: ${describeChannel(c)}. Send a test with \`lifeboat alerts test ${c.id}\`.`, c);
    });
  alerts
    .command('add-heartbeat')
    .description('ping a URL when each backup starts (<url>/start), succeeds (<url>) and fails (<url>/fail), as healthchecks.io expects')
    .argument('<url>', 'the check\'s ping URL')
    .option('--source <id>', 'only this source\'s backups; repeatable', collect)
    .option('--id <id>', 'its id (default: heartbeat, heartbeat-2…); an existing id is replaced')
    .action(async (url: string, o: { source?: string[]; id?: string }) => {
      const c = await saveAlertChannel(await open(), { kind: 'heartbeat', url, sources: o.source, id: o.id });
      print(`Alert channel ${c.id}: ${describeChannel(c)}. Send a test with \`lifeboat alerts test ${c.id}\`.`, c);
    });
  alerts
    .command('password')
    .description('set the SMTP password of an e-mail channel (--password-file, LIFEBOAT_SMTP_PASSWORD, or asked)')
    .argument('<id>')
    .option('--password-file <file>', 'read it from this file')
    .action(async (id: string, o: { passwordFile?: string }) => {
      const e = await open();
      const c = alertChannels(e).find((x) => x.id === id);
      if (c?.kind !== 'email') throw new LifeboatError('not-found', `There is no e-mail alert channel "${id}"`, 'See them with `lifeboat alerts`');
      const password = await smtpPassword(io, o.passwordFile);
      if (password === undefined) throw new LifeboatError('usage', 'No password given, and no terminal to ask on', 'Use --password-file or LIFEBOAT_SMTP_PASSWORD');
      await saveAlertChannel(e, c, { password });
      print(`Kept in ${e.secrets.description}.`, { id });
    });
  for (const [name, enabled] of [['enable', true], ['disable', false]] as const) {
    alerts
      .command(name)
      .description(enabled ? 'switch an alert channel back on' : 'switch an alert channel off (kept, not used)')
      .argument('<id>')
      .action(async (id: string) => {
        const c = setAlertChannelEnabled(await open(), id, enabled);
        print(`${c.id} is ${enabled ? 'on' : 'off'}.`, c);
      });
  }
  alerts
    .command('remove')
    .description('remove an alert channel (and forget its password)')
    .argument('<id>')
    .action(async (id: string) => {
      const c = await removeAlertChannel(await open(), id);
      print(`Removed ${c.id}: ${describeChannel(c)}.`, c);
    });
  alerts
    .command('test')
    .description('send a test through each channel (or the one given); exits 1 if any cannot be reached')
    .argument('[id]')
    .action(async (id: string | undefined) => {
      const e = await open();
      const a = await cx.alerts();
      const channels = alertChannels(e).filter((c) => !id || c.id === id);
      if (channels.length === 0) throw new LifeboatError('not-found', id ? `There is no alert channel "${id}"` : 'No alert channel is set up', 'Add one with `lifeboat alerts add-email`, `add-webhook` or `add-heartbeat`');
      const results = [];
      for (const c of channels) results.push({ id: c.id, ...(await a.test(c.id)) });
      print(results.map((r) => `${r.ok ? 'ok    ' : 'FAILED'}  ${r.id}: ${r.message}`).join('\n'), results);
      const failed = results.filter((r) => !r.ok).length;
      if (failed) throw new LifeboatError('unreadable', `${failed} alert channel${failed === 1 ? '' : 's'} could not be reached`, 'Check the settings it names (`lifeboat alerts`), then test again');
    });
}
