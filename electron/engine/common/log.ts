// The log: what ran, how long it took, how it ended, and the full details of every error, for
// support — in <data folder>/logs/, as JSON lines (pino), size-capped and rotated (pino-roll: a
// handful of numbered files of a few MB at most). Shared by the app, the daemon and the CLI (each
// line says which). Never a secret: values under secret-sounding keys are replaced, and the secrets
// this process knows (a passphrase from the environment, a client secret) are scrubbed from any text.
import { mkdir, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ErrorJson } from '../../../shared/errors.ts';
import type { EventBus } from './events.ts';
import { isLifeboatError } from './errors.ts';

export interface Log {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  /** An error with its message, hint, code, cause and stack. */
  error(msg: string, err: unknown, fields?: Record<string, unknown>): void;
  /** Writes what is buffered and closes the file. */
  close(): Promise<void>;
}

/** A log that writes nothing (tests, and a data folder whose log cannot be opened). */
export const noLog: Log = { info() {}, warn() {}, error() {}, close: async () => undefined };

export const LOG_DIR = 'logs';
const LOG_BASE = 'lifeboat';
const SECRET_KEYS = ['passphrase', 'password', 'secret', 'clientSecret', 'token', 'refreshToken', 'accessToken', 'refresh_token', 'access_token', 'authorization', 'identity', 'identities', 'code_verifier'];

export interface LogOptions {
  /** Which program writes: 'cli', 'daemon' or 'app'. */
  process: string;
  /** Rotate after this many bytes (default 2 MB) and keep this many older files (default 4). */
  maxBytes?: number;
  files?: number;
  /** Secret values to scrub from any text logged (the passphrase given in the environment, say). */
  secrets?: string[];
}

/** The log files in `dataDir`, oldest first. */
export async function logFiles(dataDir: string): Promise<string[]> {
  const dir = path.join(dataDir, LOG_DIR);
  const names = await readdir(dir).catch(() => [] as string[]);
  const numbered = names.map((n) => ({ n, k: /^lifeboat\.(\d+)\.log$/.exec(n)?.[1] })).filter((x) => x.k !== undefined);
  return numbered.sort((a, b) => Number(a.k) - Number(b.k)).map((x) => path.join(dir, x.n));
}

/** The last `count` entries of the log, oldest first, parsed (lines that are not JSON are skipped). */
export async function readLog(dataDir: string, count: number): Promise<Record<string, unknown>[]> {
  const entries: Record<string, unknown>[] = [];
  for (const file of (await logFiles(dataDir)).reverse()) {
    const lines = (await readFile(file, 'utf8').catch(() => '')).split('\n').filter(Boolean).reverse();
    for (const line of lines) {
      try {
        entries.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        // a line cut by a crash
      }
      if (entries.length >= count) return entries.reverse();
    }
  }
  return entries.reverse();
}

/** The log's size settings (`logMaxBytes`, `logFiles` in settings.json), read leniently: a settings file that cannot be read gives the defaults. */
export async function logLimits(dataDir: string): Promise<Pick<LogOptions, 'maxBytes' | 'files'>> {
  try {
    const s = JSON.parse(await readFile(path.join(dataDir, 'settings.json'), 'utf8')) as { logMaxBytes?: unknown; logFiles?: unknown };
    return {
      ...(typeof s.logMaxBytes === 'number' && s.logMaxBytes > 0 ? { maxBytes: s.logMaxBytes } : {}),
      ...(typeof s.logFiles === 'number' && s.logFiles >= 1 ? { files: s.logFiles } : {}),
    };
  } catch {
    return {};
  }
}

