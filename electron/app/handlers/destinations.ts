// IPC handlers of the destinations screen: the list with each one's copies, the kinds with their
// set-up (a folder from main's dialog, Google Drive's sign-in in the browser, a kind's remembered
// advanced values), each destination's account and storage, switching one on or off, encoding,
// removing. Every kind is reached through the registry, never through one kind's own modules.
import type { DestinationKindView, DestinationsView, IpcHandlers, SetupSummary } from '../../../shared/ipc-contract.ts';
import type { Destination } from '../../../shared/model.ts';
import { READY, type DestinationKind, type SetupValues } from '../../destinations/kind.ts';
import { LifeboatError } from '../../engine/common/errors.ts';
import type { HandlerDeps } from './deps.ts';

type Channels =
  | 'destinations:list'
  | 'destinations:kinds'
  | 'destinations:setup'
  | 'destinations:cancel-setup'
  | 'destinations:remember'
  | 'destinations:forget-remembered'
  | 'destinations:usage'
  | 'destinations:remove'
  | 'destinations:set-enabled'
  | 'destinations:set-encoding';

/**
 * The values the renderer may give a kind: only fields the kind declares, never a `folder` one
 * (main's dialog chooses folders: the renderer never names a path Lifeboat writes to).
 */
function fromRenderer(kind: DestinationKind, values: Record<string, string> = {}): SetupValues {
  const allowed = new Set(kind.describe.fields.filter((f) => f.type !== 'folder').map((f) => f.name));
  return Object.fromEntries(Object.entries(values).filter(([name]) => allowed.has(name)));
}

/** The destinations with their copies, and where each is as its kind says. */
async function destinationsView(deps: HandlerDeps): Promise<DestinationsView> {
  const { engine, kinds } = deps;
  const status = await engine.status();
  const kindOf = (d: Destination) => kinds.list.find((k) => k.describe.kind === d.kind);
  const where = (d: Destination) => {
    try {
      return kindOf(d)?.where(d) ?? d.name;
    } catch {
      return d.name; // settings its kind cannot read: its copies fail and say why
    }
  };
  return {
    vault: { dir: status.vaultDir, freeBytes: status.freeBytes, usedBytes: status.vaultBytes },
    destinations: engine.destinations.status().map((d) => ({ destination: d.destination, where: where(d.destination), hasUsage: kindOf(d.destination)?.usage !== undefined, completed: d.completed, pending: d.pending, failed: d.failed, lastUploadAt: d.lastUploadAt, lastError: d.lastError })),
  };
}

/** The channels of the destinations screen. */
export function destinationHandlers(deps: HandlerDeps): Pick<IpcHandlers, Channels> {
  const { engine, effects, kinds } = deps;
  // One set-up per kind at a time (a sign-in waiting in the browser), cancellable.
  const settingUp = new Map<string, AbortController>();
  const kindView = async (k: DestinationKind): Promise<DestinationKindView> => ({ ...k.describe, ...(k.state ? await k.state(engine) : READY), settingUp: settingUp.has(k.describe.kind) });
  const setUp = async (kind: DestinationKind, values: SetupValues): Promise<SetupSummary | null> => {
    const { kind: name, label, browserSignIn } = kind.describe;
    if (settingUp.has(name)) throw new LifeboatError('busy', browserSignIn ? `A sign-in to ${label} is already waiting in your browser` : `${label} is being set up already`, 'Finish it there, or cancel it');
    const abort = new AbortController();
    settingUp.set(name, abort);
    try {
      const done = await kind.setup(engine, values, { chooseFolder: () => effects.chooseFolder('destination'), openBrowser: effects.openExternal, signal: abort.signal });
      // What waited for it, and the history it should hold, go in the background (uploads as jobs, with progress).
      if (done) deps.sendNow(done.destination.id);
      return done ?? null;
    } finally {
      settingUp.delete(name);
      deps.settingsChanged();
    }
  };
  const withKind = (name: string, what: 'remember' | 'forgetRemembered') => {
    const kind = kinds.get(name);
    if (!kind[what]) throw new LifeboatError('usage', `${kind.describe.label} has nothing to remember`, 'Set it up instead');
    return kind;
  };

  return {
    'destinations:list': () => destinationsView(deps),
    'destinations:kinds': () => Promise.all(kinds.list.map(kindView)),
    'destinations:setup': ({ kind, values }) => {
      const k = kinds.get(kind);
      return setUp(k, fromRenderer(k, values));
    },
    'destinations:cancel-setup': async ({ kind }) => {
      settingUp.get(kind)?.abort();
    },
    'destinations:remember': async ({ kind, values }) => {
      const k = withKind(kind, 'remember');
      await k.remember?.(engine, fromRenderer(k, values));
      deps.settingsChanged();
    },
    'destinations:forget-remembered': async ({ kind }) => {
      await withKind(kind, 'forgetRemembered').forgetRemembered?.(engine);
      deps.settingsChanged();
    },
    'destinations:usage': async ({ id }) => {
      const d = engine.destinations.get(id);
      const usage = kinds.of(d).usage;
      return usage ? usage(engine, d) : null;
    },
    'destinations:remove': async ({ id }) => {
      // Removing one that signed in (Google Drive) also gives up its access (its storage does).
      const removed = await engine.destinations.remove(id);
      deps.settingsChanged();
      return removed;
    },
    'destinations:set-enabled': async ({ id, enabled }) => {
      const d = engine.destinations.setEnabled(id, enabled);
      deps.settingsChanged();
      return d;
    },
    'destinations:set-encoding': async ({ id, compressLevel, encrypt }) => {
      const d = await engine.destinations.setEncoding(id, { compressLevel, encrypt });
      deps.settingsChanged();
      return d;
    },
  };
}
