// What the CLI's command modules share: the process's streams, the option parsers, prompts for
// confirmations and passphrases, and the formatting of tables and times.
import type { DestinationKinds } from '../destinations/registry.ts';
import { Command } from 'commander';
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline/promises';
import { Writable } from 'node:stream';
import type { Manifest, Source } from '../../shared/model.ts';
import { type Engine } from '../engine/engine.ts';
import { LifeboatError } from '../engine/common/errors.ts';
import { formatBytes, parseBytes } from '../../shared/bytes.ts';
import { type ProgressReporter } from './progress.ts';
import type { Alerts } from '../app/alerts/alerts.ts';
import type { Outcome } from '../app/history.ts';
import type { JobSpec } from '../app/jobs.ts';
import { DEFAULT_ZSTD_LEVEL, KEY_FILE_HINT, identityProblem, parseKeyFile, type DecryptWith } from '../engine/artifact/artifact-codec.ts';

/** What every command module is given by `runCli`. */
export interface CliContext {
  io: Io;
  program: Command;
  /** The engine for the data folder named by --home / LIFEBOAT_HOME (opened on first use). */
  open: () => Promise<Engine>;
  /** The data folder named by --home / LIFEBOAT_HOME, without opening anything. */
  dataDir: () => string;
  /** Prints the human text, or `json` with --json. */
  print: (human: string, json: unknown) => void;
  progress: () => ProgressReporter;
  /** Every kind of destination, through the registry. */
  kinds: DestinationKinds;
  /**
   * Runs one operation (a restore, a verification, a prune…) and records how it ended in the one
   * history the app's Activity and `lifeboat history` show; returns or throws what `work` does.
   */
  record: <T>(spec: JobSpec, work: () => Promise<T>, describe: (result: T) => Outcome) => Promise<T>;
  /** The alerts over the engine (heartbeats of this program's backups are pinged by themselves). */
  alerts: () => Promise<Alerts>;
}

export interface GlobalOptions {
  home?: string;
  json?: boolean;
  yes?: boolean;
  quiet?: boolean;
}

export interface Io {
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  stdin: NodeJS.ReadStream;
  env: NodeJS.ProcessEnv;
}

/** Pauses at the checkpoint named by LIFEBOAT_TEST_HOLD_AT until the process is killed (crash tests). */
export function checkpointFromEnv(io: Io): ((name: string) => Promise<void>) | undefined {
  const holdAt = io.env.LIFEBOAT_TEST_HOLD_AT;
  if (!holdAt) return undefined;
  return async (name) => {
    if (name !== holdAt) return;
    io.stderr.write(`HOLD ${name}\n`);
    // Wait to be killed; a test that forgot to kill us must not leave us running for long.
    await new Promise(() => setTimeout(() => process.exit(99), 60_000));
  };
}

export function sizeOption(value: string): number {
  const n = parseBytes(value);
  if (n === undefined || n <= 0) throw new LifeboatError('usage', `"${value}" is not a size`, 'Write it like 500MB or 2GiB');
  return n;
}

export function countOption(value: string): number {
  if (!/^\d+$/.test(value)) throw new LifeboatError('usage', `"${value}" is not a whole number`, 'Give a number like 7');
  return Number(value);
}

export function levelOption(value: string): number {
  if (!/^-?\d+$/.test(value) || Number(value) < -7 || Number(value) > 22) throw new LifeboatError('usage', `"${value}" is not a zstd level`, 'Use a level from 1 (fast) to 19 (small); 3 is the default');
  return Number(value);
}

export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** Reads a passphrase without echoing it (a terminal is required). */
export async function promptHidden(io: Io, question: string): Promise<string> {
  io.stderr.write(question);
  const silent = new Writable({ write: (_chunk, _enc, done) => done() });
  const rl = createInterface({ input: io.stdin, output: silent, terminal: true });
  try {
    return await rl.question('');
  } finally {
    rl.close();
    io.stderr.write('\n');
  }
}

