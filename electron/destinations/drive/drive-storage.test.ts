// The Drive storage against the conformance suite, on the project's loopback Drive emulator with
// small listing pages (5 files) and upload pieces (256 KiB), so every listing pages and every
// object above 256 KiB takes the resumable path; the emulator cuts downloads and fails uploads.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '../../engine/testing/fixtures.ts';
import { describeStorageConformance } from '../testing/conformance.ts';
import { connectGoogle, oauthClient } from './google-auth.ts';
import { googleEndpoints } from './google-endpoints.ts';
import { CHUNK_GRANULARITY } from './resumable-upload.ts';
import { driveStorage } from './drive-storage.ts';
import { startDriveEmulator } from './testing/drive-emulator.ts';

describeStorageConformance('Google Drive (emulator)', async () => {
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
    close: async () => {
      await em.close();
      t.cleanup();
    },
  };
});
