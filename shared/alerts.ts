// Alerts that leave the machine: where they go (e-mail over SMTP, a webhook, heartbeat pings) as
// kept in settings.json, and what the dashboard is shown of them. The SMTP password is never here:
// it lives in the secret store (ALERT_PASSWORD_SECRET), like Google Drive's token.
import { z } from 'zod';
import type { HealthTopic } from './model.ts';

/** A channel's id: short, lower-case, like a source's. */
export const alertChannelIdSchema = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,39}$/, 'an id is lower-case letters, digits, - and _ (at most 40)');

const httpUrl = z
  .string()
  .max(2000)
  .refine((u) => {
    try {
      const url = new URL(u);
      return (url.protocol === 'https:' || url.protocol === 'http:') && !url.username && !url.password;
    } catch {
      return false;
    }
  }, 'an http:// or https:// address without a user or password in it');
const email = z.string().max(320).regex(/^[^\s@<>,;"]+@[^\s@<>,;"]+$/, 'an e-mail address like owner@example.com');

export const alertChannelSchema = z.discriminatedUnion('kind', [
  z.object({
    id: alertChannelIdSchema,
    kind: z.literal('email'),
    enabled: z.boolean().default(true),
    /** The SMTP server (the provider's "outgoing mail" server). */
    host: z.string().min(1).max(255).regex(/^[A-Za-z0-9.:[\]-]+$/, 'a host name or address'),
    port: z.number().int().min(1).max(65535).default(587),
    /** starttls: plain then upgraded (port 587); tls: TLS from the start (465); none: never encrypted (a local relay only). */
    security: z.enum(['starttls', 'tls', 'none']).default('starttls'),
    /** The account to sign in with; its password is in the secret store. Absent: no sign-in (a local relay). */
    user: z.string().min(1).max(320).optional(),
    from: email,
    to: z.array(email).min(1).max(20),
  }),
  z.object({
    id: alertChannelIdSchema,
    kind: z.literal('webhook'),
    enabled: z.boolean().default(true),
    url: httpUrl,
    /** json: a JSON document (with a `text` line chat services show); text: the message as plain text (ntfy, and chat services that take plain text). */
    format: z.enum(['json', 'text']).default('json'),
  }),
  z.object({
    id: alertChannelIdSchema,
    kind: z.literal('heartbeat'),
    enabled: z.boolean().default(true),
    /** Pinged as healthchecks.io does: `<url>/start` when a backup starts, `<url>` when it succeeds, `<url>/fail` when it fails. */
    url: httpUrl,
    /** Only the backups of these sources (all when absent). */
    sources: z.array(z.string().min(1).max(64)).max(100).optional(),
  }),
]);
export type AlertChannel = z.infer<typeof alertChannelSchema>;

/** A channel as the dashboard sends it: the same, its id absent for a new one, nothing more (checked in main). */
export const alertChannelInputSchema = z.discriminatedUnion('kind', [
  alertChannelSchema.options[0].extend({ id: alertChannelIdSchema.optional() }).strict(),
  alertChannelSchema.options[1].extend({ id: alertChannelIdSchema.optional() }).strict(),
  alertChannelSchema.options[2].extend({ id: alertChannelIdSchema.optional() }).strict(),
]);

export const alertSettingsSchema = z.object({
  channels: z.array(alertChannelSchema).max(20).default([]),
});
export type AlertSettings = z.infer<typeof alertSettingsSchema>;

/** The secret store's entry for an e-mail channel's SMTP password. */
export const ALERT_PASSWORD_SECRET = (channelId: string) => `alert-smtp-password:${channelId}`;

/** The topics alerts are sent for (health's reasons of these kinds). */
export const ALERT_TOPICS: HealthTopic[] = ['backup-failed', 'overdue', 'copies-failed', 'destination-behind', 'damaged'];

/** A channel in a few words: "e-mail to owner@example.com", "webhook https://ntfy.sh/…", "heartbeat https://hc-ping.com/…". Never a secret: a URL's path is cut. */
export function describeChannel(c: AlertChannel): string {
  const site = (u: string) => {
    try {
      const url = new URL(u);
      return `${url.protocol}//${url.host}/…`;
    } catch {
      return 'an address';
    }
  };
  if (c.kind === 'email') return `e-mail to ${c.to.join(', ')}`;
  return `${c.kind} ${site(c.url)}`;
}

/** One alert channel as the dashboard sees it: never the password, only whether one is kept; how its last delivery went. */
export type AlertChannelView = AlertChannel & { hasPassword?: boolean; lastDelivery?: { at: string; ok: boolean; error?: string } };

/** Settings → Alerts. */
export interface AlertsView {
  channels: AlertChannelView[];
  /** Problems alerts were sent for that are not fixed yet. */
  open: { topic: HealthTopic; text: string; since: string }[];
}