/**
 * The passphrase for this run: --passphrase-file, then LIFEBOAT_PASSPHRASE, then a prompt on a
 * terminal. `undefined` when none of them is available.
 */
export async function passphraseFrom(io: Io, file: string | undefined, opts: { prompt?: string; confirm?: boolean } = {}): Promise<string | undefined> {
  if (file) {
    try {
      return (await readFile(file, 'utf8')).replace(/\r?\n$/, '');
    } catch (e) {
      throw new LifeboatError('usage', `The passphrase file ${file} cannot be read (${(e as Error).message})`, 'Check the path');
    }
  }
  if (io.env.LIFEBOAT_PASSPHRASE) return io.env.LIFEBOAT_PASSPHRASE;
  if (!opts.prompt || !io.stdin.isTTY) return undefined;
  const first = await promptHidden(io, opts.prompt);
  if (opts.confirm && (await promptHidden(io, 'Again, to be sure: ')) !== first) throw new LifeboatError('usage', 'The two passphrases differ', 'Nothing was encrypted; try again');
  return first;
}

/** Adds the options `keysFrom` reads (--identity, repeatable, and --passphrase-file) to `command`. */
export function withKeyOptions(command: Command): Command {
  return command
    .option('--identity <file>', 'an age-keygen key file, for restore points encrypted to its recipient; repeatable', collect)
    .option('--passphrase-file <file>', 'read the passphrase from this file');
}

/** Keys for opening encrypted restore points, from --identity files and a passphrase. */
export async function keysFrom(io: Io, o: { identity?: string[]; passphraseFile?: string }): Promise<DecryptWith> {
  const identities: string[] = [];
  for (const f of o.identity ?? []) {
    let text;
    try {
      text = await readFile(f, 'utf8');
    } catch (e) {
      throw new LifeboatError('usage', `The key file ${f} cannot be read (${(e as Error).message})`, 'Give the file age-keygen wrote');
    }
    const found = parseKeyFile(text).identities;
    if (found.length === 0) throw new LifeboatError('usage', `${f} holds no age identity (AGE-SECRET-KEY-1…)`, 'Give the file age-keygen wrote, not the recipient');
    for (const identity of found) {
      const problem = await identityProblem(identity);
      if (!problem) continue;
      const line = text.split(/\r?\n/).findIndex((l) => l.trim() === identity) + 1;
      throw new LifeboatError('usage', `The key file ${f} holds a line that looks like an age secret key (AGE-SECRET-KEY-1…, line ${line}) but is not one: ${problem}`, KEY_FILE_HINT);
    }
    identities.push(...found);
  }
  const passphrase = await passphraseFrom(io, o.passphraseFile);
  return { identities, passphrases: passphrase ? [passphrase] : [] };
}

/** The keys for one restore point: --identity, --passphrase-file, LIFEBOAT_PASSPHRASE, the remembered one, or a prompt. */
export async function keysFor(io: Io, e: Engine, m: Manifest, o: { identity?: string[]; passphraseFile?: string }): Promise<DecryptWith> {
  const keys = await keysFrom(io, o);
  if (m.artifact.encryption?.kind === 'passphrase' && !keys.passphrases?.length && !(await e.passphrase.current()) && io.stdin.isTTY) {
    keys.passphrases = [await promptHidden(io, `Passphrase for ${m.id}${m.artifact.encryption.keyId ? ` (${m.artifact.encryption.keyId})` : ''}: `)];
  }
  return keys;
}

export const RETENTION_OPTIONS = [
  ['keepLast', '--keep-last <n>', 'keep the newest N restore points'],
  ['keepDaily', '--keep-daily <n>', 'keep one per day for N days'],
  ['keepWeekly', '--keep-weekly <n>', 'keep one per week for N weeks'],
  ['keepMonthly', '--keep-monthly <n>', 'keep one per month for N months'],
  ['keepYearly', '--keep-yearly <n>', 'keep one per year for N years'],
  ['keepWithinDays', '--keep-within-days <n>', 'keep everything younger than N days'],
  ['minCount', '--min-count <n>', 'never keep fewer than N'],
] as const;

