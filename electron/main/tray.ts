// The tray icon: hands the tray model (icon, tooltip, menu) to Electron whenever the state changes.
// Everything it shows is decided in tray-model.ts. Progress events arrive several times a second,
// so the icon and the menu are only rebuilt when they actually change.
import { Menu, nativeImage, Tray } from 'electron';
import path from 'node:path';
import { trayIconFile, trayMenu, trayState, trayTooltip, type TrayAction, type TrayInput } from './tray-model.ts';

/** Creates the tray; `update` redraws it from fresh state, `destroy` removes it. */
export function setupTray(iconsDir: string, onAction: (action: TrayAction) => void) {
  let tray: Tray | undefined;
  let shownIcon = '';
  let shownMenu = '';
  return {
    update(input: TrayInput) {
      const file = path.join(iconsDir, trayIconFile(trayState(input), process.platform));
      tray ??= new Tray(nativeImage.createFromPath(file));
      if (file !== shownIcon) tray.setImage(nativeImage.createFromPath(file));
      shownIcon = file;
      tray.setToolTip(trayTooltip(input));
      const menu = trayMenu(input);
      const key = JSON.stringify(menu);
      if (key === shownMenu) return;
      shownMenu = key;
      tray.setContextMenu(
        Menu.buildFromTemplate(
          menu.map((item) => (item.type === 'separator' ? { type: 'separator' as const } : { label: item.label, enabled: item.enabled, click: item.action ? () => onAction(item.action as TrayAction) : undefined })),
        ),
      );
    },
    destroy() {
      tray?.destroy();
      tray = undefined;
    },
  };
}
