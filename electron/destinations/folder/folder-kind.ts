// The folder kind: a folder on an external disk or a NAS mount. Its settings are the folder's
// absolute path; setting one up takes the folder from main's dialog (the app) or the command line,
// makes it ready (its marker; a whole missing path is never made) and names it after the folder.
import path from 'node:path';
import { z } from 'zod';
import type { Destination } from '../../../shared/model.ts';
import type { Engine } from '../../engine/engine.ts';
import { sourceIdFromPath } from '../../engine/vault/names.ts';
import { kindSettings, type DestinationKind } from '../kind.ts';
import { folderStorage } from './folder-storage.ts';

/** A folder destination's own setting: where the folder is (absolute). */
export const folderSettingsSchema = z.object({ path: z.string().min(1) });

const settingsOf = (d: Destination) => kindSettings(folderSettingsSchema, d, 'folder');

/** The folder destination already set up for `folder`, if any. */
export function findFolderDestination(engine: Engine, folder: string): Destination | undefined {
  const absolute = path.resolve(folder);
  return engine.destinations.list().find((d) => d.kind === 'folder' && d.path === absolute);
}

/**
 * Adds `folder` as a destination (an id made from its name, unique among the destinations), made
 * ready first: the folder, or at least its parent, must exist. One set up already is returned as it is.
 */
export async function addFolderDestination(engine: Engine, folder: string, o: { id?: string; name?: string } = {}): Promise<{ destination: Destination; added: boolean }> {
  const existing = findFolderDestination(engine, folder);
  if (existing) return { destination: existing, added: false };
  const absolute = path.resolve(folder);
  const id = engine.destinations.freeId(o.id ?? sourceIdFromPath(path.basename(absolute) || 'folder'));
  const destination = await engine.destinations.add({ id, kind: 'folder', name: o.name ?? absolute, path: absolute, enabled: true, priority: 100, upload: { manual: true, scheduled: true } });
  return { destination, added: true };
}

/** The folder kind, for the registry. */
export const folderKind: DestinationKind = {
  describe: {
    kind: 'folder',
    label: 'Folder',
    title: 'Folders (an external disk, a NAS)',
    about: "A copy on another disk survives this computer's disk failing.",
    fields: [
      { name: 'path', label: 'Folder', type: 'folder' },
      { name: 'name', label: 'Name', type: 'text', optional: true, advanced: true },
      { name: 'id', label: 'Id', type: 'text', optional: true, advanced: true },
    ],
    browserSignIn: false,
    single: false,
    words: { add: 'Add a folder…', addFromHealth: 'Add a folder on another disk…', empty: "No folder yet. A copy on another disk survives this computer's disk failing.", remove: 'Remove' },
  },
  storage: (d) => folderStorage(settingsOf(d).path, d.name),
  where: (d) => settingsOf(d).path,
  async setup(engine, values, effects) {
    const folder = values.path ?? (await effects.chooseFolder?.());
    if (!folder) return undefined;
    const { destination, added } = await addFolderDestination(engine, folder, { id: values.id, name: values.name });
    return { destination, added, notice: added ? `Copies now go to ${destination.name} as well.` : `${destination.name} is a destination already; nothing was changed.` };
  },
};
