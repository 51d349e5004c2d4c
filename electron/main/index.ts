// The Electron shell: lifecycle, window, tray, notifications, power events and the IPC binding.
// It wires the desktop services to Electron; it decides nothing (see tray-model.ts and the engine).
import { app, BrowserWindow, dialog, net, Notification, powerMonitor, powerSaveBlocker, shell } from 'electron';
import path from 'node:path';
import type { IpcEventName } from '../../shared/ipc-contract.ts';
import { ipcEventNames } from '../../shared/ipc-contract.ts';
import { APP_VERSION } from '../engine/common/app-version.ts';
import { createDesktopServices } from '../app/desktop-services.ts';
import { defaultDataDir } from '../engine/common/data-folder.ts';
import { BUILT_IN_CLIENT_FILE } from '../destinations/registry.ts';
import { bindIpc, sendEvent } from './ipc-binder.ts';
import { safeStorageSecrets } from './safe-storage-secrets.ts';
import { setupTray } from './tray.ts';
import { healthNotification, jobNotification, type NotificationSpec } from './tray-model.ts';
import { createMainWindow } from './window.ts';
import { isSafeExternalUrl } from './window-policy.ts';
import { appPageMatcher, isTrustedSender, rendererUrlFor } from './sender-policy.ts';
import { autostartFile, HIDDEN_ARG, setLinuxAutostart } from './login-item.ts';

