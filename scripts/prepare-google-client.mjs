// `npm run dist` runs this before packaging: whoever distributes Lifeboat can give the build its own
// Google OAuth client ("Desktop app", in their Google Cloud project) with LIFEBOAT_DIST_GOOGLE_CLIENT_ID
// and LIFEBOAT_DIST_GOOGLE_CLIENT_SECRET; it is written to resources/google-client.json, which
// electron-builder copies into the app's resources and the app reads at start (Connect Google Drive
// is then one click). Without them, any such file from an earlier build is removed, so a build never
// carries a client nobody asked for; people then connect with their own client. Google does not
// treat an installed app's client secret as confidential; it is still never printed.
// Plain JavaScript; exits 0 when done, 1 with a message when the variables are wrong.
// LIFEBOAT_RESOURCES_DIR points it at another folder (tests).
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const dir = process.env.LIFEBOAT_RESOURCES_DIR ?? path.join(import.meta.dirname, '..', 'resources');
const file = path.join(dir, 'google-client.json');
const say = (text) => process.stderr.write(`${text}\n`);
const clientId = process.env.LIFEBOAT_DIST_GOOGLE_CLIENT_ID?.trim();
const clientSecret = process.env.LIFEBOAT_DIST_GOOGLE_CLIENT_SECRET?.trim();

if (!clientId && !clientSecret) {
  rmSync(file, { force: true });
  say('This build carries no Google OAuth client: people connect Google Drive with their own (Destinations → Advanced).');
  say('To give it one, set LIFEBOAT_DIST_GOOGLE_CLIENT_ID and LIFEBOAT_DIST_GOOGLE_CLIENT_SECRET (a "Desktop app" client; see the README, "Google Drive").');
  process.exit(0);
}
if (!clientId || !clientSecret) {
  say(`LIFEBOAT_DIST_GOOGLE_CLIENT_${clientId ? 'SECRET' : 'ID'} is not set: a built-in Google client needs both its id and its secret.`);
  say('Set both (from the "Desktop app" OAuth client in your Google Cloud project), or neither.');
  process.exit(1);
}
if (!/^[\w.-]+\.apps\.googleusercontent\.com$/.test(clientId) || clientId.length > 300 || clientSecret.length > 300 || /\s/.test(clientSecret)) {
  say('LIFEBOAT_DIST_GOOGLE_CLIENT_ID must be a Google OAuth client id (…apps.googleusercontent.com), and the secret one word.');
  process.exit(1);
}
writeFileSync(file, `${JSON.stringify({ clientId, clientSecret }, null, 2)}\n`);
say(`This build carries the Google OAuth client ${clientId} (in ${path.relative(process.cwd(), file) || file}): Connect Google Drive is one click.`);
