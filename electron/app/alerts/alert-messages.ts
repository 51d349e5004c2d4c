// What an alert says: one message when a problem starts, one when it is fixed, and a test; the same
// words by e-mail, as a webhook's JSON or plain text. Each names the machine, since an owner may
// protect several.
import type { TrackedProblem } from './alert-state.ts';

export type AlertEvent = 'problem' | 'fixed' | 'test';

/** One alert, ready for any channel. */
export interface AlertMessage {
  event: AlertEvent;
  /** A one-line summary: the e-mail's subject, a chat message's first line. */
  subject: string;
  /** The whole message as plain text. */
  text: string;
  /** The problem it is about (absent for a test). */
  problem?: Pick<TrackedProblem, 'topic' | 'sourceId' | 'destinationId' | 'level' | 'text' | 'action' | 'since'>;
  machine: string;
  at: string;
}

/** The message saying `p` started. */
export function problemMessage(p: TrackedProblem, machine: string, at: Date): AlertMessage {
  const { topic, sourceId, destinationId, level, text, action, since } = p;
  return {
    event: 'problem',
    subject: `Lifeboat on ${machine}: ${text.replace(/\.$/, '')}`,
    text: [`${level === 'error' ? 'Problem' : 'Needs attention'} on ${machine}: ${text}`, '', `What to do: ${action}`, '', `Seen since ${since}. Lifeboat sends one more message when this is fixed.`].join('\n'),
    problem: { topic, ...(sourceId ? { sourceId } : {}), ...(destinationId ? { destinationId } : {}), level, text, action, since },
    machine,
    at: at.toISOString(),
  };
}

/** The message saying `p` is fixed. */
export function fixedMessage(p: TrackedProblem & { fixedAt: string }, machine: string): AlertMessage {
  const { topic, sourceId, destinationId, level, text, action, since } = p;
  return {
    event: 'fixed',
    subject: `Lifeboat on ${machine}: fixed: ${text.replace(/\.$/, '')}`,
    text: [`Fixed on ${machine}: ${text}`, '', `It lasted from ${since} to ${p.fixedAt}.`].join('\n'),
    problem: { topic, ...(sourceId ? { sourceId } : {}), ...(destinationId ? { destinationId } : {}), level, text, action, since },
    machine,
    at: p.fixedAt,
  };
}

/** A test message, asked for in Settings or with `lifeboat alerts test`. */
export function testMessage(machine: string, at: Date): AlertMessage {
  return {
    event: 'test',
    subject: `Lifeboat on ${machine}: a test alert`,
    text: `This is a test from Lifeboat on ${machine}. Alerts come here when a backup or a copy fails, when backups stop, when a destination falls behind, or when a check finds damage; and once more when each is fixed.`,
    machine,
    at: at.toISOString(),
  };
}

/** The JSON a webhook receives: the message's fields, with `text` (what Slack, Mattermost and Rocket.Chat show) and `content` (Discord). */
export function webhookJson(m: AlertMessage): string {
  return JSON.stringify({ source: 'lifeboat', event: m.event, machine: m.machine, at: m.at, title: m.subject, text: `${m.subject}\n${m.text}`, content: m.subject, ...(m.problem ? { problem: m.problem } : {}) });
}
