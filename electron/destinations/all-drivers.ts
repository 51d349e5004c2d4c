// Every destination kind Lifeboat can copy to, listed once (as restic's backend/all does): the app,
// the CLI and the daemon hand this to the engine, which knows only the DestinationDriver interface.
import type { DriverFactory } from '../engine/storage/destination.ts';
import { driveDriver } from './drive/drive-setup.ts';
import type { GoogleClient } from './drive/google-auth.ts';
import { folderDestination } from './folder-destination.ts';

/** The driver for each kind of destination in settings: folders and Google Drive (`googleClient`: the build's built-in OAuth client, if any). */
export function allDrivers(env: NodeJS.ProcessEnv = process.env, o: { googleClient?: GoogleClient } = {}): DriverFactory {
  return (d, ctx) => {
    switch (d.kind) {
      case 'folder':
        return folderDestination(d);
      case 'drive':
        return driveDriver(ctx, d, env, o.googleClient);
    }
  };
}
