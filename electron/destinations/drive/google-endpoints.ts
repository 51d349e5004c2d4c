// Every Google endpoint Lifeboat calls, with the two overrides that point a build at an emulator:
// LIFEBOAT_GOOGLE_OAUTH_ROOT replaces accounts.google.com and oauth2.googleapis.com, and
// LIFEBOAT_GOOGLE_API_ROOT replaces www.googleapis.com (metadata and uploads alike).
import { LifeboatError } from '../../engine/common/errors.ts';

export interface GoogleEndpoints {
  authUrl: string;
  tokenUrl: string;
  revokeUrl: string;
  /** Drive metadata is under `<apiRoot>/drive/v3`, uploads under `<apiRoot>/upload/drive/v3`. */
  apiRoot: string;
}

function checkedRoot(value: string, name: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new LifeboatError('usage', `${name} is not a URL: ${value}`, 'Give an https:// URL (http:// only for 127.0.0.1 or localhost)');
  }
  const loopback = url.hostname === '127.0.0.1' || url.hostname === 'localhost' || url.hostname === '[::1]';
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    throw new LifeboatError('usage', `${name} must be https:// (or http:// on this machine): ${value}`, 'Fix the variable');
  }
  return url.href.replace(/\/+$/, '');
}

/** Google's endpoints, or the overrides from the environment. */
export function googleEndpoints(env: NodeJS.ProcessEnv = process.env): GoogleEndpoints {
  const oauthRoot = env.LIFEBOAT_GOOGLE_OAUTH_ROOT ? checkedRoot(env.LIFEBOAT_GOOGLE_OAUTH_ROOT, 'LIFEBOAT_GOOGLE_OAUTH_ROOT') : undefined;
  const apiRoot = env.LIFEBOAT_GOOGLE_API_ROOT ? checkedRoot(env.LIFEBOAT_GOOGLE_API_ROOT, 'LIFEBOAT_GOOGLE_API_ROOT') : 'https://www.googleapis.com';
  return {
    authUrl: oauthRoot ? `${oauthRoot}/o/oauth2/v2/auth` : 'https://accounts.google.com/o/oauth2/v2/auth',
    tokenUrl: oauthRoot ? `${oauthRoot}/token` : 'https://oauth2.googleapis.com/token',
    revokeUrl: oauthRoot ? `${oauthRoot}/revoke` : 'https://oauth2.googleapis.com/revoke',
    apiRoot,
  };
}
