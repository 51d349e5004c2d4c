// The model shared by main, preload, renderer and the CLI: restore points, manifests, sources.
// Plain TypeScript + zod: no Node, no DOM.
import { z } from 'zod';

/** The manifest format of a whole-file restore point; readers accept exactly the versions they know. */
export const MANIFEST_VERSION = 1;
/** The manifest format of a page-level restore point (docs/page-store.md): version 1 plus `pages`. */
export const PAGES_MANIFEST_VERSION = 2;

/** `20261122T103700Z-a1b2c3`: UTC time of the snapshot plus 6 random hex digits. Sortable. */
export const restorePointIdSchema = z
  .string()
  .regex(/^\d{8}T\d{6}Z-[0-9a-f]{6}$/, 'a restore point id looks like 20261122T103700Z-a1b2c3');
export type RestorePointId = z.infer<typeof restorePointIdSchema>;

/** A source's id is its folder name in the vault, so it must be a safe single path segment. */
export const sourceIdSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, 'a source id is lower-case letters, digits, ".", "_" or "-"')
  .refine((s) => !s.includes('..'), 'a source id cannot contain ".."');

export const triggerSchema = z.enum(['manual', 'scheduled', 'safety']);
export type Trigger = z.infer<typeof triggerSchema>;

const sha256Schema = z.string().regex(/^[0-9a-f]{64}$/, 'a SHA-256 is 64 lower-case hex digits');
const isoUtcSchema = z.iso.datetime({ offset: false });
const count = z.number().int().nonnegative();

/** A path inside the vault: `<source id>/<file name>`, nothing that can climb out of it. */
export const vaultRelativePathSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]{0,62}\/[A-Za-z0-9][A-Za-z0-9._-]{0,250}$/, 'an artifact path is "<source>/<file>"')
  .refine((p) => !p.split('/').some((seg) => seg === '..' || seg === '.'), 'an artifact path cannot contain ".."');

/**
 * What the stored bytes are: a plain SQLite file, zstd-compressed, age-encrypted, or both (compressed
 * first); or `pages`: the database's own pages in the vault's page store (docs/page-store.md).
 */
export const artifactFormatSchema = z.enum(['sqlite', 'sqlite+zstd', 'sqlite+age', 'sqlite+zstd+age', 'pages']);
export type ArtifactFormat = z.infer<typeof artifactFormatSchema>;

/** Which key an encrypted artifact was made for; never the secret itself. */
export const encryptionInfoSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('passphrase'),
    /** Id of the remembered passphrase it was made with (changes when the passphrase changes). */
    keyId: z.string().max(64).optional(),
    hint: z.string().max(200).optional(),
  }),
  z.object({ kind: z.literal('recipients'), recipients: z.array(z.string().regex(/^age1[0-9a-z]+$/)).min(1).max(64) }),
]);
export type EncryptionInfo = z.infer<typeof encryptionInfoSchema>;

/** A page-level restore point's pages: the size and count, and the chunks of its page map in order. */
export const pagesSchema = z.object({
  pageSize: count,
  pageCount: count,
  /** Ids of the page map's chunks (1024 pages each), in order. */
  map: z.array(z.string().regex(/^[0-9a-f]{32}$/, 'a blob id is 32 hex digits')).max(1_000_000),
  /** The page store's id (config.json `repository`): the key that names the blobs. */
  repository: z.string().regex(/^[0-9a-f]{32}$/),
  /** Pages this restore point stored that no earlier one held. */
  newPages: count,
  /** Whether its new packs were encrypted (to the repository key). */
  encrypted: z.boolean(),
});
export type PagesInfo = z.infer<typeof pagesSchema>;

