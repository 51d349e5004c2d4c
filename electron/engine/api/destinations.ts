// The destinations part of the Engine: which destinations there are and what they receive, adding
// and removing them (their storage makes them ready or gives up its access), and what each holds.
import { destinationSchema, type Destination, type RetentionPolicy, type Source } from '../../../shared/model.ts';
import type { z } from 'zod';
import { isLifeboatError } from '../common/errors.ts';
import {
  addDestination,
  freeDestinationId,
  getDestination,
  listDestinations,
  removeDestination,
  setDestinationEnabled,
  setDestinationEncoding,
  setDestinationRetention,
  setDestinationUpload,
} from '../remote/destination-settings.ts';
import { queueMissing } from '../remote/destination-sync.ts';
import { configured, configuredDestinations, destinationStatus, destinationsFor, storageOf } from '../remote/replication.ts';
import type { RemoteRestorePoint } from '../storage/restore-points.ts';
import type { EngineContext } from '../vault/context.ts';

export type DestinationStatus = ReturnType<typeof destinationStatus>;

/** What one destination holds, read from the destination itself (with the error if it could not be read). */
export interface RemoteListing {
  destination: Destination;
  points: RemoteRestorePoint[];
  /** Entries there that could not be read or trusted, one line each. */
  problems: string[];
  error?: string;
}

export interface DestinationsApi {
  list(): Destination[];
  get(id: string): Destination;
  /** Each destination with its copies' counts, last upload and last error. */
  status(): DestinationStatus[];
  /**
   * Adds a destination from settings-shaped data (its kind's set-up makes it): its kind checks its
   * own settings and its storage is made ready (a folder's marker) before it is saved; then what it
   * should hold is queued. One with the same id already there is kept as it is.
   */
  add(d: z.input<typeof destinationSchema>): Promise<Destination>;
  /** `base` as a destination id no destination has yet (`base-2`…). */
  freeId(base: string): string;
  /** Removes a destination; its storage gives up any access it held. What it holds stays there. */
  remove(id: string): Promise<Destination>;
  setEnabled(id: string, enabled: boolean): Destination;
  setUpload(id: string, upload: { manual?: boolean; scheduled?: boolean }): Destination;
  /** What the destination does to plain restore points it receives (checked now: keys must work). */
  setEncoding(id: string, o: { encrypt?: Source['encryption'] | null; compressLevel?: number | null }): Promise<Destination>;
  setRetention(id: string, retention: Partial<RetentionPolicy>): Destination;
  /** What one destination (or each) holds, read from the destination itself. */
  listRemote(id?: string): Promise<RemoteListing[]>;
}

/** The destinations part of the Engine over `ctx`. */
export function destinationsApi(ctx: EngineContext): DestinationsApi {
  // A destination added or switched on receives what its retention keeps of the history too: queued now, copied in the background.
  const queueHistory = (id: string) => queueMissing(ctx, configuredDestinations(ctx).filter((t) => t.destination.id === id));
  return {
    list: () => listDestinations(ctx),
    get: (id) => getDestination(ctx, id),
    status: () => {
      const inVault = ctx.catalog.ids();
      return listDestinations(ctx).map((d) => destinationStatus(ctx, d, inVault));
    },
    add: async (input) => {
      const d = destinationSchema.parse(input);
      const existing = listDestinations(ctx).find((x) => x.id === d.id);
      if (existing) return existing;
      await storageOf(ctx, d).init?.();
      const added = addDestination(ctx, d);
      queueHistory(added.id);
      return added;
    },
    freeId: (base) => freeDestinationId(ctx, base),
    remove: async (id) => {
      // Its storage gives up the access it holds; one that cannot even be built holds none.
      await configured(ctx, getDestination(ctx, id)).store.storage.forget?.();
      return removeDestination(ctx, id);
    },
    setEnabled: (id, enabled) => {
      const d = setDestinationEnabled(ctx, id, enabled);
      if (enabled) queueHistory(id);
      return d;
    },
    setUpload: (id, upload) => setDestinationUpload(ctx, id, upload),
    setEncoding: (id, o) => setDestinationEncoding(ctx, id, o),
    setRetention: (id, retention) => setDestinationRetention(ctx, id, retention),
    listRemote: async (id) => {
      const out: RemoteListing[] = [];
      for (const target of destinationsFor(ctx, id)) {
        try {
          out.push({ destination: target.destination, ...(await target.store.list()) });
        } catch (e) {
          out.push({ destination: target.destination, points: [], problems: [], error: isLifeboatError(e) ? e.oneLine : String(e) });
        }
      }
      return out;
    },
  };
}
