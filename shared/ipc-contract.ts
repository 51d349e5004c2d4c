// The one IPC contract between the renderer and main: for each channel, the input schema (checked
// in main before any service runs) and the output type; and the events main pushes. The main-side
// binder and the preload client are both derived from this table; nothing here is written twice.
import { z } from 'zod';
import { alertChannelIdSchema, alertChannelInputSchema, type AlertsView } from './alerts.ts';
import type { ErrorJson } from './errors.ts';
import { recoverSelectionSchema, rowKeySchema, type Comparison, type ExportSummary, type RecoverSummary, type RestorePointContents, type RowsPage } from './inside-view.ts';
import type { AppSettings, Destination, Health, JobView, Manifest, Replica, Source } from './model.ts';
import { destinationIdSchema, destinationKindSchema, restorePointIdSchema, retentionOverrideSchema, retentionPolicySchema, scheduleSchema, sourceIdSchema, type Schedule } from './model.ts';

/** A channel: its input schema and (as a phantom type) its output. */
export interface Channel<I extends z.ZodType, O> {
  input: I;
  output?: O;
}
const channel = <O>() => <I extends z.ZodType>(input: I): Channel<I, O> => ({ input });
const none = z.undefined();
const byId = z.object({ id: restorePointIdSchema }).strict();
const bySource = z.object({ sourceId: sourceIdSchema }).strict();
const byDestination = z.object({ id: destinationIdSchema }).strict();
/** Set-up values by field name: a few short strings. */
const setupValues = z
  .record(z.string().regex(/^[a-zA-Z][a-zA-Z0-9]{0,31}$/), z.string().max(4096))
  .refine((v) => Object.keys(v).length <= 32, 'too many values');
const agePublicKey = z.string().regex(/^age1[0-9a-z]{58}$/, 'an age public key starts with age1 and has 62 characters');

export interface SourceSummary {
  source: Source;
  missing: boolean;
  restorePoints: number;
  bytes: number;
  newest?: Manifest;
  /** Advice for a database its program keeps open in rollback-journal mode (what WAL mode would change). */
  advice?: { message: string; hint: string };
  /** From the scheduler: next and last scheduled run, and how often runs succeeded. */
  nextRunAt?: string;
  lastRunAt?: string;
  lastOk?: boolean;
  successRate?: number;
  /** Database size and backup duration of recent restore points (oldest first), for the chart. */
  history: { createdAt: string; databaseBytes: number; durationMs: number }[];
}

export interface StatusView {
  vaultDir: string;
  freeBytes?: number;
  /** Bytes the vault's restore points take on its disk. */
  vaultBytes: number;
  /** Bytes of the databases they hold, one full copy each (more than vaultBytes when pages are shared). */
  logicalBytes: number;
  sources: SourceSummary[];
  health: Health;
  schedulePaused: boolean;
  /** What runs the scheduled backups now and after a restart, and the next one, in a sentence (as `lifeboat status` says). */
  scheduleRunner?: string;
  /** Jobs running now (a backup started from the tray or the schedule shows here too). */
  running: JobView[];
}

/** One line of the restore point list: enough to filter and show 10,000 rows without the manifests. */
export interface RestorePointRow {
  id: string;
  sourceId: string;
  sourceName: string;
  createdAt: string;
  trigger: Manifest['trigger'];
  bytes: number;
  databaseBytes: number;
  format: Manifest['artifact']['format'];
  integrity: 'ok' | 'failed';
  /** The latest verify, if one ran. */
  verified?: { ok: boolean; at: string; message: string };
  pinned: boolean;
  /** Where copies are, per destination id. */
  replicas: Record<string, Replica['status']>;
}

export interface RestorePointDetails {
  manifest: Manifest;
  replicas: (Replica & { destinationName: string })[];
  verified?: RestorePointRow['verified'];
}

/** A source's schedule with the time zone it runs in and its next five runs (ISO, UTC). */
export interface ScheduleView {
  sourceId: string;
  schedule: Schedule;
  timeZone: string;
  next: string[];
}

/** What the renderer learns about a restore: never paths it did not already show, never secrets. */
export interface RestoreSummary {
  restoredId: string;
  target: string;
  inPlace: boolean;
  safetyCopyId?: string;
  requiresRestart: boolean;
  holders: { pid: number; name: string }[];
}

