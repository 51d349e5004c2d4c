// Destinations as settings: which exist, whether they are on, what they receive and keep. Beside
// sources.ts, and like it the one place their rules live, so the app and the CLI agree. The bytes
// themselves go through the restore point store (restore-point-store.ts, replication.ts).
import { destinationIdSchema, type Destination, type RetentionPolicy, type Source } from '../../../shared/model.ts';
import type { EngineContext } from '../vault/context.ts';
import { LifeboatError } from '../common/errors.ts';
import { checkTarget } from '../artifact/artifact-codec.ts';
import { resolveEncryption } from '../artifact/keys.ts';

/** The destinations in settings, as saved. */
export function listDestinations(ctx: EngineContext): Destination[] {
  return ctx.settings.read().destinations;
}

/** The destination with this id, or a clear error listing the ones there are. */
export function getDestination(ctx: EngineContext, id: string): Destination {
  const all = listDestinations(ctx);
  const found = all.find((d) => d.id === id);
  if (!found) {
    const known = all.map((d) => d.id).join(', ') || 'none yet';
    throw new LifeboatError('unknown-destination', `There is no destination called "${id}" (known: ${known})`, 'Add one with `lifeboat destinations add <folder>` (or Destinations in the app)');
  }
  return found;
}

/** Applies `change` to one destination's settings and returns what was saved. */
function updateDestination(ctx: EngineContext, id: string, change: (d: Destination) => Destination): Destination {
  getDestination(ctx, id);
  let updated: Destination | undefined;
  ctx.settings.update((s) => ({ ...s, destinations: s.destinations.map((d) => (d.id === id ? (updated = change(d)) : d)) }));
  return updated as Destination;
}

/** `base` as a destination id (`base-2`, `base-3`… when it is taken), checked as an id. */
export function freeDestinationId(ctx: EngineContext, base: string): string {
  const checked = destinationIdSchema.safeParse(base);
  if (!checked.success) throw new LifeboatError('usage', `"${base}" cannot be a destination's id (${checked.error.issues[0]?.message ?? 'not an id'})`, 'Use lower-case letters, digits, ".", "_" or "-"');
  const taken = new Set(listDestinations(ctx).map((d) => d.id));
  let id = base;
  for (let n = 2; taken.has(id); n++) id = `${base}-${n}`;
  return id;
}

/** Saves a destination (one with the same id is kept as it is) and returns the saved one. */
export function addDestination(ctx: EngineContext, d: Destination): Destination {
  ctx.settings.update((s) => (s.destinations.some((x) => x.id === d.id) ? s : { ...s, destinations: [...s.destinations, d] }));
  return getDestination(ctx, d.id);
}

/** Forgets a destination's settings (what it holds stays there). */
export function removeDestination(ctx: EngineContext, id: string): Destination {
  const d = getDestination(ctx, id);
  ctx.settings.update((s) => ({ ...s, destinations: s.destinations.filter((x) => x.id !== id) }));
  return d;
}

/** Switches copying to a destination on or off. */
export function setDestinationEnabled(ctx: EngineContext, id: string, enabled: boolean): Destination {
  return updateDestination(ctx, id, (d) => ({ ...d, enabled }));
}

/** Switches automatic copies of manual and/or scheduled backups to a destination. */
export function setDestinationUpload(ctx: EngineContext, id: string, upload: { manual?: boolean; scheduled?: boolean }): Destination {
  return updateDestination(ctx, id, (d) => ({ ...d, upload: { manual: upload.manual ?? d.upload.manual, scheduled: upload.scheduled ?? d.upload.scheduled } }));
}

/**
 * What a destination does to plain restore points: encrypt them (checked now: the passphrase must
 * be remembered, the keys valid) and/or compress them. null switches one off.
 */
export async function setDestinationEncoding(ctx: EngineContext, id: string, o: { encrypt?: Source['encryption'] | null; compressLevel?: number | null }): Promise<Destination> {
  getDestination(ctx, id);
  if (o.encrypt) await checkTarget((await resolveEncryption(ctx, { id, encryption: o.encrypt }, undefined))!.to);
  return updateDestination(ctx, id, (d) => ({
    ...d,
    ...(o.encrypt !== undefined ? { encrypt: o.encrypt ?? undefined } : {}),
    ...(o.compressLevel !== undefined ? { compressLevel: o.compressLevel ?? undefined } : {}),
  }));
}

/** Sets a destination's own retention rules (over the global and the source's). */
export function setDestinationRetention(ctx: EngineContext, id: string, retention: Partial<RetentionPolicy>): Destination {
  return updateDestination(ctx, id, (d) => ({ ...d, retention: { ...d.retention, ...retention } }));
}