/** Opens the log in `dataDir` for appending (creating the folder, owner-only). */
export async function openLog(dataDir: string, o: LogOptions): Promise<Log> {
  const [{ pino }, { default: roll }] = await Promise.all([import('pino'), import('pino-roll')]);
  const dir = path.join(dataDir, LOG_DIR);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const stream = await roll({
    file: path.join(dir, LOG_BASE),
    extension: '.log',
    size: `${Math.max(1, Math.round((o.maxBytes ?? 2 * 1024 ** 2) / 1024))}k`,
    limit: { count: o.files ?? 4, removeOtherLogFiles: true },
    mode: 0o600,
    sync: true,
  });
  // A log that cannot be written (a full or read-only disk) gives up quietly: the command goes on
  // and says what is wrong itself. Without this, the write error would be thrown into whatever was
  // logging, and closing would retry the unwritten lines forever (sonic-boom's flushSync retries
  // every error, not only EAGAIN).
  let failed = false;
  stream.on('error', () => {
    failed = true;
  });
  const secrets = (o.secrets ?? []).filter((s) => s.length >= 4);
  const scrub = (text: string) => secrets.reduce((t, s) => t.split(s).join('[secret]'), text);
  const logger = pino(
    {
      base: { process: o.process, pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: SECRET_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`]), censor: '[secret]' },
      formatters: { level: (label) => ({ level: label }) },
      hooks: {
        // The secrets this process knows never reach the file, whatever text they hide in.
        streamWrite: (line) => scrub(line),
      },
    },
    stream,
  );
  return {
    info: (msg, fields) => logger.info(fields ?? {}, msg),
    warn: (msg, fields) => logger.warn(fields ?? {}, msg),
    error: (msg, err, fields) => logger.error({ ...fields, err: describeError(err) }, msg),
    close: () =>
      new Promise<void>((resolve) => {
        if (failed) {
          // What could not be written stays unwritten; the file is closed as it is.
          stream.once('close', () => resolve());
          stream.destroy();
          setTimeout(resolve, 1000).unref();
          return;
        }
        stream.flushSync?.();
        stream.end();
        stream.once('close', () => resolve());
        setTimeout(resolve, 1000).unref();
      }),
  };
}

/** An error as the log keeps it: code, message, hint, and the stack and cause for support. */
export function describeError(err: unknown): Partial<ErrorJson> & { stack?: string; cause?: unknown } {
  if (isLifeboatError(err)) return { ...err.toJSON(), stack: err.stack, cause: err.cause === undefined ? undefined : describeError(err.cause) };
  if (err instanceof Error) {
    const code = (err as Error & { code?: unknown }).code;
    return { message: err.message, stack: err.stack, ...(typeof code === 'string' ? { cause: { code } } : {}) };
  }
  return { message: String(err) };
}

/** Logs what the engine does: each backup, restore, copy and deletion, and how it ended. */
export function logEngineEvents(events: EventBus, log: Log): () => void {
  const offs = [
    events.on('backup-finished', ({ manifest: m }) =>
      log.info('restore point taken', { restorePoint: m.id, source: m.source.id, trigger: m.trigger, bytes: m.artifact.bytes, format: m.artifact.format, integrity: m.integrity.status, ms: m.durationMs, snapshot: m.snapshot }),
    ),
    events.on('backup-failed', ({ sourceId, error }) => log.warn('backup failed', { source: sourceId, err: error })),
    events.on('restore-finished', (r) => log.info('restored', { restorePoint: r.restoredId, target: r.target, safetyCopy: r.safetyCopyId, requiresRestart: r.requiresRestart })),
    events.on('restore-points-removed', ({ ids }) => log.info('restore points deleted', { ids })),
    // Retention that could not run (after a backup, in the vault or at the destinations) is a problem to see.
    events.on('retention-applied', ({ sourceId, error }) => error && log.warn('retention failed', { source: sourceId, where: 'vault', error })),
    events.on('destination-retention-applied', ({ sourceId, removed, error }) => {
      if (error) log.warn('retention failed', { source: sourceId, where: 'destinations', error });
      else if (removed) log.info('retention at destinations', { source: sourceId, removed });
    }),
    events.on('rows-recovered', (r) => log.info('rows brought back', { restorePoint: r.restoredId, source: r.sourceId, target: r.target, safetyCopy: r.safetyCopyId, tables: r.tables })),
    events.on('replica-changed', ({ replica: r }) => {
      if (r.status === 'completed') log.info('copied', { restorePoint: r.restorePointId, destination: r.destinationId, bytes: r.bytes, attempts: r.attempts });
      else if (r.status === 'failed') log.warn('copy failed', { restorePoint: r.restorePointId, destination: r.destinationId, attempts: r.attempts, error: r.error, nextAttemptAt: (r as { nextAttemptAt?: string }).nextAttemptAt });
    }),
  ];
  return () => offs.forEach((off) => off());
}
