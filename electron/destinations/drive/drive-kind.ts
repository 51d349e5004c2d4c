// The Google Drive kind: one Drive per data folder, set up by signing in through the system browser
// (one click with the build's own OAuth client, or the person's own client saved under Advanced),
// with the account and its quota as its usage. Everything Drive-specific the app and the CLI show
// comes from here, through the registry.
import { z } from 'zod';
import type { DestinationUsage } from '../../../shared/ipc-contract.ts';
import { formatBytes } from '../../../shared/bytes.ts';
import type { Destination } from '../../../shared/model.ts';
import { isLifeboatError, LifeboatError } from '../../engine/common/errors.ts';
import type { Engine } from '../../engine/engine.ts';
import { kindSettings, type DestinationKind, type KindState } from '../kind.ts';
import { connectDrive, forgetGoogleClient, hasGoogleClientSecret, setGoogleClient } from './drive-account.ts';
import { driveSettingsSchema, driveStorageFor } from './drive-setup.ts';
import type { DriveQuota } from './drive-storage.ts';
import type { GoogleClient } from './google-auth.ts';

const clientSchema = z.object({ clientId: z.string().trim().min(10).max(300), clientSecret: z.string().trim().max(300).optional() });

/** What is remembered for signing in, and whether Connect can run with nothing more. */
async function driveState(engine: Engine, env: NodeJS.ProcessEnv, builtIn?: GoogleClient): Promise<KindState> {
  const own = engine.settings().google?.clientId;
  const clientId = env.LIFEBOAT_GOOGLE_CLIENT_ID ?? own;
  const hasSecret = await hasGoogleClientSecret(engine, env);
  return {
    ready: builtIn !== undefined || clientId !== undefined,
    saved: { ...(clientId ? { clientId } : {}), ...(hasSecret ? { clientSecret: true as const } : {}) },
    advancedNote: clientId
      ? `Signing in with your own OAuth client ${clientId}${hasSecret ? " (its secret is kept in this computer's keychain)" : ''}.`
      : 'Use your own Google OAuth client: a “Desktop app” client from your Google Cloud project (the README, “Google Drive”, shows the five steps). Lifeboat asks only for the files it creates.',
    advancedOpen: builtIn === undefined,
    canForget: own !== undefined && builtIn !== undefined,
  };
}

/** The account and its storage as lines for a terminal. */
function quotaLines(q: DriveQuota): string[] {
  const lines = [
    `Account: ${q.email}`,
    `Storage: ${formatBytes(q.usage)} used${q.limit ? ` of ${formatBytes(q.limit)} (${Math.round((q.usage / q.limit) * 100)}%)` : ' (no limit)'}; in Drive ${formatBytes(q.usageInDrive)}, in the trash ${formatBytes(q.usageInTrash)}`,
    `Lifeboat's restore points: ${formatBytes(q.lifeboatBytes)}`,
  ];
  if (q.level !== 'ok') lines.push(`warning: Google Drive is ${q.level === 'critical' ? 'almost full (95% or more)' : 'filling up (80% or more)'}; free space or buy more storage before uploads fail`);
  return lines;
}

/** The connected account and its quota, or why they cannot be read, said for a person. */
async function driveUsage(engine: Engine, d: Destination, env: NodeJS.ProcessEnv, builtIn?: GoogleClient): Promise<DestinationUsage> {
  const { folderName } = kindSettings(driveSettingsSchema, d, 'Google Drive');
  try {
    const q = await driveStorageFor(engine, d, env, builtIn).quota();
    return { account: q.email, used: q.usage, total: q.limit, mine: q.lifeboatBytes, level: q.level, detail: `New restore points are copied to the folder “${folderName}”.`, lines: quotaLines(q) };
  } catch (e) {
    const line = isLifeboatError(e) ? e.oneLine : String(e);
    // Said for the person, in a sentence: what happened; the screen offers the one click that fixes it.
    if (isLifeboatError(e) && e.code === 'wrong-key') return { needsSignIn: true, error: 'Google Drive asks you to sign in again: the access Lifeboat had was withdrawn or has run out. New copies wait until then.', lines: [line] };
    return { error: `Google Drive could not be reached${isLifeboatError(e) ? ` (${e.message})` : ''}. Lifeboat tries again on its own.`, lines: [line] };
  }
}

