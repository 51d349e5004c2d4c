// The Google Drive account: the person's own OAuth client (remembered under Advanced), and
// connecting (browser sign-in, the token into the SecretStore, the Drive destination added). The
// Drive kind (drive-kind.ts) offers these to the app and the CLI through the registry.
import type { Destination } from '../../../shared/model.ts';
import type { Engine } from '../../engine/engine.ts';
import { GOOGLE_CLIENT_SECRET } from '../../engine/common/settings.ts';
import type { DriveQuota } from './drive-storage.ts';
import type { GoogleClient } from './google-auth.ts';
import { driveStorageFor, googleClientFor, REFRESH_TOKEN_SECRET } from './drive-setup.ts';
import { googleEndpoints } from './google-endpoints.ts';

type DriveDestination = Destination & { kind: 'drive'; folderName: string };
/**
 * A new Drive destination compresses what it uploads (zstd level 3): an upload link is far slower
 * than zstd (hundreds of MB/s), and shop data shrinks about 5× (see the README's benchmarks), so a
 * copy reaches Drive several times sooner. `--no-compress` or "Copies sent here" turns it off.
 */
export const DRIVE: DriveDestination = { id: 'drive', kind: 'drive', name: 'Google Drive', folderName: 'Lifeboat Backups', enabled: true, priority: 50, upload: { manual: true, scheduled: true }, compressLevel: 3 };

/** The Drive destination, if one is set up. */
export function driveDestinationOf(engine: Engine): Destination | undefined {
  return engine.destinations.list().find((d) => d.kind === 'drive');
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
 * Signs in with Google in the browser, remembers the refresh token and adds the Drive destination
 * (what it should hold is queued for it). The token never leaves this function except into secrets.
 */
export async function connectDrive(
  engine: Engine,
  opts: {
    openBrowser: (url: string) => Promise<void>;
    onUrl?: (url: string) => void;
    signal?: AbortSignal;
    env?: NodeJS.ProcessEnv;
    /** The build's built-in OAuth client, used when the person set none of their own. */
    builtIn?: GoogleClient;
  },
): Promise<{ quota: DriveQuota; destination: Destination; added: boolean }> {
  const env = opts.env ?? process.env;
  const { connectGoogle } = await import('./google-auth.ts');
  const { refreshToken } = await connectGoogle({ client: await googleClientFor(engine, env, opts.builtIn), endpoints: googleEndpoints(env), openBrowser: opts.openBrowser, onUrl: opts.onUrl, signal: opts.signal });
  await engine.secrets.set(REFRESH_TOKEN_SECRET, refreshToken);
  const existing = driveDestinationOf(engine);
  const destination = existing ?? (await engine.destinations.add(DRIVE));
  const quota = await driveStorageFor(engine, destination, env, opts.builtIn).quota();
  return { quota, destination, added: !existing };
}