export interface RetentionPreview {
  policy: z.infer<typeof retentionPolicySchema>;
  keep: { id: string; createdAt: string; reasons: string[] }[];
  remove: { id: string; createdAt: string }[];
}

export interface DestinationsView {
  vault: { dir: string; freeBytes?: number; usedBytes: number };
  destinations: {
    destination: Destination;
    /** Where it is, in a few words its kind chooses (a folder's path, "Google Drive"). */
    where: string;
    /** Its kind reports an account and storage for it (`destinations:usage`). */
    hasUsage: boolean;
    completed: number;
    pending: number;
    failed: number;
    lastUploadAt?: string;
    lastError?: string;
  }[];
}

/** One thing a destination kind asks for when it is set up. */
export interface SetupFieldView {
  /** The key in `destinations:setup`'s values (and, kebab-cased, the CLI's option). */
  name: string;
  label: string;
  /** `folder`: chosen in main's folder dialog, never typed by the renderer; `secret`: never shown again, never on a command line. */
  type: 'text' | 'secret' | 'folder';
  placeholder?: string;
  optional?: boolean;
  /** Shown under "Advanced" (Drive: the person's own OAuth client). */
  advanced?: boolean;
  /** An environment variable the command line reads it from too (a secret never goes on a command line). */
  env?: string;
}

/** A kind of destination as the dashboard shows its set-up: everything kind-specific comes from here. */
export interface DestinationKindView {
  kind: string;
  /** Its name ("Google Drive", "Folder"). */
  label: string;
  /** The heading of its section on the Destinations screen. */
  title: string;
  /** What it is for, in a sentence, before one is set up. */
  about: string;
  fields: SetupFieldView[];
  /** Set-up signs in through the system browser. */
  browserSignIn: boolean;
  /** At most one destination of this kind (one Google account). */
  single: boolean;
  /** The words on its buttons and notes. */
  words: {
    /** The button that sets one up ("Add a folder…", "Connect Google Drive"), and in Overview's health when one is missing. */
    add: string;
    addFromHealth: string;
    /** In Overview's health when set-up cannot run yet (it needs the Destinations screen). */
    setUpElsewhere?: string;
    reconnect?: string;
    /** While a set-up waits (a sign-in in the browser): on its button, and a sentence. */
    waiting?: string;
    waitingNote?: string;
    /** Why set-up cannot run yet (no sign-in of its own: the advanced fields first). */
    notReady?: string;
    /** Advanced fields: their summary, save and forget buttons. */
    advanced?: string;
    save?: string;
    forget?: string;
    /** No destination of this kind yet. */
    empty?: string;
    /** Removing one: the button and what it means. */
    remove: string;
    removeNote?: string;
  };
  /** Set-up can run now with no more values (Drive: the build's own sign-in, or a client saved under Advanced). */
  ready: boolean;
  /** Advanced values remembered for this kind; a secret one is only `true` (kept), never its value. */
  saved: Record<string, string | true>;
  /** What is remembered (or how to use the advanced fields), in a sentence. */
  advancedNote?: string;
  /** The advanced fields are the usual way here (no sign-in of its own): shown open. */
  advancedOpen: boolean;
  /** What is remembered can be forgotten now (back to the build's own sign-in). */
  canForget: boolean;
  /** A set-up of this kind is waiting now (a sign-in in the browser). */
  settingUp: boolean;
}

/** What setting a destination up did. */
export interface SetupSummary {
  destination: Destination;
  /** false: it was set up already (nothing changed). */
  added: boolean;
  /** What happened, in a sentence for the person. */
  notice: string;
}

/** A destination's account and storage, as its kind reads them (Drive: the Google account and its quota). */
export interface DestinationUsage {
  account?: string;
  used?: number;
  /** The account's whole storage, if it has a limit. */
  total?: number;
  /** What Lifeboat's restore points take there. */
  mine?: number;
  /** 'warning' from 80 % used, 'critical' from 95 %. */
  level?: 'ok' | 'warning' | 'critical';
  /** Where copies go there, in a sentence. */
  detail?: string;
  /** Why it could not be read (offline, access withdrawn…), in a sentence for the person. */
  error?: string;
  /** Signing in again fixes it. */
  needsSignIn?: boolean;
  /** The same for a terminal, a line each. */
  lines: string[];
}

