// Starting at login. macOS and Windows have Electron's login-item API; Linux has none, so there
// Lifeboat writes an XDG autostart entry. Either way it starts with HIDDEN_ARG and stays in the tray.
// Plain functions (no Electron import) so the entry's text is tested.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** The argument Lifeboat is started with at login: no window, just the tray. */
export const HIDDEN_ARG = '--hidden';

/** Quotes one Exec argument as the Desktop Entry spec asks (and doubles % for field codes). */
function quoteExecArg(arg: string): string {
  return `"${arg.replace(/(["`$\\])/g, '\\$1').replace(/%/g, '%%')}"`;
}

/** The autostart .desktop entry that starts `exec` hidden at login. */
export function autostartEntry(exec: string): string {
  return ['[Desktop Entry]', 'Type=Application', 'Name=Lifeboat', 'Comment=Keeps your databases backed up', `Exec=${quoteExecArg(exec)} ${HIDDEN_ARG}`, 'Terminal=false', 'X-GNOME-Autostart-enabled=true', ''].join('\n');
}

/** Where the autostart entry lives: $XDG_CONFIG_HOME/autostart (default ~/.config/autostart). */
export function autostartFile(env: NodeJS.ProcessEnv, home: string): string {
  return path.join(env.XDG_CONFIG_HOME || path.join(home, '.config'), 'autostart', 'lifeboat.desktop');
}

/** Writes or removes the Linux autostart entry. */
export async function setLinuxAutostart(on: boolean, exec: string, file: string): Promise<void> {
  if (!on) return rm(file, { force: true });
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, autostartEntry(exec));
}
