// What alerts have been sent, kept in alerts-state.json in the data folder: each problem seen (since
// when, and on which channels its "problem" message went out), each fixed one whose "fixed" message
// still has to reach a channel, and how each channel's last delivery went. A restart reads it back,
// so nothing is sent twice; the app, the daemon and the command line share it.
import path from 'node:path';
import type { HealthTopic } from '../../../shared/model.ts';
import { jsonFileStore } from '../../schedule/scheduler.ts';

/** One problem as alerts know it: health's reason, keyed by its kind and its source or destination. */
export interface TrackedProblem {
  topic: HealthTopic;
  sourceId?: string;
  destinationId?: string;
  level: 'warning' | 'error';
  text: string;
  action: string;
  /** When it was first seen (the hold counts from here). */
  since: string;
  /** Channels its "problem" message reached. */
  sentTo: string[];
}

/** A problem that is fixed, whose "fixed" message has yet to reach some of the channels that were told of it. */
export interface FixedProblem extends TrackedProblem {
  fixedAt: string;
  /** Channels still to be told (those that were told it started). */
  pending: string[];
}

export interface ChannelDelivery {
  at: string;
  ok: boolean;
  error?: string;
  /** After a failure, the next try is not before this (backoff). */
  retryAt?: string;
  failures?: number;
}

export interface AlertState {
  problems: Record<string, TrackedProblem>;
  fixed: Record<string, FixedProblem>;
  channels: Record<string, ChannelDelivery>;
}

export interface AlertStateStore {
  read(): AlertState;
  write(state: AlertState): void;
}

const empty = (): AlertState => ({ problems: {}, fixed: {}, channels: {} });

/** The state in `<dataDir>/alerts-state.json`, replaced atomically; a missing or unreadable file reads as nothing sent. */
export function fileAlertState(dataDir: string): AlertStateStore {
  return jsonFileStore<AlertState>(
    path.join(dataDir, 'alerts-state.json'),
    (raw) => {
      const r = (raw ?? {}) as Partial<AlertState>;
      return { problems: r.problems ?? {}, fixed: r.fixed ?? {}, channels: r.channels ?? {} };
    },
    empty,
  );
}

/** A state kept in memory (tests). */
export function memoryAlertState(): AlertStateStore {
  let state = empty();
  return { read: () => structuredClone(state), write: (next) => void (state = structuredClone(next)) };
}