/** Settings → where the vault lives, the time zone, the verification schedule. */
export interface SettingsView {
  vault: { dir: string; restorePoints: number; bytes: number; freeBytes?: number; problem?: string };
  /** The time zone schedules and daily retention use: an IANA name, or null for this machine's own. */
  timeZone: string | null;
  machineTimeZone: string;
  /** How often restore points are checked: the newest of each database, all of them (days; 0: never), and copies per destination. */
  verification: { newestEveryDays: number; allEveryDays: number; destinationSample: number };
  /** The last scheduled check, in words, and when the next one runs. */
  lastCheck?: { at: string; ok: boolean; text: string };
  nextCheckAt?: string;
}

/** What a move of the vault did. */
export interface VaultMoveSummary {
  from: string;
  to: string;
  restorePoints: number;
  bytes: number;
}

export interface EncryptionView {
  /** A passphrase is remembered on this machine (its key id, never the passphrase). */
  passphraseKeyId?: string;
}

const sourcePatch = z
  .object({
    autoUpload: z.boolean().optional(),
    /** Back up as soon as the program keeping the database open closes it. */
    backUpWhenClosed: z.boolean().optional(),
    /** Hold the writers of a never-quiet rollback-journal database off for a moment (programs that wait for locks only). */
    lockIfBusy: z.boolean().optional(),
    /** A zstd level, or null for plain SQLite artifacts. */
    compressLevel: z.number().int().min(1).max(19).nullable().optional(),
    encryption: z.union([z.object({ kind: z.literal('passphrase') }).strict(), z.object({ kind: z.literal('recipients'), recipients: z.array(agePublicKey).min(1).max(16) }).strict(), z.null()]).optional(),
    /** The source's own retention rules, or null to follow the global ones. */
    retention: retentionOverrideSchema.strict().nullable().optional(),
  })
  .strict();