/** Saves the person's own OAuth client (checked first): its id in settings, its secret in the keychain. */
async function rememberClient(engine: Engine, values: Record<string, string | undefined>): Promise<void> {
  // A secret alone belongs to the client saved already.
  const clientId = values.clientId ?? engine.settings().google?.clientId;
  if (!clientId) throw new LifeboatError('usage', 'The client secret needs the client id it belongs to', 'Give the client id too (…apps.googleusercontent.com)');
  const client = clientSchema.safeParse({ ...values, clientId });
  if (!client.success) throw new LifeboatError('usage', 'A Google client id looks like ….apps.googleusercontent.com', 'Copy it from your Google Cloud project (Credentials → your "Desktop app" client)');
  await setGoogleClient(engine, { clientId: client.data.clientId, clientSecret: client.data.clientSecret || undefined });
}

/** The Drive kind, for the registry: `env` for Google's endpoints and a client from the environment, `builtIn` the build's own client. */
export function driveKind(o: { env: NodeJS.ProcessEnv; builtIn?: GoogleClient }): DestinationKind {
  return {
    describe: {
      kind: 'drive',
      label: 'Google Drive',
      title: 'Google Drive',
      about: 'Keep a copy of every restore point in your Google Drive: it survives this computer. Lifeboat sees only the files it puts there.',
      fields: [
        { name: 'clientId', label: 'Client ID', type: 'text', placeholder: '….apps.googleusercontent.com', optional: true, advanced: true },
        { name: 'clientSecret', label: 'Client secret', type: 'secret', optional: true, advanced: true, env: 'LIFEBOAT_GOOGLE_CLIENT_SECRET' },
      ],
      browserSignIn: true,
      single: true,
      words: {
        add: 'Connect Google Drive',
        addFromHealth: 'Connect Google Drive',
        setUpElsewhere: 'Set up Google Drive…',
        reconnect: 'Reconnect Google Drive',
        waiting: 'Waiting for Google…',
        waitingNote: 'Finish signing in to Google in your browser; Lifeboat waits up to five minutes.',
        notReady: 'This copy of Lifeboat has no Google sign-in of its own: set up your own client below, then connect.',
        advanced: 'Advanced: your own Google client',
        save: 'Save client',
        forget: "Use Lifeboat's own sign-in instead",
        remove: 'Disconnect',
        removeNote: "Disconnecting removes Lifeboat's access; the copies already on Drive stay there.",
      },
    },
    storage: (d, ctx) => driveStorageFor(ctx, d, o.env, o.builtIn),
    where: (d) => d.name,
    async setup(engine, values, effects) {
      if (values.clientId || values.clientSecret) await rememberClient(engine, values);
      const { quota, destination, added } = await connectDrive(engine, { openBrowser: effects.openBrowser, onUrl: effects.onUrl, signal: effects.signal, env: o.env, builtIn: o.builtIn });
      return { destination, added, notice: `Google Drive is connected${quota.email ? ` (${quota.email})` : ''}: every restore point is copied there from now on.` };
    },
    state: (engine) => driveState(engine, o.env, o.builtIn),
    remember: rememberClient,
    forgetRemembered: (engine) => forgetGoogleClient(engine),
    usage: (engine, d) => driveUsage(engine, d, o.env, o.builtIn),
    logSecrets: [o.env.LIFEBOAT_GOOGLE_CLIENT_SECRET, o.builtIn?.clientSecret].filter((s): s is string => Boolean(s)),
  };
}