export const manifestSchema = z
  .object({
    version: z.union([z.literal(MANIFEST_VERSION), z.literal(PAGES_MANIFEST_VERSION)]),
    kind: z.literal('lifeboat.restore-point'),
    id: restorePointIdSchema,
    createdAt: isoUtcSchema,
    trigger: triggerSchema,
    source: z.object({
      id: sourceIdSchema,
      name: z.string().min(1).max(255),
      path: z.string().min(1).max(4096),
    }),
    artifact: z.object({
      path: vaultRelativePathSchema,
      bytes: count,
      /** SHA-256 of the stored bytes (what is on disk, compressed and/or encrypted). */
      sha256: sha256Schema,
      format: artifactFormatSchema,
      compression: z.object({ algorithm: z.literal('zstd'), level: z.number().int(), ratio: z.number().positive() }).optional(),
      encryption: encryptionInfoSchema.optional(),
    }),
    database: z.object({
      /** Size and SHA-256 of the plain SQLite file (equal to the artifact's for format `sqlite`). */
      bytes: count,
      sha256: sha256Schema,
      pageSize: count,
      pageCount: count,
      freelistCount: count,
      journalMode: z.string().max(16),
      userVersion: z.number().int(),
      applicationId: z.number().int(),
      sqliteVersion: z.string().max(32),
    }),
    integrity: z.object({
      check: z.enum(['quick_check', 'integrity_check']),
      status: z.enum(['ok', 'failed']),
      message: z.string().max(20_000),
    }),
    snapshot: z.object({
      /** quiet-copy: a lock-free copy proven unchanged; backup-api: SQLite's backup API; vacuum-into: compacted. */
      method: z.enum(['quiet-copy', 'backup-api', 'vacuum-into']),
      /** Copies thrown away because the database was written meanwhile (taken again). */
      restarts: count,
      /** Whether the source's writers were held off (only for a source that allows it: lockIfBusy). */
      heldLock: z.boolean(),
      /** How long the backup waited for the database to be quiet, in ms. */
      waitedMs: count.optional(),
    }),
    safety: z
      .object({
        /** The restore point whose restore this safety copy was taken before. */
        before: z.enum(['restore', 'undo']),
        restoring: restorePointIdSchema,
      })
      .optional(),
    pinned: z.boolean().default(false),
    durationMs: count,
    appVersion: z.string().max(64),
    /**
     * Written by Lifeboat on the vault's copy when it brought this restore point in from a
     * destination (which one, and when, by this machine's clock); never sent to a destination. What
     * a manifest from elsewhere says about its own time is not trusted beyond this moment.
     */
    received: z.object({ from: sourceIdSchema, at: isoUtcSchema }).optional(),
    /** Only in a page-level restore point (format `pages`, version 2). */
    pages: pagesSchema.optional(),
  })
  .refine((m) => m.artifact.path.startsWith(`${m.source.id}/`), {
    message: "the artifact must sit in its source's folder",
    path: ['artifact', 'path'],
  })
  .refine((m) => m.artifact.format === 'pages' || (m.artifact.format.includes('zstd') === (m.artifact.compression !== undefined) && m.artifact.format.includes('age') === (m.artifact.encryption !== undefined)), {
    message: 'the format does not match the compression and encryption recorded',
    path: ['artifact', 'format'],
  })
  .refine((m) => (m.artifact.format === 'pages') === (m.pages !== undefined) && (m.pages !== undefined) === (m.version === PAGES_MANIFEST_VERSION), {
    message: 'a page-level restore point (format "pages", version 2) needs its pages, and only it has them',
    path: ['pages'],
  });
export type Manifest = z.infer<typeof manifestSchema>;

/** Retention rules for one source. Zero switches a rule off. */
export const retentionPolicySchema = z.object({
  keepLast: count.default(5),
  keepDaily: count.default(7),
  keepWeekly: count.default(4),
  keepMonthly: count.default(12),
  keepYearly: count.default(0),
  keepWithinDays: count.default(0),
  /** Never prune a source below this many restore points. */
  minCount: count.default(3),
});
export type RetentionPolicy = z.infer<typeof retentionPolicySchema>;

/**
 * Some of the rules, overriding the ones around them (a source's own rules over the global ones).
 * Not `retentionPolicySchema.partial()`: zod fills defaults inside partial(), which would turn
 * "keep the last 3" into a whole policy and silently override every global rule.
 */
export const retentionOverrideSchema = z.object({
  keepLast: count.optional(),
  keepDaily: count.optional(),
  keepWeekly: count.optional(),
  keepMonthly: count.optional(),
  keepYearly: count.optional(),
  keepWithinDays: count.optional(),
  minCount: count.optional(),
});

const timeOfDaySchema = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a time looks like 09:30');

