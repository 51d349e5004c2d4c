// Sources: the databases Lifeboat protects. Each has a stable id (its folder in the vault) and a
// real path (symlinks resolved, so a restore writes to the file and never over a link).
import { realpath } from 'node:fs/promises';
import path from 'node:path';
import type { Schedule, Source } from '../../../shared/model.ts';
import type { EngineContext } from './context.ts';
import { LifeboatError } from '../common/errors.ts';
import { sourceIdFromPath } from './names.ts';
import { preflight } from '../snapshot/sqlite-files.ts';
import { findHolders, holderNames } from '../snapshot/open-holders.ts';
import { readDatabaseHeader } from '../snapshot/quiet-copy.ts';
import { checkEncryptionSetting } from '../artifact/keys.ts';

/** The registered sources, as saved in settings. */
export function listSources(ctx: EngineContext): Source[] {
  return ctx.settings.read().sources;
}

/** The source with this id, or a clear error listing the ones there are. */
export function getSource(ctx: EngineContext, id: string): Source {
  const sources = listSources(ctx);
  const found = sources.find((s) => s.id === id);
  if (!found) {
    const known = sources.map((s) => s.id).join(', ') || 'none yet';
    throw new LifeboatError('unknown-source', `There is no source called "${id}" (known: ${known})`, 'Add it with `lifeboat sources add <path>`');
  }
  return found;
}

/** The absolute real path of a database path given by a person; explains a missing file. */
export async function resolveDatabasePath(given: string): Promise<string> {
  const absolute = path.resolve(given);
  try {
    return await realpath(absolute);
  } catch {
    await preflight(absolute); // throws the precise explanation (missing, dangling link, …)
    return absolute;
  }
}

/** Finds the registered source for a database path, if any. */
export async function findSourceByPath(ctx: EngineContext, given: string): Promise<Source | undefined> {
  const real = await resolveDatabasePath(given);
  return listSources(ctx).find((s) => s.path === real);
}

/**
 * The schedule the app gives a database it adds: every hour, on the hour. An hour of work is the
 * most a shop loses, and an hourly restore point of a small database costs seconds.
 */
export const NEW_SOURCE_SCHEDULE: Schedule = { kind: 'hourly', minute: 0 };

/**
 * Registers a database as a source (or returns the existing registration). Checks first that it is
 * a readable SQLite file. The id comes from the file name, made unique among the sources; a
 * `schedule` given is the new source's own.
 */
export async function addSource(ctx: EngineContext, given: string, opts: { id?: string; schedule?: Schedule } = {}): Promise<Source> {
  const real = await resolveDatabasePath(given);
  await preflight(real);
  const existing = listSources(ctx).find((s) => s.path === real);
  if (existing) return existing;
  let added: Source | undefined;
  ctx.settings.update((settings) => {
    const taken = new Set(settings.sources.map((s) => s.id));
    let id = opts.id ?? sourceIdFromPath(real);
    if (opts.id && taken.has(opts.id)) {
      throw new LifeboatError('exists', `A source called "${opts.id}" already exists`, 'Choose another name with --name');
    }
    for (let n = 2; taken.has(id); n++) id = `${sourceIdFromPath(real)}-${n}`;
    added = { id, path: real, name: path.basename(real), addedAt: ctx.now().toISOString(), ...(opts.schedule ? { schedule: opts.schedule } : {}) };
    return { ...settings, sources: [...settings.sources, added] };
  });
  return added as Source;
}

/** Forgets a source. Its restore points stay in the vault (and in lists) until pruned by hand. */
export function removeSource(ctx: EngineContext, id: string): Source {
  const source = getSource(ctx, id);
  ctx.settings.update((s) => ({ ...s, sources: s.sources.filter((x) => x.id !== id) }));
  return source;
}

/** A change to a source's settings; `retention: null` drops its own rules (it follows the global ones). */
export type SourcePatch = Partial<Pick<Source, 'maxBytes' | 'compact' | 'compressLevel' | 'encryption' | 'schedule' | 'autoUpload' | 'lockIfBusy' | 'backUpWhenClosed' | 'wholeFile'>> & { retention?: Source['retention'] | null };

/**
 * Changes a source's own settings. Encryption is checked now, not at the next scheduled backup.
 */
export async function updateSource(ctx: EngineContext, id: string, patch: SourcePatch): Promise<Source> {
  getSource(ctx, id);
  if (patch.encryption) await checkEncryptionSetting(ctx, patch.encryption);
  let updated: Source | undefined;
  ctx.settings.update((s) => ({
    ...s,
    sources: s.sources.map((x) => {
      if (x.id !== id) return x;
      updated = { ...x, ...patch, retention: patch.retention === null ? undefined : patch.retention ? { ...x.retention, ...patch.retention } : x.retention };
      return updated;
    }),
  }));
  return updated as Source;
}

/** Advice about a source, in words: what happened or why, and what to do. */
export interface Advice {
  message: string;
  hint: string;
}

/**
 * Advice for a rollback-journal database that another program keeps open: Lifeboat can only copy it
 * between that program's commits (it never holds it up), so a program that writes all the time is
 * better served by WAL mode, which only the person can decide to switch to. Undefined otherwise.
 */
export async function databaseAdvice(source: Source): Promise<Advice | undefined> {
  const header = await readDatabaseHeader(source.path).catch(() => undefined);
  if (!header || header.wal) return undefined;
  const holders = await findHolders([source.path, `${source.path}-journal`]);
  if (!holders?.length) return undefined;
  return {
    message: `${source.name} is open in ${holderNames(holders)} and uses a rollback journal: Lifeboat copies it only between that program's writes, so that none of them can fail, and a program that never pauses can delay its backups`,
    hint: `Switching the database to WAL mode lets Lifeboat back it up while it is written. Lifeboat never switches it itself: close the program, run \`sqlite3 "${source.path}" "PRAGMA journal_mode=WAL;"\` once, and make sure the program runs on this machine (WAL does not work over a network share). See "Databases in use" in the README`,
  };
}