app.enableSandbox();

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  void app.whenReady().then(async () => {
    const dataDir = defaultDataDir();
    const iconsDir = app.isPackaged ? path.join(process.resourcesPath, 'resources') : path.join(app.getAppPath(), 'resources');
    const pick = async (o: Electron.OpenDialogOptions) => {
      const r = await dialog.showOpenDialog(o);
      return r.canceled ? undefined : r.filePaths[0];
    };
    let win: BrowserWindow | undefined;
    const rendererUrl = rendererUrlFor(app.isPackaged, process.env);
    const rendererFile = path.join(import.meta.dirname, '../renderer/index.html');
    const isAppPage = appPageMatcher(rendererUrl, rendererFile);
    const services = await createDesktopServices({
      dataDir,
      appVersion: APP_VERSION,
      secrets: safeStorageSecrets(dataDir),
      // A build can carry its own Google OAuth client (`npm run dist`): Connect is then one click.
      googleClientFile: path.join(iconsDir, BUILT_IN_CLIENT_FILE),
      effects: {
        // Main's own dialog, naming the real file: what the renderer shows cannot stand in for it.
        confirm: async ({ message, detail, confirmLabel }) => {
          const options: Electron.MessageBoxOptions = { type: 'warning', title: 'Lifeboat', message, detail, buttons: [confirmLabel, 'Cancel'], defaultId: 1, cancelId: 1, noLink: true };
          const { response } = win ? await dialog.showMessageBox(win, options) : await dialog.showMessageBox(options);
          return response === 0;
        },
        chooseDatabase: () => pick({ title: 'Choose a database to protect', properties: ['openFile'], filters: [{ name: 'SQLite databases', extensions: ['db', 'sqlite', 'sqlite3', 'db3'] }, { name: 'All files', extensions: ['*'] }] }),
        chooseFolder: (purpose) =>
          pick({
            title: purpose === 'vault' ? 'Choose an empty folder for the vault (the restore points move there)' : 'Choose a folder for copies (an external disk or a NAS)',
            properties: ['openDirectory', 'createDirectory'],
          }),
        chooseRestoreTarget: async (suggested) => {
          const r = await dialog.showSaveDialog({ title: 'Restore into a new file', defaultPath: path.join(app.getPath('documents'), suggested) });
          return r.canceled ? undefined : r.filePath;
        },
        chooseExportTarget: async (suggested) => {
          const csv = suggested.endsWith('.csv');
          const r = await dialog.showSaveDialog({
            title: 'Save the rows into a new file',
            defaultPath: path.join(app.getPath('documents'), suggested),
            filters: csv ? [{ name: 'CSV', extensions: ['csv'] }] : [{ name: 'SQLite database', extensions: ['db', 'sqlite'] }],
          });
          return r.canceled ? undefined : r.filePath;
        },
        // Only parsed-and-checked https: URLs reach the system browser (Google's sign-in page).
        openExternal: async (url) => {
          if (!isSafeExternalUrl(url)) throw new Error('refused to open a URL that is not https');
          await shell.openExternal(url);
        },
        // Only the log file the services name, opened by the system's viewer.
        openPath: async (file) => {
          const problem = await shell.openPath(file);
          if (problem) throw new Error(problem);
        },
        // Linux has no login-item API in Electron: an XDG autostart entry does the job there.
        setOpenAtLogin: (on) => {
          if (process.platform === 'linux') void setLinuxAutostart(on, process.env.APPIMAGE ?? process.execPath, autostartFile(process.env, app.getPath('home')));
          else app.setLoginItemSettings({ openAtLogin: on, args: [HIDDEN_ARG] });
        },
      },
    });
    const { engine } = services;

    let quitting = false;
    const open = () => {
      if (win) {
        if (win.isMinimized()) win.restore();
        win.show();
        win.focus();
        return;
      }
      win = createMainWindow(path.join(import.meta.dirname, '../preload/index.cjs'), rendererUrl, rendererFile);
      // Closing the window keeps Lifeboat in the tray so schedules keep running; Quit is in the tray.
      win.on('close', (event) => {
        if (!quitting && engine.settings().app.closeToTray) {
          event.preventDefault();
          win?.hide();
        }
      });
      win.on('closed', () => (win = undefined));
    };
    bindIpc(services.handlers, (event) => isTrustedSender(event, win?.webContents, isAppPage), services.log);
    for (const name of ipcEventNames) services.events.on(name, (payload) => sendEvent(win?.webContents, name as IpcEventName, payload as never));

    const notify = (n: NotificationSpec | undefined) => {
      if (n && Notification.isSupported()) new Notification({ title: n.title, body: n.body, icon: path.join(iconsDir, 'icon.png') }).show();
    };
    const tray = setupTray(iconsDir, (action) => {
      if (action === 'backup') void services.backUpAll();
      else if (action === 'open') open();
      else if (action === 'pause' || action === 'resume') services.setPaused(action === 'pause');
      else app.quit();
    });
    const redrawTray = () => {
      const runs = services.scheduler.status().map((r) => r.nextRunAt).filter((t): t is string => t !== undefined).sort();
      tray.update({
        now: new Date(),
        health: services.health(),
        running: services.jobs.running(),
        lastBackup: services.jobs.recent(20).find((j) => j.kind === 'backup'),
        nextRunAt: runs[0],
        paused: services.isPaused(),
        hasSources: engine.sources.list().length > 0,
        lastCheck: services.verification.status().last,
      });
    };

    // Keep the machine awake while a backup or restore runs; release it when none does.
    let blocker: number | undefined;
    const holdAwake = () => {
      const busy = services.jobs.running().some((j) => j.kind === 'backup' || j.kind === 'restore' || j.kind === 'undo' || j.kind === 'recover' || j.kind === 'move-vault');
      if (busy) blocker ??= powerSaveBlocker.start('prevent-app-suspension');
      else if (blocker !== undefined) {
        powerSaveBlocker.stop(blocker);
        blocker = undefined;
      }
    };
    let previousHealth = services.health();
    const failingSources = new Set<string>(); // databases whose last backup failed (notified once)
    services.events.on('job:progress', () => {
      holdAwake();
      redrawTray();
    });
    services.events.on('job:finished', (job) => {
      holdAwake();
      redrawTray();
      notify(jobNotification(job, engine.settings().app, failingSources));
    });
    services.events.on('health:changed', (health) => {
      notify(healthNotification(previousHealth, health));
      previousHealth = health;
      redrawTray();
    });
    services.events.on('settings:changed', redrawTray);

    services.start();
    redrawTray();
    powerMonitor.on('resume', () => services.wake());
    // The network coming back (a laptop rejoining Wi-Fi) sends the uploads that waited for it.
    let online = net.isOnline();
    const onlineCheck = setInterval(() => {
      const now = net.isOnline();
      if (now && !online) services.wake();
      online = now;
    }, 30_000);
    powerMonitor.on('unlock-screen', () => services.wake());
    // Started at login: stay in the tray only.
    if (!process.argv.includes(HIDDEN_ARG) && !app.getLoginItemSettings().wasOpenedAtLogin) open();
    app.on('second-instance', open);
    app.on('activate', open);
    app.on('before-quit', () => (quitting = true));
    // The tray keeps the app alive when the window closes, unless the person turned that off.
    app.on('window-all-closed', () => {
      if (!engine.settings().app.closeToTray) app.quit();
    });
    app.on('will-quit', () => {
      clearInterval(onlineCheck);
      tray.destroy();
      services.stop();
    });
  });
}
