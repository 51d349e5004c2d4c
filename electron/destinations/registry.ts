// Every destination kind Lifeboat can copy to, listed once (as restic's backend/all does): the app,
// the CLI and the daemon take the kinds from here, and hand the engine their storages (it knows only
// the Storage interface). Adding a kind (S3, Azure) is a folder under destinations/ and a line below.
import type { Destination } from '../../shared/model.ts';
import { LifeboatError } from '../engine/common/errors.ts';
import type { StorageFactory } from '../engine/storage/storage.ts';
import { readBuiltInGoogleClient } from './drive/built-in-client.ts';
import { driveKind } from './drive/drive-kind.ts';
import type { GoogleClient } from './drive/google-auth.ts';
import { folderKind } from './folder/folder-kind.ts';
import type { DestinationKind } from './kind.ts';

export type { DestinationKind, SetupEffects, SetupValues } from './kind.ts';
/** The built-in Google client's file name in the app's resources (the shell says where they are). */
export { BUILT_IN_CLIENT_FILE } from './drive/built-in-client.ts';

export interface DestinationKinds {
  /** Every kind, in the order the dashboard shows them. */
  list: DestinationKind[];
  /** The kind called `kind`, or a clear error naming the ones there are. */
  get(kind: string): DestinationKind;
  /** The kind of a destination from settings. */
  of(destination: Destination): DestinationKind;
  /** Builds any destination's storage, for the engine. */
  storages: StorageFactory;
  /** Secrets the kinds hold that the log must scrub (a client secret from the environment or the build). */
  logSecrets: string[];
}

export interface KindOptions {
  env?: NodeJS.ProcessEnv;
  /** The build's own Google OAuth client, when it carries one (see drive/built-in-client.ts). */
  googleClient?: GoogleClient;
}

/** The kinds of this build. */
export function destinationKinds(o: KindOptions = {}): DestinationKinds {
  const env = o.env ?? process.env;
  const list = [folderKind, driveKind({ env, builtIn: o.googleClient })];
  const get = (kind: string) => {
    const found = list.find((k) => k.describe.kind === kind);
    if (!found) throw new LifeboatError('usage', `This build cannot copy to ${kind} destinations (it knows ${list.map((k) => k.describe.kind).join(', ')})`, 'Use a kind it knows, or a newer Lifeboat');
    return found;
  };
  return {
    list,
    get,
    of: (d) => get(d.kind),
    storages: (d, ctx) => get(d.kind).storage(d, ctx),
    logSecrets: list.flatMap((k) => k.logSecrets ?? []),
  };
}

/**
 * The kinds of this build with what its resources carry (`googleClientFile`: the built-in Google
 * client that makes connecting Drive one click). A file that is there but unreadable is
 * `problem`, and the kinds work without it.
 */
export async function loadDestinationKinds(o: { env?: NodeJS.ProcessEnv; googleClientFile?: string }): Promise<{ kinds: DestinationKinds; builtInGoogleClient: boolean; problem?: unknown }> {
  let problem: unknown;
  const googleClient = o.googleClientFile ? await readBuiltInGoogleClient(o.googleClientFile).catch((e: unknown) => void (problem = e)) : undefined;
  return { kinds: destinationKinds({ env: o.env, googleClient: googleClient ?? undefined }), builtInGoogleClient: Boolean(googleClient), problem };
}
