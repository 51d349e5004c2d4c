// The Google OAuth client a build of Lifeboat can carry, so that connecting Google Drive is one
// click: whoever distributes Lifeboat creates a "Desktop app" client in their Google Cloud project
// and sets it at build time (`npm run dist` with LIFEBOAT_DIST_GOOGLE_CLIENT_ID and
// LIFEBOAT_DIST_GOOGLE_CLIENT_SECRET writes resources/google-client.json into the app's resources).
// Google does not treat an installed app's client secret as confidential, but it is never logged.
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { LifeboatError, errorCode } from '../../engine/common/errors.ts';
import type { GoogleClient } from './google-auth.ts';

/** The file's name in the app's resources folder. */
export const BUILT_IN_CLIENT_FILE = 'google-client.json';

export const builtInClientSchema = z
  .object({
    clientId: z.string().trim().min(10).max(300),
    clientSecret: z.string().trim().min(1).max(300),
  })
  .strict();

/**
 * The build's own client from `file`, or undefined when the build carries none (no file). A file
 * that is there but not a client is refused with what to do (never quoting its content).
 */
export async function readBuiltInGoogleClient(file: string): Promise<GoogleClient | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if (errorCode(e) === 'ENOENT') return undefined;
    throw new LifeboatError('unreadable', `The built-in Google client ${file} cannot be read (${errorCode(e) ?? 'unknown error'})`, 'Connecting Google Drive needs your own client (Advanced) until the app is reinstalled');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  const client = builtInClientSchema.safeParse(parsed);
  if (!client.success) {
    throw new LifeboatError('bad-manifest', `The built-in Google client ${file} is not a client id and secret`, 'Build again with LIFEBOAT_DIST_GOOGLE_CLIENT_ID and LIFEBOAT_DIST_GOOGLE_CLIENT_SECRET set; until then Google Drive connects with your own client (Advanced)');
  }
  return client.data;
}
