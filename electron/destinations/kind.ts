// What a kind of destination is (a folder, Google Drive; S3 and Azure next), as one folder under
// electron/destinations/ provides it: its storage, its settings schema, its set-up flow and what the
// dashboard and the CLI say about it. The app and the CLI reach every kind through the registry
// (registry.ts) and this interface only, never through one kind's own modules.
import type { z } from 'zod';
import type { DestinationKindView, DestinationUsage, SetupSummary } from '../../shared/ipc-contract.ts';
import type { Destination } from '../../shared/model.ts';
import { LifeboatError } from '../engine/common/errors.ts';
import type { Engine } from '../engine/engine.ts';
import type { Storage, StorageContext } from '../engine/storage/storage.ts';

/** Values typed for a set-up, by field name (`SetupFieldView.name`). */
export type SetupValues = Record<string, string | undefined>;

/** What a set-up flow may do beyond the engine: the shell's folder dialog and browser. */
export interface SetupEffects {
  /** Main's folder dialog (the app); absent on the command line, where the folder is given. */
  chooseFolder?: () => Promise<string | undefined>;
  /** Opens a sign-in page in the system browser. */
  openBrowser: (url: string) => Promise<void>;
  /** Shows the sign-in address too (a terminal prints it). */
  onUrl?: (url: string) => void;
  signal?: AbortSignal;
}

/** How a kind describes itself; its state (`ready`, `saved`…) comes from `state`. */
export type KindDescription = Pick<DestinationKindView, 'kind' | 'label' | 'title' | 'about' | 'fields' | 'browserSignIn' | 'single' | 'words'>;
export type KindState = Pick<DestinationKindView, 'ready' | 'saved' | 'advancedNote' | 'advancedOpen' | 'canForget'>;

export interface DestinationKind {
  readonly describe: KindDescription;
  /** Builds a destination's storage, its own settings checked first (`kindSettings`). */
  storage(destination: Destination, ctx: StorageContext): Storage;
  /** Where a destination is, in a few words (a folder's path; "Google Drive"). */
  where(destination: Destination): string;
  /**
   * Sets a destination of this kind up from `values` and adds it (what it should hold is queued);
   * undefined when the person cancelled (a dialog). One already set up is returned as it is.
   */
  setup(engine: Engine, values: SetupValues, effects: SetupEffects): Promise<SetupSummary | undefined>;
  /** Whether set-up can run now, and what is remembered for it; a kind with nothing to remember is always ready. */
  state?(engine: Engine): Promise<KindState>;
  /** Remembers advanced values without setting anything up (Drive: the person's own OAuth client). */
  remember?(engine: Engine, values: SetupValues): Promise<void>;
  /** Forgets what `remember` kept. */
  forgetRemembered?(engine: Engine): Promise<void>;
  /** The account and storage of a destination of this kind, read now; a failure is said in `error`, never thrown. */
  usage?(engine: Engine, destination: Destination): Promise<DestinationUsage>;
  /** Secrets of this kind the log must never show (a built-in client's secret). */
  readonly logSecrets?: string[];
}

/** The state of a kind that remembers nothing: always ready. */
export const READY: KindState = { ready: true, saved: {}, advancedOpen: false, canForget: false };

/**
 * A destination's kind-specific settings, checked with the kind's own schema: a destination whose
 * settings.json entry lost or mangled them is refused with what is wrong, never half used.
 */
export function kindSettings<S extends z.ZodType>(schema: S, destination: Destination, label: string): z.output<S> {
  const parsed = schema.safeParse(destination);
  if (parsed.success) return parsed.data;
  const first = parsed.error.issues[0];
  throw new LifeboatError(
    'usage',
    `The settings of destination ${destination.id} are not those of a ${label} destination (${first ? `${first.path.join('.') || 'settings'}: ${first.message}` : 'unknown problem'})`,
    'Fix it in settings.json, or remove the destination and add it again',
  );
}
