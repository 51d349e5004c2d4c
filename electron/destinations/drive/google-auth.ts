// Connecting a Google account the way Google requires for installed apps: the system browser, a
// loopback redirect on 127.0.0.1 with a random port, PKCE (S256), a `state` check, a timeout and a
// cancel path. Only the `drive.file` scope: Lifeboat sees only the files it created. The refresh
// token goes to the SecretStore; tokens never appear in errors, logs or the renderer.
import { CodeChallengeMethod, OAuth2Client } from 'google-auth-library';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LifeboatError } from '../../engine/common/errors.ts';
import type { GoogleEndpoints } from './google-endpoints.ts';

export const DRIVE_FILE_SCOPE = 'https://www.googleapis.com/auth/drive.file';

export interface GoogleClient {
  clientId: string;
  clientSecret?: string;
}

/** An OAuth client bound to `endpoints` (Google's, or an emulator's). */
export function oauthClient(client: GoogleClient, endpoints: GoogleEndpoints, redirectUri?: string): OAuth2Client {
  return new OAuth2Client({
    clientId: client.clientId,
    clientSecret: client.clientSecret,
    redirectUri,
    endpoints: { oauth2AuthBaseUrl: endpoints.authUrl, oauth2TokenUrl: endpoints.tokenUrl, oauth2RevokeUrl: endpoints.revokeUrl },
  });
}

const DONE_PAGE = (message: string) =>
  `<!doctype html><meta charset="utf-8"><title>Lifeboat</title><body style="font-family:sans-serif;max-width:32em;margin:4em auto"><h1>Lifeboat</h1><p>${message}</p><p>You can close this tab and go back to Lifeboat.</p></body>`;

/**
 * Runs the browser sign-in and returns the refresh token. `openBrowser` is the shell's
 * openExternal (or the CLI's opener); `onUrl` lets a terminal print the address too.
 */
export async function connectGoogle(opts: {
  client: GoogleClient;
  endpoints: GoogleEndpoints;
  openBrowser: (url: string) => Promise<void>;
  onUrl?: (url: string) => void;
  timeoutMs?: number;
  signal?: AbortSignal;
}): Promise<{ refreshToken: string }> {
  const state = randomBytes(16).toString('hex');
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const redirectUri = `http://127.0.0.1:${(server.address() as AddressInfo).port}/callback`;
  const client = oauthClient(opts.client, opts.endpoints, redirectUri);
  try {
    const { codeVerifier, codeChallenge } = await client.generateCodeVerifierAsync();
    const url = client.generateAuthUrl({ access_type: 'offline', prompt: 'consent', scope: [DRIVE_FILE_SCOPE], state, code_challenge: codeChallenge, code_challenge_method: CodeChallengeMethod.S256 });
    const code = new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new LifeboatError('cancelled', 'Google sign-in timed out', 'Start it again and finish signing in within the time')), opts.timeoutMs ?? 5 * 60_000);
      opts.signal?.addEventListener('abort', () => reject(new LifeboatError('cancelled', 'Google sign-in was cancelled', 'Nothing was changed')), { once: true });
      server.on('request', (req, res) => {
        const got = new URL(req.url ?? '/', redirectUri);
        if (got.pathname !== '/callback') {
          res.writeHead(404).end();
          return;
        }
        // Anyone on this machine can reach the loopback port: a request without this sign-in's state
        // is answered and ignored, and the sign-in keeps waiting for Google's real answer.
        if (got.searchParams.get('state') !== state) {
          res.writeHead(400, { 'content-type': 'text/html; charset=utf-8' }).end(DONE_PAGE('This request did not come from the sign-in Lifeboat started, and was ignored.'));
          return;
        }
        const fail = (message: string, error: LifeboatError) => {
          res.writeHead(400, { 'content-type': 'text/html; charset=utf-8' }).end(DONE_PAGE(message));
          clearTimeout(timer);
          reject(error);
        };
        const error = got.searchParams.get('error');
        if (error) return fail('Lifeboat was not given access to Google Drive.', new LifeboatError('cancelled', `Google sign-in was not completed (${error})`, 'Start it again and allow access to Google Drive'));
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(DONE_PAGE('Lifeboat is now connected to your Google Drive.'));
        clearTimeout(timer);
        resolve(got.searchParams.get('code') ?? '');
      });
    });
    opts.onUrl?.(url);
    await opts.openBrowser(url).catch(() => undefined); // the printed URL still works
    const { tokens } = await client.getToken({ code: await code, codeVerifier, redirect_uri: redirectUri });
    if (!tokens.refresh_token) throw new LifeboatError('cancelled', 'Google did not return a refresh token', 'Remove Lifeboat from your Google account\'s third-party access, then connect again');
    return { refreshToken: tokens.refresh_token };
  } finally {
    server.close();
  }
}

/** Explains an auth failure: invalid_grant means the person must reconnect. Never includes tokens. */
export function explainGoogleAuthError(e: unknown): unknown {
  const text = `${(e as { message?: string })?.message ?? ''} ${JSON.stringify((e as { response?: { data?: unknown } })?.response?.data ?? '')}`;
  if (/invalid_grant/.test(text)) {
    return new LifeboatError(
      'wrong-key',
      'Reconnect Google Drive: the access Lifeboat had was revoked or has expired',
      'Connect again: Destinations → Reconnect in the app, or `lifeboat drive connect` (a Google Cloud project left in "Testing" status gets refresh tokens that expire after 7 days)',
    );
  }
  return e;
}