/** When a source is backed up: off, hourly at a minute, daily or weekly at a local time, or cron. */
export const scheduleSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('off') }),
  z.object({ kind: z.literal('hourly'), minute: z.number().int().min(0).max(59) }),
  z.object({ kind: z.literal('daily'), time: timeOfDaySchema }),
  /** weekday: 0 = Sunday … 6 = Saturday */
  z.object({ kind: z.literal('weekly'), weekday: z.number().int().min(0).max(6), time: timeOfDaySchema }),
  z.object({ kind: z.literal('cron'), expression: z.string().min(1).max(200) }),
]);
export type Schedule = z.infer<typeof scheduleSchema>;

/** How to encrypt: with the remembered passphrase, or to these age recipients (`age1…`). */
export const encryptionSettingSchema = z.union([z.object({ kind: z.literal('passphrase') }), z.object({ kind: z.literal('recipients'), recipients: z.array(z.string()).min(1) })]);

export const sourceSchema = z.object({
  id: sourceIdSchema,
  /** Absolute, symlinks resolved: a restore writes to the real file, never over a link. */
  path: z.string().min(1),
  name: z.string().min(1),
  addedAt: isoUtcSchema,
  /** Per-source overrides; absent means "use the global default". */
  maxBytes: count.optional(),
  compact: z.boolean().optional(),
  /** zstd level for this source's artifacts; absent means plain SQLite files. */
  compressLevel: z.number().int().min(-7).max(22).optional(),
  /** Encrypt this source's artifacts: with the remembered passphrase, or to these age recipients. */
  encryption: encryptionSettingSchema.optional(),
  retention: retentionOverrideSchema.optional(),
  schedule: scheduleSchema.optional(),
  /** Upload this source's restore points to the destinations automatically (default yes). */
  autoUpload: z.boolean().optional(),
  /**
   * A rollback-journal database whose program never pauses long enough for a lock-free copy may be
   * copied holding its writers off for a moment. Only for programs that wait for locks (a busy
   * handler); off by default, because a program that does not would lose writes.
   */
  lockIfBusy: z.boolean().optional(),
  /** Take a restore point as soon as the program keeping the database open closes it (if it changed). */
  backUpWhenClosed: z.boolean().optional(),
  /**
   * Keep each restore point as one whole file (a SQLite file `sqlite3` opens, optionally .zst/.age)
   * instead of as pages in the vault's page store (only what changed costs anything; the default).
   */
  wholeFile: z.boolean().optional(),
});
export type Source = z.infer<typeof sourceSchema>;

export const destinationIdSchema = sourceIdSchema;

/**
 * What a destination does to a restore point that arrives plain: encrypt it (e.g. "encrypt what
 * goes to Drive", the vault keeping a plain copy for a fast restore) and/or compress it first.
 * A restore point that is already encrypted is copied as it is.
 */
const destinationTransform = {
  encrypt: encryptionSettingSchema.optional(),
  compressLevel: z.number().int().min(1).max(19).optional(),
};

/** A destination kind's name in settings (`folder`, `drive`; `s3` and `azure` next). */
export const destinationKindSchema = z.string().regex(/^[a-z][a-z0-9-]{0,31}$/, 'a destination kind is a lower-case word');

/**
 * Where copies go beyond the vault: the fields every destination has, and its kind. The kind's own
 * fields (a folder's `path`, Drive's `folderName`) sit beside them in the same object, as they
 * always have in settings.json, and are checked by the kind's own schema (electron/destinations/)
 * when a destination is added or its storage is built; here they are kept as they are.
 */
export const destinationSchema = z.looseObject({
  id: destinationIdSchema,
  kind: destinationKindSchema,
  name: z.string().min(1).max(100),
  enabled: z.boolean().default(true),
  /** Lower numbers upload first. */
  priority: z.number().int().default(100),
  /** Which triggers upload automatically after a backup. */
  upload: z.object({ manual: z.boolean().default(true), scheduled: z.boolean().default(true) }).default({ manual: true, scheduled: true }),
  /** Retention at this destination, over the global and per-source rules (e.g. Drive keeps more). */
  retention: retentionOverrideSchema.optional(),
  ...destinationTransform,
});
export type Destination = z.infer<typeof destinationSchema>;

export const replicaStatusSchema = z.enum(['pending', 'uploading', 'completed', 'failed']);

/** One restore point at one destination. */
export interface Replica {
  restorePointId: string;
  destinationId: string;
  status: z.infer<typeof replicaStatusSchema>;
  remoteId?: string;
  bytes?: number;
  sha256?: string;
  startedAt?: string;
  finishedAt?: string;
  attempts: number;
  error?: string;
}

