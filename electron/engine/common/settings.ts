// Settings shared by the CLI and the desktop app: one JSON file in the data folder, kept by `conf`
// (atomic writes, migrations; the same file format electron-store uses) and validated with zod.
import type Conf from 'conf';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { z } from 'zod';
import { alertSettingsSchema } from '../../../shared/alerts.ts';
import { appSettingsSchema, destinationSchema, retentionPolicySchema, sourceSchema, type RetentionPolicy, type Source } from '../../../shared/model.ts';
import { LifeboatError } from './errors.ts';
import { withLockSync } from './locks.ts';
import type { SecretStore } from './secrets.ts';

export const DEFAULT_MAX_BYTES = 4 * 1024 ** 3;

export const verificationSettingsSchema = z.object({
  newestEveryDays: z.number().int().nonnegative().default(7),
  allEveryDays: z.number().int().nonnegative().default(30),
  /** Copies downloaded and checked at each destination on every scheduled verification. */
  destinationSample: z.number().int().nonnegative().default(2),
});

/** The SecretStore entry holding the Google OAuth client's secret (never settings.json). */
export const GOOGLE_CLIENT_SECRET = 'google-client-secret';

export const daemonServiceSchema = z.object({ kind: z.enum(['systemd', 'launchd', 'schtasks']), name: z.string().min(1), file: z.string().min(1).optional(), installedAt: z.string() });

export const settingsSchema = z.object({
  /** Where restore points are kept; absent means `<data folder>/vault`. */
  vaultDir: z.string().min(1).optional(),
  /** Refuse databases larger than this (per-source `maxBytes` overrides it). */
  maxBytes: z.number().int().positive().default(DEFAULT_MAX_BYTES),
  integrityCheck: z.enum(['quick_check', 'integrity_check']).default('quick_check'),
  /** Days a safety copy is protected from retention. */
  safetyWindowDays: z.number().int().nonnegative().default(7),
  /** IANA time zone for schedules and daily/weekly retention; absent means the machine's own. */
  timeZone: z.string().min(1).optional(),
  /** scrypt cost (log2 N) for passphrase-encrypted artifacts; 18 is age's own default. */
  scryptWorkFactor: z.number().int().min(10).max(22).default(18),
  /** How long to wait for a database another program holds locked. */
  busyTimeoutMs: z.number().int().nonnegative().default(10_000),
  /** Health warns when the vault's disk has less free space than this. */
  lowSpaceWarningBytes: z.number().int().nonnegative().default(1024 ** 3),
  /** Verification on a schedule: the newest restore point of each source, every kept one, and a sample of copies per destination (0 switches one off). */
  verification: verificationSettingsSchema.default(verificationSettingsSchema.parse({})),
  /** How long a backup waits for a moment when the database is not being written (see snapshot.ts). */
  quietWaitMs: z.number().int().nonnegative().default(60_000),
  /**
   * Keep every source's restore points as whole files (a SQLite file `sqlite3` opens) unless a
   * source says otherwise, instead of as pages in the page store (the default).
   */
  wholeFiles: z.boolean().default(false),
  /** The log (logs/ in the data folder) rotates after this many bytes and keeps this many older files. */
  logMaxBytes: z.number().int().positive().default(2 * 1024 ** 2),
  logFiles: z.number().int().min(1).max(50).default(4),
  retention: retentionPolicySchema.default(retentionPolicySchema.parse({})),
  sources: z.array(sourceSchema).default([]),
  destinations: z.array(destinationSchema).default([]),
  /**
   * The person's own Google OAuth client ("Desktop app"); LIFEBOAT_GOOGLE_CLIENT_ID/SECRET override.
   * Its secret lives in the SecretStore (GOOGLE_CLIENT_SECRET); `clientSecret` here is only read, to
   * move a secret an older version kept in settings into the store.
   */
  google: z.object({ clientId: z.string().min(1), clientSecret: z.string().optional() }).optional(),
  /** The desktop app's preferences (tray, login, notifications). */
  app: appSettingsSchema.default(appSettingsSchema.parse({})),
  /** Where alerts go off the machine (e-mail, webhooks, heartbeat pings); the SMTP password is in the SecretStore. */
  alerts: alertSettingsSchema.default(alertSettingsSchema.parse({})),
  /** The OS service `lifeboat daemon install` set up for this data folder (app/daemon-service.ts), if any. */
  daemonService: daemonServiceSchema.optional(),
});
export type Settings = z.infer<typeof settingsSchema>;

const validTimeZone = z.string().refine((zone) => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}, 'not a time zone this machine knows (use an IANA name such as Europe/Paris)');

/**
 * The settings that carry no rule beyond their own shape. Sources and destinations are changed
 * through their own modules (sources.ts, destination-settings.ts), which check what they allow.
 * Spelled out, not `.partial()`: zod fills defaults inside partial(), which would reset every
 * setting the change does not mention.
 */
