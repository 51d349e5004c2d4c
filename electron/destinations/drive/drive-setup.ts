// Google Drive as a destination's storage: the person's OAuth client, the refresh token from the
// SecretStore, and a storage that loads them on first use. Removing the destination revokes access.
import path from 'node:path';
import { z } from 'zod';
import type { Destination } from '../../../shared/model.ts';
import type { Storage, StorageContext } from '../../engine/storage/storage.ts';
import { LifeboatError } from '../../engine/common/errors.ts';
import { GOOGLE_CLIENT_SECRET } from '../../engine/common/settings.ts';
import type { DriveQuota } from './drive-storage.ts';
import type { GoogleClient } from './google-auth.ts';
import { googleEndpoints } from './google-endpoints.ts';
import { kindSettings } from '../kind.ts';

export const REFRESH_TOKEN_SECRET = 'google-refresh-token';

/** A Drive destination's own settings: the visible folder it fills, and two tuning knobs. */
export const driveSettingsSchema = z.object({
  /** The visible folder in My Drive that holds one sub-folder per source. */
  folderName: z.string().min(1).max(200).default('Lifeboat Backups'),
  /** Upload piece size (a multiple of 256 KiB) and the first backoff delay. */
  chunkBytes: z.number().int().positive().multipleOf(256 * 1024).optional(),
  retryBaseMs: z.number().int().nonnegative().optional(),
});

type DriveStorage = Storage & { quota(): Promise<DriveQuota> };

/**
 * The OAuth client to sign in with: LIFEBOAT_GOOGLE_CLIENT_ID/SECRET, else the person's own client
 * (the id in settings, the secret in the SecretStore), else the build's built-in one (`builtIn`).
 */
export async function googleClientFor(ctx: Pick<StorageContext, 'settings' | 'secrets'>, env: NodeJS.ProcessEnv = process.env, builtIn?: GoogleClient): Promise<GoogleClient> {
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
export async function revokeDriveAccess(ctx: Pick<StorageContext, 'settings' | 'secrets'>, env: NodeJS.ProcessEnv = process.env, builtIn?: GoogleClient): Promise<void> {
  const token = await ctx.secrets.get(REFRESH_TOKEN_SECRET);
  if (!token) return;
  const { oauthClient } = await import('./google-auth.ts');
  await oauthClient(await googleClientFor(ctx, env, builtIn), googleEndpoints(env)).revokeToken(token).catch(() => undefined);
  await ctx.secrets.delete(REFRESH_TOKEN_SECRET);
}

/** A storage that loads what it needs (the refresh token, Google's libraries) on first use. */
function lazy(load: () => Promise<DriveStorage>, forget: () => Promise<void>): DriveStorage {
  let ready: Promise<DriveStorage> | undefined;
  const get = () => (ready ??= load());
  return {
    check: async () => (await get()).check(),
    save: async (...a) => (await get()).save(...a),
    load: async (...a) => (await get()).load(...a),
    stat: async (...a) => (await get()).stat(...a),
    list: async (...a) => (await get()).list(...a),
    remove: async (...a) => (await get()).remove(...a),
    quota: async () => (await get()).quota(),
    forget,
  };
}

/** The Drive storage of `dest`, using the remembered refresh token (and the build's client when the person has none). */
export function driveStorageFor(ctx: StorageContext, destination: Destination, env: NodeJS.ProcessEnv = process.env, builtIn?: GoogleClient): DriveStorage {
  const dest = { ...kindSettings(driveSettingsSchema, destination, 'Google Drive'), id: destination.id };
  return lazy(
    async () => {
      const refreshToken = await ctx.secrets.get(REFRESH_TOKEN_SECRET);
      if (!refreshToken) throw new LifeboatError('wrong-key', 'Reconnect Google Drive: Lifeboat has no access to it on this machine', 'Connect again: Destinations → Reconnect in the app, or `lifeboat drive connect`');
      const endpoints = googleEndpoints(env);
      // Google's client libraries load only when Drive is used: every other command starts without them.
      const [{ oauthClient }, { driveStorage }] = await Promise.all([import('./google-auth.ts'), import('./drive-storage.ts')]);
      const auth = oauthClient(await googleClientFor(ctx, env, builtIn), endpoints);
      auth.setCredentials({ refresh_token: refreshToken });
      return driveStorage({ auth, endpoints, sessionsDir: path.join(ctx.dataDir, 'uploads'), id: dest.id, folderName: dest.folderName, chunkBytes: dest.chunkBytes, retryBaseMs: dest.retryBaseMs });
    },
    () => revokeDriveAccess(ctx, env, builtIn),
  );
}
