// The tray icon: hands the tray model (icon, tooltip, menu) to Electron whenever the state changes.
// Everything it shows is decided in tray-model.ts.
import { Menu, nativeImage, Tray } from 'electron';
import path from 'node:path';
import { trayIconFile, trayMenu, trayState, trayTooltip, type TrayAction, type TrayInput } from './tray-model.ts';

/** Creates the tray; `update` redraws it from fresh state, `destroy` removes it. */
export function setupTray(iconsDir: string, onAction: (action: TrayAction) => void) {
  const icon = (input: TrayInput) => nativeImage.createFromPath(path.join(iconsDir, trayIconFile(trayState(input), process.platform)));
  let tray: Tray | undefined;
  return {
    update(input: TrayInput) {
      tray ??= new Tray(icon(input));
      tray.setImage(icon(input));
      tray.setToolTip(trayTooltip(input));
      tray.setContextMenu(
        Menu.buildFromTemplate(
          trayMenu(input).map((item) =>
            item.type === 'separator' ? { type: 'separator' as const } : { label: item.label, enabled: item.enabled, click: item.action ? () => onAction(item.action as TrayAction) : undefined },
          ),
        ),
      );
    },
    destroy() {
      tray?.destroy();
      tray = undefined;
    },
  };
}