export const settingsPatchSchema = z
  .object({
    maxBytes: z.number().int().positive().optional(),
    integrityCheck: z.enum(['quick_check', 'integrity_check']).optional(),
    safetyWindowDays: z.number().int().nonnegative().optional(),
    /** A time zone, or null for the machine's own. */
    timeZone: validTimeZone.nullable().optional(),
    scryptWorkFactor: z.number().int().min(10).max(22).optional(),
    busyTimeoutMs: z.number().int().nonnegative().optional(),
    lowSpaceWarningBytes: z.number().int().nonnegative().optional(),
    verification: z.object({ newestEveryDays: z.number().int().nonnegative().optional(), allEveryDays: z.number().int().nonnegative().optional(), destinationSample: z.number().int().nonnegative().optional() }).strict().optional(),
    quietWaitMs: z.number().int().nonnegative().optional(),
    wholeFiles: z.boolean().optional(),
    /** The person's own OAuth client id, or null to forget it (the build's built-in client then signs in). */
    google: z.object({ clientId: z.string().min(1) }).strict().nullable().optional(),
    app: z.object({ closeToTray: z.boolean().optional(), openAtLogin: z.boolean().optional(), openAtLoginChosen: z.boolean().optional(), notifyOnSuccess: z.boolean().optional() }).strict().optional(),
    /** The OS service of the daemon, or null once it is uninstalled. */
    daemonService: daemonServiceSchema.nullable().optional(),
    /** The alert channels, all of them (app/alerts/alert-settings.ts keeps their ids unique). */
    alerts: alertSettingsSchema.optional(),
  })
  .strict()
  .transform(({ timeZone, google, daemonService, ...rest }) => ({
    ...rest,
    ...(daemonService === null ? { daemonService: undefined } : daemonService !== undefined ? { daemonService } : {}),
    ...(timeZone === null ? { timeZone: undefined } : timeZone !== undefined ? { timeZone } : {}),
    ...(google === null ? { google: undefined } : google !== undefined ? { google } : {}),
  }));
export type SettingsPatch = z.input<typeof settingsPatchSchema>;

export interface SettingsStore {
  /** The current settings, read fresh from disk (another process may have changed them). */
  read(): Settings;
  /**
   * Applies `change` to the current settings and saves the result atomically. The app, the daemon
   * and any number of CLI processes share the file: the read-modify-write runs under a lock, so no
   * process's change is lost to another's.
   */
  update(change: (current: Settings) => Settings): Settings;
  readonly file: string;
}

/**
 * Opens the settings file in `dataDir`, creating it with defaults when it is missing. Reading is a
 * plain JSON parse; `conf` (with its schema machinery, tens of milliseconds to load) is loaded only
 * to write, so a command that only reads starts faster.
 */
export function openSettings(dataDir: string, appVersion: string): SettingsStore {
  const file = path.join(dataDir, 'settings.json');
  let conf: Conf<Record<string, unknown>> | undefined;
  const writer = () => (conf ??= openConf(dataDir, appVersion));
  // conf creates a missing file and runs the migrations of a new version (recording the version in
  // the file): on those first opens it is loaded at once; otherwise only when something is written.
  const recorded = (() => {
    try {
      return (JSON.parse(readFileSync(file, 'utf8')) as { __internal__?: { migrations?: { version?: unknown } } }).__internal__?.migrations?.version;
    } catch {
      return undefined;
    }
  })();
  if (!existsSync(file) || recorded !== appVersion) writer();
  const read = (): Settings => {
    let stored: unknown;
    try {
      stored = JSON.parse(readFileSync(file, 'utf8'));
    } catch (e) {
      throw new LifeboatError('usage', `The settings file ${file} cannot be read (${(e as Error).message})`, 'Fix or remove it (Lifeboat never rewrites a settings file it cannot read)');
    }
    const parsed = settingsSchema.safeParse(stored);
    if (!parsed.success) {
      const first = parsed.error.issues[0];
      throw new LifeboatError(
        'usage',
        `The settings file ${file} is not valid (${first ? `${first.path.join('.')}: ${first.message}` : 'unknown problem'})`,
        'Fix or remove that entry (Lifeboat never rewrites a settings file it cannot read)',
      );
    }
    return parsed.data;
  };
  return {
    file,
    read,
    update(change) {
      return withLockSync(path.join(dataDir, 'locks', 'settings.lock'), 'a change of the settings', () => {
        const next = settingsSchema.parse(change(read()));
        writer().store = next as unknown as Record<string, unknown>;
        return next;
      });
    },
  };
}

/** `conf`, the writer of settings.json (atomic writes, owner-only, migrations by version). */
function openConf(dataDir: string, appVersion: string): Conf<Record<string, unknown>> {
  const ConfClass = (createRequire(import.meta.url)('conf') as { default: typeof Conf }).default;
  return new ConfClass<Record<string, unknown>>({
    cwd: dataDir,
    configName: 'settings',
    projectVersion: appVersion,
    clearInvalidConfig: false,
    // Owner-only: settings name the person's databases and folders.
    configFileMode: 0o600,
    migrations: {
      // Settings format 1 shipped with 0.1.0. Add a migration here when a key changes meaning.
    },
  });
}

/** The effective retention policy of a source: its own rules over the global ones. */
export function effectiveRetention(settings: Settings, source: Source | undefined): RetentionPolicy {
  return { ...settings.retention, ...(source?.retention ?? {}) };
}

/**
 * Moves a Google client secret an older version kept in settings.json into the SecretStore and
 * removes it from settings. Where the store cannot take it (no keychain), it stays where it was
 * and keeps working; the next start tries again.
 */
export async function moveSecretsOutOfSettings(settings: SettingsStore, secrets: SecretStore): Promise<void> {
  const google = settings.read().google;
  if (!google?.clientSecret) return;
  try {
    await secrets.set(GOOGLE_CLIENT_SECRET, google.clientSecret);
  } catch {
    return;
  }
  settings.update((s) => ({ ...s, google: s.google ? { clientId: s.google.clientId } : undefined }));
}