/** What a job reports while it runs. */
export type JobPhase =
  | 'preparing'
  | 'copying'
  | 'checking'
  | 'hashing'
  | 'compressing'
  | 'encrypting'
  | 'finishing'
  | 'safety-copy'
  | 'restoring'
  | 'uploading'
  | 'downloading'
  /** Decoding (decrypting, decompressing) and checking a restore point to look inside it. */
  | 'opening'
  | 'comparing'
  | 'bringing-back'
  | 'exporting'
  /** Copying the restore points into the vault's new folder. */
  | 'moving';
export interface JobProgress {
  phase: JobPhase;
  done: number;
  total: number;
  unit: 'pages' | 'bytes' | 'rows';
}

/** The kinds of work the app runs as jobs (DESIGN.md "job"). */
export type JobKind = 'backup' | 'restore' | 'undo' | 'verify' | 'upload' | 'prune' | 'look' | 'compare' | 'recover' | 'export' | 'move-vault';

/** Which program ran an operation: the desktop app, the `lifeboat` command line, or `lifeboat daemon`. */
export type RunBy = 'app' | 'cli' | 'daemon';

/** One job as the dashboard, the tray and the activity list see it. */
export interface JobView {
  id: string;
  kind: JobKind;
  /** What it is, in words: "Backing up store". */
  title: string;
  sourceId?: string;
  restorePointId?: string;
  trigger?: Trigger;
  startedAt: string;
  finishedAt?: string;
  outcome?: 'ok' | 'failed' | 'cancelled';
  /** The result or the error, for a person. */
  message?: string;
  hint?: string;
  progress?: JobProgress & { percent?: number; etaSeconds?: number };
  /** Who ran it (the one history holds every program's operations); absent in entries older than that. */
  by?: RunBy;
}

/** The one step in the app that fixes a health reason; the dashboard shows it as a button. */
export type HealthFix =
  | { kind: 'add-database' }
  | { kind: 'back-up'; sourceId: string }
  /** Give the database this schedule (the one a new database gets: every hour). */
  | { kind: 'set-schedule'; sourceId: string; schedule: Schedule }
  /** A copy off this disk: Google Drive or a folder on another disk. */
  | { kind: 'add-copy' }
  /** Sign in again to a destination that lost its access (Google Drive's was revoked). */
  | { kind: 'reconnect'; destinationId: string }
  | { kind: 'resume-schedule' }
  /** Look at a destination that keeps failing. */
  | { kind: 'show-destinations' }
  /** See which restore points failed. */
  | { kind: 'show-restore-points' }
  /** Where the vault lives (Settings). */
  | { kind: 'show-settings' };

/**
 * What kind of problem a health reason is, for those that alerts leave the machine for (with its
 * source or destination, one alert per problem): a backup failed, backups stopped (no good one for
 * over twice the schedule's interval), copies to a destination fail or it is over a day behind,
 * verification found damage; and alerts themselves that could not be sent.
 */
export type HealthTopic = 'backup-failed' | 'overdue' | 'copies-failed' | 'destination-behind' | 'damaged' | 'alerts-undelivered';

/** One thing that is not right, and what the person can do about it. */
export interface HealthReason {
  level: 'warning' | 'error';
  topic?: HealthTopic;
  sourceId?: string;
  destinationId?: string;
  text: string;
  action: string;
  /** The one click in the app that fixes it, when there is one. */
  fix?: HealthFix;
}

/** The overall state the dashboard, the tray icon and notifications show. */
export interface Health {
  level: 'healthy' | 'warning' | 'error';
  summary: string;
  reasons: HealthReason[];
}

/** The desktop app's own preferences (kept in the same settings file as everything else). */
export const appSettingsSchema = z.object({
  /** Closing the window keeps Lifeboat running in the tray so schedules keep running. */
  closeToTray: z.boolean().default(true),
  openAtLogin: z.boolean().default(false),
  /** The person chose `openAtLogin` themselves; until then it is switched on once a database has a schedule. */
  openAtLoginChosen: z.boolean().default(false),
  /** A notification after each successful backup, not only after failures. */
  notifyOnSuccess: z.boolean().default(false),
});
export type AppSettings = z.infer<typeof appSettingsSchema>;
