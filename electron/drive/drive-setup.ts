// Puts Google Drive into the engine: the person's OAuth client, the refresh token from the
// SecretStore, and a driver factory that knows folders and Drive. The app and the CLI use this.
import type { Destination } from '../../shared/model.ts';
import type { EngineContext } from '../engine/context.ts';
import type { DestinationDriver } from '../engine/destination.ts';
import { LifeboatError } from '../engine/errors.ts';
import { folderDestination } from '../engine/folder-destination.ts';
import type { DriverFactory } from '../engine/replication.ts';
import path from 'node:path';
import { driveDestination, type DriveQuota } from './drive-destination.ts';
import { oauthClient, type GoogleClient } from './google-auth.ts';
import { googleEndpoints } from './google-endpoints.ts';

export const REFRESH_TOKEN_SECRET = 'google-refresh-token';

/** The person's OAuth client: LIFEBOAT_GOOGLE_CLIENT_ID/SECRET, else settings. */
export function googleClientFor(ctx: EngineContext, env: NodeJS.ProcessEnv = process.env): GoogleClient {
  if (env.LIFEBOAT_GOOGLE_CLIENT_ID) return { clientId: env.LIFEBOAT_GOOGLE_CLIENT_ID, clientSecret: env.LIFEBOAT_GOOGLE_CLIENT_SECRET };
  const google = ctx.settings.read().google;
  if (!google) {
    throw new LifeboatError('usage', 'No Google OAuth client is set up', 'Create a "Desktop app" OAuth client in your Google Cloud project (see the README, "Google Drive"), then `lifeboat drive connect --client-id … --client-secret …`');
  }
  return google;
}

/** A driver that loads what it needs (the refresh token) on first use. */
function lazy(load: () => Promise<DestinationDriver & { quota(): Promise<DriveQuota> }>): DestinationDriver & { quota(): Promise<DriveQuota> } {
  let ready: Promise<DestinationDriver & { quota(): Promise<DriveQuota> }> | undefined;
  const get = () => (ready ??= load());
  return {
    check: async () => (await get()).check(),
    put: async (...a) => (await get()).put(...a),
    list: async () => (await get()).list(),
    fetch: async (...a) => (await get()).fetch(...a),
    remove: async (...a) => (await get()).remove(...a),
    quota: async () => (await get()).quota(),
  };
}

/** The Drive driver for `dest`, using the remembered refresh token. */
export function driveDriver(ctx: EngineContext, dest: Extract<Destination, { kind: 'drive' }>, env: NodeJS.ProcessEnv = process.env) {
  return lazy(async () => {
    const refreshToken = await ctx.secrets.get(REFRESH_TOKEN_SECRET);
    if (!refreshToken) throw new LifeboatError('wrong-key', 'Reconnect Google Drive: Lifeboat has no access to it on this machine', 'Connect again: Destinations → Reconnect in the app, or `lifeboat drive connect`');
    const endpoints = googleEndpoints(env);
    const auth = oauthClient(googleClientFor(ctx, env), endpoints);
    auth.setCredentials({ refresh_token: refreshToken });
    return driveDestination(dest, { auth, endpoints, sessionsDir: path.join(ctx.dataDir, 'uploads') });
  });
}

/** Folders and Google Drive. */
export function allDrivers(env: NodeJS.ProcessEnv = process.env): DriverFactory {
  return (d, ctx) => (d.kind === 'folder' ? folderDestination(d) : driveDriver(ctx, d, env));
}
