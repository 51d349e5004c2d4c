// Every destination kind Lifeboat can copy to, listed once (as restic's backend/all does): the app,
// the CLI and the daemon hand this to the engine, which knows only the Storage interface.
import type { StorageFactory } from '../engine/storage/storage.ts';
import { driveStorageFor } from './drive/drive-setup.ts';
import type { GoogleClient } from './drive/google-auth.ts';
import { folderStorage } from './folder/folder-storage.ts';

/** The storage for each kind of destination in settings: folders and Google Drive (`googleClient`: the build's built-in OAuth client, if any). */
export function allStorages(env: NodeJS.ProcessEnv = process.env, o: { googleClient?: GoogleClient } = {}): StorageFactory {
  return (d, ctx) => {
    switch (d.kind) {
      case 'folder':
        return folderStorage(d.path, d.name);
      case 'drive':
        return driveStorageFor(ctx, d, env, o.googleClient);
    }
  };
}