export const ipcContract = {
  'status:get': channel<StatusView>()(none),
  'restore-points:list': channel<RestorePointRow[]>()(z.object({ sourceId: sourceIdSchema.optional() }).strict()),
  'restore-points:details': channel<RestorePointDetails>()(byId),
  /** ok false: damaged; checked false: encrypted and no key here opens it, so only the stored bytes were checked. */
  'restore-points:verify': channel<{ ok: boolean; message: string; checked: boolean }>()(byId),
  'restore-points:pin': channel<Manifest>()(z.object({ id: restorePointIdSchema, pinned: z.boolean() }).strict()),
  /** Deletes after main's native confirmation naming the file; null when the person said no. */
  'restore-points:delete': channel<{ id: string } | null>()(byId),
  'backup:run': channel<Manifest>()(bySource),
  'job:cancel': channel<boolean>()(z.object({ jobId: z.string().regex(/^[0-9a-z]{1,16}-[0-9a-f]{6}$/) }).strict()),
  /**
   * Opens the system file dialog (in main) and registers the chosen database with a schedule (every
   * hour), then takes its first restore point (a job) before answering; null when cancelled.
   * `added` false: it was protected already (nothing changed).
   */
  'sources:choose': channel<{ source: Source; added: boolean; first?: Manifest; startsAtLogin?: boolean } | null>()(none),
  'sources:remove': channel<Source>()(bySource),
  'sources:update': channel<Source>()(z.object({ sourceId: sourceIdSchema, patch: sourcePatch }).strict()),
  /**
   * Restores over the registered database after main's native confirmation naming it, or
   * (toAnotherFile, or a restore point of a database not registered here) into a file chosen in a
   * save dialog; null when cancelled.
   */
  'restore:run': channel<RestoreSummary | null>()(z.object({ id: restorePointIdSchema, toAnotherFile: z.boolean().optional() }).strict()),
  /** Undoes the last restore after main's native confirmation; null when the person said no. */
  'restore:undo': channel<RestoreSummary | null>()(none),
  /** What is inside a restore point: tables, rows, sizes, schema (decoded into Lifeboat's private place, read-only). */
  'inside:contents': channel<RestorePointContents>()(byId),
  /** A page of one table's rows (newest first where it can tell), or the rows with the given keys. */
  'inside:rows': channel<RowsPage>()(
    z
      .object({
        id: restorePointIdSchema,
        table: z.string().min(1).max(256),
        offset: z.number().int().min(0).max(1e12).optional(),
        limit: z.number().int().min(1).max(1000).optional(),
        rows: z.array(rowKeySchema).min(1).max(1000).optional(),
      })
      .strict(),
  ),
  /** What restoring `id` would change, table by table: against the database now, or against restore point `with`. */
  'inside:compare': channel<Comparison>()(z.object({ id: restorePointIdSchema, with: restorePointIdSchema.optional() }).strict()),
  /** The person is done looking inside: the private copies nobody uses are removed now. */
  'inside:close': channel<void>()(none),
  /** Brings chosen rows (or whole tables) back into the database after main's native confirmation and a safety copy; restore:undo reverses it; null when the person said no. */
  'recover:run': channel<RecoverSummary | null>()(z.object({ id: restorePointIdSchema, selections: z.array(recoverSelectionSchema).min(1).max(64), onConflict: z.enum(['skip', 'replace']) }).strict()),
  /** Writes one table (or chosen rows) of a restore point into a new file chosen in a save dialog; null when cancelled. */
  'recover:export': channel<ExportSummary | null>()(
    z.object({ id: restorePointIdSchema, table: z.string().min(1).max(256), format: z.enum(['csv', 'sqlite']), rows: z.array(rowKeySchema).min(1).max(100_000).optional() }).strict(),
  ),
  'schedule:get': channel<ScheduleView>()(bySource),
  'schedule:set': channel<ScheduleView>()(z.object({ sourceId: sourceIdSchema, schedule: scheduleSchema }).strict()),
  'schedule:pause': channel<boolean>()(z.object({ paused: z.boolean() }).strict()),
  /** What retention would delete now under `policy` (nothing is deleted). */
  'retention:preview': channel<RetentionPreview>()(z.object({ sourceId: sourceIdSchema, policy: retentionOverrideSchema.strict() }).strict()),
  'destinations:list': channel<DestinationsView>()(none),
  'destinations:remove': channel<Destination>()(byDestination),
  'destinations:set-enabled': channel<Destination>()(z.object({ id: destinationIdSchema, enabled: z.boolean() }).strict()),
  /** What a destination does to plain restore points it receives: compress and/or encrypt (null: off). */
  'destinations:set-encoding': channel<Destination>()(
    z
      .object({
        id: destinationIdSchema,
        compressLevel: z.number().int().min(1).max(19).nullable().optional(),
        encrypt: z.union([z.object({ kind: z.literal('passphrase') }).strict(), z.object({ kind: z.literal('recipients'), recipients: z.array(agePublicKey).min(1).max(16) }).strict(), z.null()]).optional(),
      })
      .strict(),
  ),
  /** The kinds of destination this build can set up, each with its fields and words, and its state (a remembered client, a sign-in waiting). */
  'destinations:kinds': channel<DestinationKindView[]>()(none),
  /**
   * Sets a destination of `kind` up from `values` (its fields; a folder is chosen in main's folder
   * dialog, never given by the renderer; a sign-in opens the system browser and waits up to 5
   * minutes) and adds it; what it should hold is sent in the background. Null when cancelled.
   */
  'destinations:setup': channel<SetupSummary | null>()(z.object({ kind: destinationKindSchema, values: setupValues.optional() }).strict()),
  /** Cancels a set-up of `kind` that waits (a sign-in in the browser). */
  'destinations:cancel-setup': channel<void>()(z.object({ kind: destinationKindSchema }).strict()),
  /** Remembers a kind's advanced values (Drive: the person's own OAuth client, its secret in the keychain) without setting anything up. */
  'destinations:remember': channel<void>()(z.object({ kind: destinationKindSchema, values: setupValues }).strict()),
  /** Forgets a kind's advanced values (Drive: the build's own sign-in is used from now on). */
  'destinations:forget-remembered': channel<void>()(z.object({ kind: destinationKindSchema }).strict()),
  /** A destination's account and storage as its kind reads them; null for a kind that has none (a folder). */
  'destinations:usage': channel<DestinationUsage | null>()(byDestination),
  /** Remembers the passphrase for encrypted backups; it goes to main and never comes back. */
  'encryption:set-passphrase': channel<EncryptionView>()(z.object({ passphrase: z.string().min(8).max(1024) }).strict()),
  'encryption:forget-passphrase': channel<EncryptionView>()(none),
  'encryption:get': channel<EncryptionView>()(none),
  'activity:list': channel<JobView[]>()(none),
  /** Opens the log file in the system's viewer (the renderer never reads it). */
  'log:open': channel<{ file: string }>()(none),
  'settings:get': channel<SettingsView>()(none),
  /** Changes the time zone (an IANA name, or null for this machine's; checked in the engine) and the verification schedule. */
  'settings:set': channel<SettingsView>()(
    z
      .object({
        timeZone: z.string().min(1).max(64).nullable().optional(),
        verification: z
          .object({ newestEveryDays: z.number().int().min(0).max(3650).optional(), allEveryDays: z.number().int().min(0).max(3650).optional(), destinationSample: z.number().int().min(0).max(100).optional() })
          .strict()
          .optional(),
      })
      .strict(),
  ),
  /**
   * Opens the system folder dialog (in main) for an empty folder and moves the vault into it: every
   * restore point copied and checked, then the old files removed (a job: progress, Cancel until the
   * switch). Null when the dialog was cancelled.
   */
  'vault:move': channel<VaultMoveSummary | null>()(none),
  'app-settings:get': channel<AppSettings>()(none),
  // Spelled out rather than appSettingsSchema.partial(): zod applies defaults inside partial(), which
  // would reset every preference the request did not mention.
  'app-settings:set': channel<AppSettings>()(z.object({ closeToTray: z.boolean().optional(), openAtLogin: z.boolean().optional(), notifyOnSuccess: z.boolean().optional() }).strict()),
  /** Settings → Alerts: the channels (never a password: only whether one is kept) and the problems told and not fixed. */
  'alerts:get': channel<AlertsView>()(none),
  /**
   * Adds a channel (no id) or changes one, after main's native confirmation naming where alerts will
   * go (a compromised renderer cannot send them elsewhere alone); the SMTP password goes to main's
   * secret store and never comes back. Null when the person said no.
   */
  'alerts:save': channel<AlertsView | null>()(z.object({ channel: alertChannelInputSchema, password: z.string().min(1).max(1024).optional() }).strict()),
  'alerts:set-enabled': channel<AlertsView>()(z.object({ id: alertChannelIdSchema, enabled: z.boolean() }).strict()),
  'alerts:remove': channel<AlertsView>()(z.object({ id: alertChannelIdSchema }).strict()),
  /** Sends a test through one channel; says how it went. */
  'alerts:test': channel<{ ok: boolean; message: string }>()(z.object({ id: alertChannelIdSchema }).strict()),
} as const;

