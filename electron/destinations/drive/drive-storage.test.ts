// The Drive storage against the conformance suite, on the project's loopback Drive emulator with
// small listing pages (5 files) and upload pieces (256 KiB), so every listing pages and every
// object above 256 KiB takes the resumable path; the emulator cuts downloads and fails uploads.
// And what only Drive meets: access revoked while a storage is in use.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { tempDir } from '../../engine/testing/fixtures.ts';
import { describeStorageConformance } from '../testing/conformance.ts';
import { connectGoogle, oauthClient } from './google-auth.ts';
import { googleEndpoints } from './google-endpoints.ts';
import { CHUNK_GRANULARITY } from './resumable-upload.ts';
import { driveStorage } from './drive-storage.ts';
import { startDriveEmulator } from './testing/drive-emulator.ts';

/** A Drive storage signed in to a fresh emulator (5 files a page), with a scratch folder. */
async function openDrive() {
  const t = tempDir();
  const scratch = path.join(t.dir, 'scratch');
  mkdirSync(scratch);
  const em = await startDriveEmulator({ maxPageSize: 5 });
  const endpoints = googleEndpoints({ LIFEBOAT_GOOGLE_OAUTH_ROOT: em.root, LIFEBOAT_GOOGLE_API_ROOT: em.root });
  const client = { clientId: 'conformance.apps.googleusercontent.com' };
  const { refreshToken } = await connectGoogle({ client, endpoints, openBrowser: async (url) => void (await fetch(url)) });
  const auth = oauthClient(client, endpoints);
  auth.setCredentials({ refresh_token: refreshToken });
  const chunkBytes = CHUNK_GRANULARITY;
  const storage = driveStorage({ auth, endpoints, sessionsDir: path.join(t.dir, 'uploads'), id: 'drive', folderName: 'Lifeboat Backups', chunkBytes, simpleLimit: chunkBytes, retryBaseMs: 1 });
  const close = async () => {
    await em.close();
    t.cleanup();
  };
  return { em, storage, scratch, chunkBytes, close };
}

describeStorageConformance('Google Drive (emulator)', async () => {
  const { em, storage, scratch, chunkBytes, close } = await openDrive();
  return {
    storage,
    scratch,
    chunkBytes,
    pageSize: 5,
    cutNextLoad: (afterBytes) => em.inject({ kind: 'cut-download', afterBytes, file: () => true }),
    failSaves: () => {
      em.inject({ kind: 'status', status: 503, times: 1_000, when: (req) => req.method === 'PUT' });
      return () => em.clearFaults();
    },
    close,
  };
});

it('access revoked while a Drive storage is in use: its next call says to reconnect at once, not a busy server to retry', async () => {
  const { em, storage, scratch, close } = await openDrive();
  try {
    const file = path.join(scratch, 'object');
    writeFileSync(file, 'bytes');
    await storage.save('store/object', file); // signed in, with a current access token
    em.revokeAll();
    for (const op of [() => storage.stat('store/object'), () => storage.list(''), () => storage.load('store/object')]) {
      await expect(op()).rejects.toMatchObject({ code: 'wrong-key', message: expect.stringMatching(/^Reconnect Google Drive/) });
    }
  } finally {
    await close();
  }
});