/** Adds the retention rule options (shared by `sources set` and `destinations set`). */
export function withRetentionOptions(cmd: Command): Command {
  for (const [, flag, help] of RETENTION_OPTIONS) cmd.option(flag, help, countOption);
  return cmd;
}

/** The retention rules given on the command line. */
export function retentionFrom(o: Record<string, unknown>): Partial<Record<(typeof RETENTION_OPTIONS)[number][0], number>> {
  return Object.fromEntries(RETENTION_OPTIONS.filter(([key]) => typeof o[key] === 'number').map(([key]) => [key, o[key] as number]));
}

/** Adds --compress/--encrypt-… options (shared by `sources set` and `destinations set`); `what` names what they apply to. */
export function withEncodingOptions(cmd: Command, what: string): Command {
  return cmd
    .option('--compress [level]', `zstd-compress ${what}`, levelOption)
    .option('--no-compress', `do not compress ${what}`)
    .option('--encrypt-passphrase', `encrypt ${what} with the remembered passphrase (\`lifeboat passphrase set\`)`)
    .option('--encrypt-to <age1…>', `encrypt ${what} to this age public key; repeatable`, collect)
    .option('--no-encrypt', `stop encrypting ${what}`);
}

/** The compression and encryption given on the command line, as settings (absent = unchanged). */
export function encodingFrom(o: Record<string, unknown>): { compressLevel?: number | undefined; encryption?: Source['encryption'] } {
  return {
    ...(o.compress !== undefined ? { compressLevel: o.compress === false ? undefined : o.compress === true ? DEFAULT_ZSTD_LEVEL : (o.compress as number) } : {}),
    ...(o.encryptTo ? { encryption: { kind: 'recipients' as const, recipients: o.encryptTo as string[] } } : o.encryptPassphrase ? { encryption: { kind: 'passphrase' as const } } : o.encrypt === false ? { encryption: undefined } : {}),
  };
}

/**
 * The person's locale from the environment (LC_ALL, then LC_TIME, then LANG: `de_DE.UTF-8` is
 * de-DE), or undefined for the C/POSIX locale or one this Node does not know.
 */
export function personLocale(env: NodeJS.ProcessEnv): string | undefined {
  const raw = env.LC_ALL || env.LC_TIME || env.LANG || '';
  const tag = raw.split(/[.@]/)[0]?.replace(/_/g, '-') ?? '';
  if (!tag || tag === 'C' || tag === 'POSIX') return undefined;
  try {
    return Intl.DateTimeFormat.supportedLocalesOf([tag])[0];
  } catch {
    return undefined;
  }
}

/** A moment as the person writes dates and times (their locale's short date and time with seconds, in this machine's time zone). */
export function personTime(iso: string, locale: string | undefined): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString(locale, { dateStyle: 'short', timeStyle: 'medium' });
}

export function localTime(iso: string): string {
  const d = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

export function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ').trimEnd()).join('\n');
}

export function describeManifest(m: Manifest): string {
  const integrity = m.integrity.status === 'ok' ? 'integrity ok' : 'INTEGRITY CHECK FAILED';
  return `${m.id} of ${m.source.id} (${formatBytes(m.artifact.bytes)}, ${integrity}, ${(m.durationMs / 1000).toFixed(1)} s)`;
}

export async function confirm(io: Io, opts: GlobalOptions, question: string): Promise<void> {
  if (opts.yes) return;
  if (!io.stdin.isTTY) {
    throw new LifeboatError('usage', 'This changes a database and needs confirmation, but there is no terminal to ask on', 'Add --yes to confirm');
  }
  const rl = createInterface({ input: io.stdin, output: io.stderr });
  try {
    const answer = (await rl.question(`${question} [y/N] `)).trim().toLowerCase();
    if (answer !== 'y' && answer !== 'yes') throw new LifeboatError('cancelled', 'Nothing was changed', '');
  } finally {
    rl.close();
  }
}

/** Runs the CLI with `argv` (without node and script) and returns the exit code. */
