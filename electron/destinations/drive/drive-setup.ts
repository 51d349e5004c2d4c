// Google Drive as a destination driver: the person's OAuth client, the refresh token from the
// SecretStore, and a driver that loads them on first use. Removing the destination revokes access.
import path from 'node:path';
import type { Destination } from '../../../shared/model.ts';
import type { DestinationDriver, DriverContext } from '../../engine/storage/destination.ts';
import { LifeboatError } from '../../engine/common/errors.ts';
import { GOOGLE_CLIENT_SECRET } from '../../engine/common/settings.ts';
import type { DriveQuota } from './drive-destination.ts';
import type { GoogleClient } from './google-auth.ts';
import { googleEndpoints } from './google-endpoints.ts';

export const REFRESH_TOKEN_SECRET = 'google-refresh-token';

type DriveDriver = DestinationDriver & { quota(): Promise<DriveQuota> };

/**
 * The OAuth client to sign in with: LIFEBOAT_GOOGLE_CLIENT_ID/SECRET, else the person's own client
 * (the id in settings, the secret in the SecretStore), else the build's built-in one (`builtIn`).
 */
export async function googleClientFor(ctx: Pick<DriverContext, 'settings' | 'secrets'>, env: NodeJS.ProcessEnv = process.env, builtIn?: GoogleClient): Promise<GoogleClient> {
  if (env.LIFEBOAT_GOOGLE_CLIENT_ID) return { clientId: env.LIFEBOAT_GOOGLE_CLIENT_ID, clientSecret: env.LIFEBOAT_GOOGLE_CLIENT_SECRET };
  const google = ctx.settings().google;
  if (!google && builtIn) return builtIn;
  if (!google) {
    throw new LifeboatError('usage', 'No Google OAuth client is set up', 'Create a "Desktop app" OAuth client in your Google Cloud project (see the README, "Google Drive"), then `lifeboat drive connect --client-id …` (it asks for the secret)');
  }
  // A secret an older version kept in settings is used until it could be moved into the store.
  return { clientId: google.clientId, clientSecret: (await ctx.secrets.get(GOOGLE_CLIENT_SECRET)) ?? google.clientSecret };
}

/** Revokes Lifeboat's access to Google Drive (if it had any) and forgets the token. */
export async function revokeDriveAccess(ctx: DriverContext, env: NodeJS.ProcessEnv = process.env, builtIn?: GoogleClient): Promise<void> {
  const token = await ctx.secrets.get(REFRESH_TOKEN_SECRET);
  if (!token) return;
  const { oauthClient } = await import('./google-auth.ts');
  await oauthClient(await googleClientFor(ctx, env, builtIn), googleEndpoints(env)).revokeToken(token).catch(() => undefined);
  await ctx.secrets.delete(REFRESH_TOKEN_SECRET);
}

/** A driver that loads what it needs (the refresh token) on first use. */
function lazy(load: () => Promise<DriveDriver>, forget: () => Promise<void>): DriveDriver {
  let ready: Promise<DriveDriver> | undefined;
  const get = () => (ready ??= load());
  return {
    check: async () => (await get()).check(),
    put: async (...a) => (await get()).put(...a),
    list: async () => (await get()).list(),
    fetch: async (...a) => (await get()).fetch(...a),
    remove: async (...a) => (await get()).remove(...a),
    quota: async () => (await get()).quota(),
    forget,
  };
}

/** The Drive driver for `dest`, using the remembered refresh token (and the build's client when the person has none). */
export function driveDriver(ctx: DriverContext, dest: Extract<Destination, { kind: 'drive' }>, env: NodeJS.ProcessEnv = process.env, builtIn?: GoogleClient): DriveDriver {
  return lazy(
    async () => {
      const refreshToken = await ctx.secrets.get(REFRESH_TOKEN_SECRET);
      if (!refreshToken) throw new LifeboatError('wrong-key', 'Reconnect Google Drive: Lifeboat has no access to it on this machine', 'Connect again: Destinations → Reconnect in the app, or `lifeboat drive connect`');
      const endpoints = googleEndpoints(env);
      // Google's client libraries load only when Drive is used: every other command starts without them.
      const [{ oauthClient }, { driveDestination }] = await Promise.all([import('./google-auth.ts'), import('./drive-destination.ts')]);
      const auth = oauthClient(await googleClientFor(ctx, env, builtIn), endpoints);
      auth.setCredentials({ refresh_token: refreshToken });
      return driveDestination(dest, { auth, endpoints, sessionsDir: path.join(ctx.dataDir, 'uploads'), memo: ctx.memo });
    },
    () => revokeDriveAccess(ctx, env, builtIn),
  );
}
