// The log's JSON lines in words for a person: one line per event, "when, which program, what
// happened and how it ended". `lifeboat log --json` prints the lines as they are.
import { formatBytes } from '../../shared/bytes.ts';
import type { JobView, RunBy } from '../../shared/model.ts';
import { personTime } from './shared.ts';
import { oneLine } from './terminal-text.ts';

type Entry = Record<string, unknown>;

/** Which program, in words. */
export const BY_WORDS: Record<RunBy, string> = { app: 'app', cli: 'command line', daemon: 'daemon' };

const str = (v: unknown): string => (typeof v === 'string' ? v : v === undefined || v === null ? '' : JSON.stringify(v));
const seconds = (ms: unknown) => (typeof ms === 'number' ? ` in ${ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`}` : '');
const errorOf = (e: Entry) => {
  const err = (e.err && typeof e.err === 'object' ? e.err : undefined) as { message?: string; hint?: string } | undefined;
  return err ? `${err.message ?? ''}${err.hint ? ` (${err.hint})` : ''}` : '';
};

/** "items: 2, orders: 1 (1 replaced); " from the tables a recover logged. */
const tablesInWords = (tables: unknown) =>
  Array.isArray(tables) ? `${(tables as { table?: unknown; inserted?: unknown; replaced?: unknown }[]).map((t) => `${str(t.table)}: ${str(t.inserted)}${t.replaced ? ` (${str(t.replaced)} replaced)` : ''}`).join(', ')}; ` : '';

/** Sentences for the events Lifeboat logs, by message; anything else is said as logged. */
const SENTENCES: Record<string, (e: Entry) => string> = {
  'app started': (e) => `The app started (version ${str(e.version)})`,
  'app stopped': () => 'The app stopped',
  command: (e) => `Ran \`lifeboat ${Array.isArray(e.args) ? e.args.map(str).join(' ') : ''}\``,
  'command finished': (e) => `Finished: ok${seconds(e.ms)}`,
  'command failed': (e) => `Failed: ${errorOf(e)}`,
  'command failed: unexpected error': (e) => `Failed with an unexpected error: ${errorOf(e)}`,
  'restore point taken': (e) =>
    `Restore point ${str(e.restorePoint)} of ${str(e.source)} taken (${str(e.trigger)}, ${typeof e.bytes === 'number' ? formatBytes(e.bytes) : '?'}${seconds(e.ms)}): ${e.integrity === 'ok' ? 'ok' : 'FAILS ITS INTEGRITY CHECK'}`,
  'backup failed': (e) => `Backup of ${str(e.source)} FAILED: ${str((e.err as { message?: string } | undefined)?.message)}`,
  restored: (e) => `Restored ${str(e.restorePoint)} over ${str(e.target)}${e.safetyCopy ? ` (safety copy ${str(e.safetyCopy)})` : ''}: ok`,
  'rows brought back': (e) => `Rows brought back from ${str(e.restorePoint)} into ${str(e.target)} (${tablesInWords(e.tables)}safety copy ${str(e.safetyCopy)}): ok`,
  'restore points deleted': (e) => `Deleted ${Array.isArray(e.ids) ? e.ids.length : 0} restore point(s): ${Array.isArray(e.ids) ? e.ids.map(str).join(', ') : ''}`,
  copied: (e) => `Copied ${str(e.restorePoint)} to ${str(e.destination)}${typeof e.bytes === 'number' ? ` (${formatBytes(e.bytes)})` : ''}: ok`,
  'copy failed': (e) => `Copy of ${str(e.restorePoint)} to ${str(e.destination)} FAILED: ${str(e.error)}${e.nextAttemptAt ? `; next try ${str(e.nextAttemptAt)}` : ''}`,
  'retention failed': (e) => `Old restore points of ${str(e.source)} (${str(e.where)}) could not be removed: ${str(e.error)}`,
  'retention at destinations': (e) => `Retention removed ${str(e.removed)} cop(ies) of ${str(e.source)} at the destinations`,
  'alert sent': (e) => `Alert sent by ${str(e.channel)}: ${str(e.subject)}`,
  'alert not sent': (e) => `Alert NOT sent by ${str(e.channel)}: ${str(e.error)}`,
};

/** An event the sentences above do not know: its message, then a job's outcome or its fields. */
function otherEvent(e: Entry, msg: string): string {
  const { time: _t, level: _l, msg: _m, process: _p, pid: _pid, hostname: _h, err: _err, ...fields } = e;
  const job = typeof fields.job === 'string' ? ` ${str(fields.message)}${seconds(fields.ms)}` : '';
  const rest = job || ` ${Object.entries(fields).map(([k, v]) => `${k}=${str(v)}`).join(' ')}`;
  const error = errorOf(e);
  return `${msg}${rest.trimEnd()}${error ? ` — ${error}` : ''}`;
}

/** One log entry on one line: when (in the person's locale), which program, what happened and how it ended. Control characters stay visible (terminal-text.ts). */
export function describeLogEntry(e: Entry, locale: string | undefined): string {
  const msg = str(e.msg);
  const when = typeof e.time === 'string' ? personTime(e.time, locale) : '';
  const by = BY_WORDS[e.process as RunBy] ?? str(e.process);
  const what = SENTENCES[msg]?.(e) ?? otherEvent(e, msg);
  const level = e.level === 'error' ? 'ERROR ' : e.level === 'warn' ? 'WARNING ' : '';
  return oneLine(`${when}  ${by.padEnd(12)}  ${level}${what}`);
}

const OUTCOME: Record<NonNullable<JobView['outcome']>, string> = { ok: 'Done', failed: 'FAILED', cancelled: 'Cancelled' };

/** One operation of the history on one line: when it started, who ran it, what, and how it ended. */
export function describeOperation(j: JobView, locale: string | undefined): string[] {
  const what = `${j.title}${j.trigger === 'scheduled' ? ' (scheduled)' : ''}`;
  const result = `${j.outcome ? OUTCOME[j.outcome] : 'Running'}${j.message && j.outcome !== 'cancelled' ? `: ${j.message}` : ''}`;
  return [personTime(j.startedAt, locale), j.by ? BY_WORDS[j.by] : 'app', what, result];
}
