// `lifeboat daemon` as a service of the operating system, so the schedule runs whenever the computer
// is on without the app: a systemd user unit on Linux, a launchd agent on macOS, a scheduled task
// at logon on Windows. Pure functions from the paths to the file's text and the commands that
// switch it on and off, so each is tested as text on any machine; the CLI writes and runs them.
import path from 'node:path';

export type ServiceKind = 'systemd' | 'launchd' | 'schtasks';

/** What starts the daemon: node, the `lifeboat` script, and the data folder it serves. */
export interface DaemonCommand {
  node: string;
  cli: string;
  dataDir: string;
}

/** A service to install: its file (none for a Windows task) and the commands that start and stop it. */
export interface ServicePlan {
  kind: ServiceKind;
  /** The unit, agent or task name. */
  name: string;
  file?: string;
  content?: string;
  /** Run after the file is written: load it, and start it now and at every start of a session. */
  start: string[][];
  /** Run before the file is removed. */
  stop: string[][];
  /** What a person may still need to do, in a sentence (undefined when nothing). */
  note?: string;
}

export const SERVICE_NAME = 'lifeboat-daemon';
export const LAUNCHD_LABEL = 'io.lifeboat.daemon';
export const WINDOWS_TASK = 'Lifeboat daemon';

/** One argument of a systemd ExecStart line: double-quoted, with \, " escaped and % and $ doubled (specifiers, variables). */
export function systemdArg(arg: string): string {
  return `"${arg.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/%/g, '%%').replace(/\$/g, '$$$$')}"`;
}

/** The systemd user unit that runs `lifeboat daemon` for `c.dataDir`, restarting it if it fails. */
export function systemdUnit(c: DaemonCommand): string {
  return [
    '[Unit]',
    'Description=Lifeboat: scheduled backups of SQLite databases (lifeboat daemon)',
    '',
    '[Service]',
    'Type=simple',
    `ExecStart=${[c.node, c.cli, '--home', c.dataDir, 'daemon'].map(systemdArg).join(' ')}`,
    'Restart=on-failure',
    'RestartSec=30',
    '',
    '[Install]',
    'WantedBy=default.target',
    '',
  ].join('\n');
}

const xml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** The launchd agent that runs `lifeboat daemon` at login and keeps it running, its output in the data folder's logs/. */
export function launchdPlist(c: DaemonCommand): string {
  const args = [c.node, c.cli, '--home', c.dataDir, 'daemon'].map((a) => `    <string>${xml(a)}</string>`);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">',
    '<plist version="1.0">',
    '<dict>',
    '  <key>Label</key>',
    `  <string>${LAUNCHD_LABEL}</string>`,
    '  <key>ProgramArguments</key>',
    '  <array>',
    ...args,
    '  </array>',
    '  <key>RunAtLoad</key>',
    '  <true/>',
    '  <key>KeepAlive</key>',
    '  <dict>',
    '    <key>SuccessfulExit</key>',
    '    <false/>',
    '  </dict>',
    '  <key>StandardErrorPath</key>',
    `  <string>${xml(path.join(c.dataDir, 'logs', 'daemon.err'))}</string>`,
    '</dict>',
    '</plist>',
    '',
  ].join('\n');
}

/** A Windows command-line argument quoted as the C runtime reads it. */
function winArg(arg: string): string {
  return /[\s"]/.test(arg) ? `"${arg.replace(/(\\*)"/g, '$1$1\\"').replace(/(\\+)$/, '$1$1')}"` : arg;
}

/** The schtasks command line that creates a task starting `lifeboat daemon` at logon (replacing one of the same name). */
export function schtasksCreate(c: DaemonCommand): string[] {
  const run = [c.node, c.cli, '--home', c.dataDir, 'daemon'].map(winArg).join(' ');
  return ['schtasks', '/Create', '/TN', WINDOWS_TASK, '/TR', run, '/SC', 'ONLOGON', '/RL', 'LIMITED', '/F'];
}

/** The service for `platform`: where its file goes (from `home` and XDG_CONFIG_HOME) and how it is started and stopped. */
export function servicePlan(platform: NodeJS.Platform, c: DaemonCommand, o: { home: string; env: NodeJS.ProcessEnv; uid?: number }): ServicePlan {
  if (platform === 'darwin') {
    const file = path.join(o.home, 'Library', 'LaunchAgents', `${LAUNCHD_LABEL}.plist`);
    const domain = `gui/${o.uid ?? 501}`;
    return { kind: 'launchd', name: LAUNCHD_LABEL, file, content: launchdPlist(c), start: [['launchctl', 'bootstrap', domain, file]], stop: [['launchctl', 'bootout', `${domain}/${LAUNCHD_LABEL}`]] };
  }
  if (platform === 'win32') {
    return { kind: 'schtasks', name: WINDOWS_TASK, start: [schtasksCreate(c), ['schtasks', '/Run', '/TN', WINDOWS_TASK]], stop: [['schtasks', '/End', '/TN', WINDOWS_TASK], ['schtasks', '/Delete', '/TN', WINDOWS_TASK, '/F']] };
  }
  const file = path.join(o.env.XDG_CONFIG_HOME || path.join(o.home, '.config'), 'systemd', 'user', `${SERVICE_NAME}.service`);
  return {
    kind: 'systemd',
    name: `${SERVICE_NAME}.service`,
    file,
    content: systemdUnit(c),
    start: [['systemctl', '--user', 'daemon-reload'], ['systemctl', '--user', 'enable', '--now', `${SERVICE_NAME}.service`]],
    stop: [['systemctl', '--user', 'disable', '--now', `${SERVICE_NAME}.service`]],
    note: 'A user service runs while you are logged in; to run it from boot, before anyone logs in: loginctl enable-linger',
  };
}

/** A service plan in words, for `status` and the app: "the lifeboat daemon service (systemd user unit lifeboat-daemon.service)". */
export function describeService(s: { kind: ServiceKind; name: string }): string {
  const what = s.kind === 'systemd' ? 'systemd user unit' : s.kind === 'launchd' ? 'launchd agent' : 'Windows scheduled task';
  return `the lifeboat daemon service (${what} ${s.name})`;
}
