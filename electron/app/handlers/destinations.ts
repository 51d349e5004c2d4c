// IPC handlers of the destinations screen: the list with each one's copies, adding a folder,
// switching one on or off, encoding, removing; Google Drive's connection and storage.
import type { DriveView, IpcHandlers } from '../../../shared/ipc-contract.ts';
import { connectDrive, disconnectDrive, driveDestinationOf, driveQuota, forgetGoogleClient, hasGoogleClientSecret, setGoogleClient } from '../../destinations/drive/drive-account.ts';
import { LifeboatError, isLifeboatError } from '../../engine/common/errors.ts';
import type { HandlerDeps } from './deps.ts';

/** The channels of the destinations screen. */
export function destinationHandlers(deps: HandlerDeps): Pick<IpcHandlers, 'destinations:list' | 'destinations:add-folder' | 'destinations:remove' | 'destinations:set-enabled' | 'destinations:set-encoding' | 'drive:set-client' | 'drive:forget-client' | 'drive:connect' | 'drive:cancel-connect' | 'drive:status' | 'drive:disconnect'> {
  const { engine, effects } = deps;
  const settings = () => engine.settings();
  let connecting: AbortController | undefined;
  const driveView = async (): Promise<DriveView> => {
    if (!driveDestinationOf(engine)) return { connected: false };
    try {
      const q = await driveQuota(engine, deps.env, deps.googleClient);
      return { connected: true, email: q.email, limit: q.limit, usage: q.usage, lifeboatBytes: q.lifeboatBytes, level: q.level };
    } catch (e) {
      // Said for the person, in a sentence: what happened; the screen offers the one click that fixes it.
      if (isLifeboatError(e) && e.code === 'wrong-key') return { connected: true, needsReconnect: true, error: 'Google Drive asks you to sign in again: the access Lifeboat had was withdrawn or has run out. New copies wait until then.' };
      return { connected: true, error: `Google Drive could not be reached${isLifeboatError(e) ? ` (${e.message})` : ''}. Lifeboat tries again on its own.` };
    }
  };

  return {
    'destinations:list': async () => {
      const status = await engine.status();
      const s = settings();
      return {
        vault: { dir: status.vaultDir, freeBytes: status.freeBytes, usedBytes: status.vaultBytes },
        destinations: engine.destinations.status().map((d) => ({ destination: d.destination, completed: d.completed, pending: d.pending, failed: d.failed, lastUploadAt: d.lastUploadAt, lastError: d.lastError })),
        google: { clientId: deps.env.LIFEBOAT_GOOGLE_CLIENT_ID ?? s.google?.clientId, hasSecret: await hasGoogleClientSecret(engine, deps.env), connecting: connecting !== undefined, builtIn: deps.googleClient !== undefined },
      };
    },
    'destinations:add-folder': async () => {
      const folder = await effects.chooseFolder();
      if (!folder) return null;
      const d = await engine.destinations.addFolder(folder);
      deps.settingsChanged();
      return d;
    },
    'destinations:remove': async ({ id }) => {
      // Removing Google Drive also revokes Lifeboat's access and forgets the token (its driver does).
      const removed = await engine.destinations.remove(id);
      deps.settingsChanged();
      return removed;
    },
    'destinations:set-enabled': async ({ id, enabled }) => {
      const d = engine.destinations.setEnabled(id, enabled);
      deps.settingsChanged();
      return d;
    },
    'destinations:set-encoding': async ({ id, compressLevel, encrypt }) => {
      const d = await engine.destinations.setEncoding(id, { compressLevel, encrypt });
      deps.settingsChanged();
      return d;
    },
    'drive:set-client': async ({ clientId, clientSecret }) => {
      await setGoogleClient(engine, { clientId, clientSecret });
      deps.settingsChanged();
    },
    'drive:forget-client': async () => {
      await forgetGoogleClient(engine);
      deps.settingsChanged();
    },
    'drive:connect': async () => {
      if (connecting) throw new LifeboatError('busy', 'A Google sign-in is already waiting in your browser', 'Finish it there, or cancel it');
      connecting = new AbortController();
      try {
        // What waited for Drive, and its history, go in the background (uploads as jobs, with progress).
        const { destination } = await connectDrive(engine, { openBrowser: effects.openExternal, signal: connecting.signal, env: deps.env, sendNow: false, builtIn: deps.googleClient });
        deps.sendNow(destination.id);
      } finally {
        connecting = undefined;
        deps.settingsChanged();
      }
      return driveView();
    },
    'drive:cancel-connect': async () => {
      connecting?.abort();
    },
    'drive:status': async () => driveView(),
    'drive:disconnect': async () => {
      await disconnectDrive(engine, deps.env, deps.googleClient);
      deps.settingsChanged();
    },
  };
}
