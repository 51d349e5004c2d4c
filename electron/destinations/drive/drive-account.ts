// The Google Drive account as a whole: connect (browser sign-in, token into the SecretStore, the
// Drive destination added, waiting uploads sent), status (account and quota) and disconnect. The
// CLI and the desktop app both call these, so they behave the same.
import type { Destination, Replica } from '../../../shared/model.ts';
import type { Engine } from '../../engine/engine.ts';
import { LifeboatError } from '../../engine/common/errors.ts';
import { GOOGLE_CLIENT_SECRET } from '../../engine/common/settings.ts';
import type { DriveQuota } from './drive-storage.ts';
import type { GoogleClient } from './google-auth.ts';
import { driveStorageFor, googleClientFor, REFRESH_TOKEN_SECRET, revokeDriveAccess } from './drive-setup.ts';
import { googleEndpoints } from './google-endpoints.ts';

type DriveDestination = Extract<Destination, { kind: 'drive' }>;
/**
 * A new Drive destination compresses what it uploads (zstd level 3): an upload link is far slower
 * than zstd (hundreds of MB/s), and shop data shrinks about 5× (see the README's benchmarks), so a
 * copy reaches Drive several times sooner. `--no-compress` or "Copies sent here" turns it off.
 */
const DRIVE: DriveDestination = { id: 'drive', kind: 'drive', name: 'Google Drive', folderName: 'Lifeboat Backups', enabled: true, priority: 50, upload: { manual: true, scheduled: true }, compressLevel: 3 };

/** The Drive destination, if one is set up. */
export function driveDestinationOf(engine: Engine): DriveDestination | undefined {
  return engine.destinations.list().find((d): d is DriveDestination => d.kind === 'drive');
}

/**
 * Saves the person's own OAuth client ("Desktop app"): its id in settings, its secret in the
 * SecretStore (never settings.json). Without a new secret, the stored one is kept for the same
 * client id and forgotten for a different one.
 */
export async function setGoogleClient(engine: Engine, client: { clientId: string; clientSecret?: string }): Promise<void> {
  const clientId = client.clientId.trim();
  const secret = client.clientSecret?.trim();
  if (secret) await engine.secrets.set(GOOGLE_CLIENT_SECRET, secret);
  else if (engine.settings().google?.clientId !== clientId) await engine.secrets.delete(GOOGLE_CLIENT_SECRET);
  engine.updateSettings({ google: { clientId } });
}

/**
 * Forgets the person's own OAuth client (its id in settings, its secret in the SecretStore): the
 * build's built-in client signs in from now on, when there is one.
 */
export async function forgetGoogleClient(engine: Engine): Promise<void> {
  await engine.secrets.delete(GOOGLE_CLIENT_SECRET);
  engine.updateSettings({ google: null });
}

/** Whether a client secret is set up (the environment's, or one in the SecretStore); never the secret. */
export async function hasGoogleClientSecret(engine: Engine, env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  if (env.LIFEBOAT_GOOGLE_CLIENT_SECRET) return true;
  // A store that cannot open its secrets now (a locked keychain) still holds one.
  return Boolean(engine.settings().google?.clientSecret) || (await engine.secrets.get(GOOGLE_CLIENT_SECRET).then(Boolean, () => true));
}

/**
 * Signs in with Google in the browser, remembers the refresh token, adds the Drive destination
 * and uploads what was waiting for it. The token never leaves this function except into secrets.
 */
export async function connectDrive(
  engine: Engine,
  opts: {
    openBrowser: (url: string) => Promise<void>;
    onUrl?: (url: string) => void;
    signal?: AbortSignal;
    env?: NodeJS.ProcessEnv;
    /** Copy what waits (and the history Drive should hold) before returning; the app leaves it to its upload queue instead. */
    sendNow?: boolean;
    /** The build's built-in OAuth client, used when the person set none of their own. */
    builtIn?: GoogleClient;
  },
): Promise<{ quota: DriveQuota; destination: DriveDestination; resumed: Replica[] }> {
  const env = opts.env ?? process.env;
  const { connectGoogle } = await import('./google-auth.ts');
  const { refreshToken } = await connectGoogle({ client: await googleClientFor(engine, env, opts.builtIn), endpoints: googleEndpoints(env), openBrowser: opts.openBrowser, onUrl: opts.onUrl, signal: opts.signal });
  await engine.secrets.set(REFRESH_TOKEN_SECRET, refreshToken);
  const destination = engine.destinations.add(driveDestinationOf(engine) ?? DRIVE) as DriveDestination;
  const quota = await driveStorageFor(engine, destination, env, opts.builtIn).quota();
  // Uploads that waited for a reconnection go now (and a new Drive's history).
  const resumed = opts.sendNow === false ? [] : await engine.push({ destinationId: destination.id, force: true });
  return { quota, destination, resumed };
}

/** The connected account and its storage, read from Google. */
export async function driveQuota(engine: Engine, env: NodeJS.ProcessEnv = process.env, builtIn?: GoogleClient): Promise<DriveQuota> {
  const destination = driveDestinationOf(engine);
  if (!destination) throw new LifeboatError('not-found', 'Google Drive is not connected', 'Connect it first (`lifeboat drive connect`, or Destinations in the app)');
  return driveStorageFor(engine, destination, env, builtIn).quota();
}

/** Revokes Lifeboat's access, forgets the token and removes the destination; copies on Drive stay. */
export async function disconnectDrive(engine: Engine, env: NodeJS.ProcessEnv = process.env, builtIn?: GoogleClient): Promise<Destination | undefined> {
  const destination = driveDestinationOf(engine);
  // Removing the destination revokes through its storage; a token without a destination is revoked here.
  if (destination) return engine.destinations.remove(destination.id);
  await revokeDriveAccess(engine, env, builtIn);
  return undefined;
}
