// The Electron shell: lifecycle, window, IPC binding. It wires services; it decides nothing.
import { app, BrowserWindow, dialog, powerMonitor, powerSaveBlocker } from 'electron';
import path from 'node:path';
import { APP_VERSION } from '../engine/app-version.ts';
import { createEngine } from '../engine/engine.ts';
import { createIpcHandlers } from '../engine/ipc-handlers.ts';
import { defaultDataDir } from '../engine/layout.ts';
import { bindIpc } from './ipc-binder.ts';
import { createMainWindow } from './window.ts';
import { safeStorageSecrets } from './safe-storage-secrets.ts';
import { allDrivers } from '../drive/drive-setup.ts';
import { setupScheduler, systemClock } from '../schedule/setup-scheduler.ts';

app.enableSandbox();

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  void app.whenReady().then(async () => {
    const dataDir = defaultDataDir();
    const engine = await createEngine({ dataDir, appVersion: APP_VERSION, secrets: safeStorageSecrets(dataDir), driverFactory: allDrivers() });
    let win: BrowserWindow | undefined;
    const open = () => {
      win = createMainWindow(path.join(import.meta.dirname, '../preload/index.cjs'), process.env.ELECTRON_RENDERER_URL, path.join(import.meta.dirname, '../renderer/index.html'));
      win.on('closed', () => (win = undefined));
    };
    const chooseDatabase = async () => {
      const r = await dialog.showOpenDialog({ title: 'Choose a database to protect', properties: ['openFile'], filters: [{ name: 'SQLite databases', extensions: ['db', 'sqlite', 'sqlite3', 'db3'] }, { name: 'All files', extensions: ['*'] }] });
      return r.canceled ? undefined : r.filePaths[0];
    };
    // Scheduled backups and uploads run while the app is open (in the tray once that lands).
    const scheduler = setupScheduler(engine);
    bindIpc(createIpcHandlers(engine, { chooseDatabase, scheduleChanged: () => scheduler.refresh() }), (sender) => win !== undefined && sender === win.webContents);
    const uploads = engine.startUploads(systemClock);
    scheduler.start();
    powerMonitor.on('resume', () => scheduler.wake());

    // Keep the machine awake while a backup runs; release it after.
    let blocker: number | undefined;
    engine.events.on('backup-started', () => {
      blocker ??= powerSaveBlocker.start('prevent-app-suspension');
    });
    const release = () => {
      if (blocker !== undefined) powerSaveBlocker.stop(blocker);
      blocker = undefined;
    };
    engine.events.on('backup-finished', release);
    engine.events.on('backup-failed', release);
    open();
    app.on('second-instance', () => {
      if (!win) open();
      else {
        if (win.isMinimized()) win.restore();
        win.focus();
      }
    });
    app.on('activate', () => win ?? open());
    app.on('will-quit', () => {
      scheduler.stop();
      uploads.stop();
      engine.close();
    });
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
}