/** The events main pushes to the renderer, with their payloads. */
export interface IpcEvents {
  'job:progress': JobView;
  'job:finished': JobView;
  'health:changed': Health;
  /** Sources, schedules, destinations or app settings changed (from the tray, the CLI, another screen). */
  'settings:changed': Record<string, never>;
  /** A copy to a destination started, completed or failed. */
  'replicas:changed': Pick<Replica, 'restorePointId' | 'destinationId' | 'status' | 'error'>;
}
export type IpcEventName = keyof IpcEvents;
export const ipcEventNames: IpcEventName[] = ['job:progress', 'job:finished', 'health:changed', 'settings:changed', 'replicas:changed'];

export type IpcContract = typeof ipcContract;
export type ChannelName = keyof IpcContract;
export type ChannelInput<C extends ChannelName> = z.input<IpcContract[C]['input']>;
export type ChannelOutput<C extends ChannelName> = IpcContract[C] extends Channel<z.ZodType, infer O> ? O : never;

/** A handler table that serves the whole contract. */
export type IpcHandlers = { [C in ChannelName]: (input: z.output<IpcContract[C]['input']>) => Promise<ChannelOutput<C>> };

/** The object the preload exposes as `window.lifeboat`: one method per channel, and `on` for events. */
export type LifeboatApi = { [C in ChannelName]: (input: ChannelInput<C>) => Promise<ChannelOutput<C>> } & {
  /** Listens to an event from main; returns the function that stops listening. */
  on<E extends IpcEventName>(event: E, listener: (payload: IpcEvents[E]) => void): () => void;
};

/** What an IPC call returns across the boundary: a value, or an error a person can read. */
export type IpcResult<T> = { ok: true; value: T } | { ok: false; error: ErrorJson };

export const channelNames = Object.keys(ipcContract) as ChannelName[];
