// The daemon as a service of the operating system, as text: the systemd user unit (checked by
// systemd-analyze where it is installed), the launchd agent and the Windows task's command line,
// with paths that need quoting. Then, as a person does it on Linux: a database added from the
// command line gets the app's schedule, `status` says nothing would run it after a restart,
// `daemon install` writes the unit (never enabled here), `status` names it, the computer
// "restarts" (only what the unit says is started) and the next scheduled backup is taken.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, REPO, makeBankDb, runCli } from '../engine/testing/fixtures.ts';
import { useTestFolder } from '../engine/testing/test-folder.ts';
import { launchdPlist, schtasksCreate, servicePlan, systemdArg, systemdUnit } from './daemon-service.ts';

const tmp = useTestFolder();
const odd = { node: '/opt/node 24/bin/node', cli: '/home/ann/50% "apps"/lifeboat/bin/lifeboat.mjs', dataDir: '/home/ann/$HOME/Lifeboat data' };
const hasSystemdAnalyze = spawnSync('systemd-analyze', ['--version'], { stdio: 'ignore' }).status === 0;

describe('the service files, as text', () => {
  it('a systemd user unit that runs the daemon for the data folder, every argument quoted', () => {
    expect(systemdArg('/a b/"c"/50%/$X\\y')).toBe('"/a b/\\"c\\"/50%%/$$X\\\\y"');
    const unit = systemdUnit(odd);
    expect(unit).toContain('\nExecStart="/opt/node 24/bin/node" "/home/ann/50%% \\"apps\\"/lifeboat/bin/lifeboat.mjs" "--home" "/home/ann/$$HOME/Lifeboat data" "daemon"\n');
    expect(unit).toMatch(/\nRestart=on-failure\n/);
    expect(unit).toMatch(/\[Install\]\nWantedBy=default\.target\n$/);
    const plan = servicePlan('linux', odd, { home: '/home/ann', env: {} });
    expect(plan).toMatchObject({ kind: 'systemd', name: 'lifeboat-daemon.service', file: '/home/ann/.config/systemd/user/lifeboat-daemon.service' });
    expect(plan.start).toEqual([['systemctl', '--user', 'daemon-reload'], ['systemctl', '--user', 'enable', '--now', 'lifeboat-daemon.service']]);
    expect(servicePlan('linux', odd, { home: '/home/ann', env: { XDG_CONFIG_HOME: '/cfg' } }).file).toBe('/cfg/systemd/user/lifeboat-daemon.service');
  });

  it.runIf(hasSystemdAnalyze)('passes systemd-analyze verify', () => {
    const file = path.join(tmp.dir, 'lifeboat-daemon.service');
    writeFileSync(file, systemdUnit({ node: process.execPath, cli: CLI, dataDir: path.join(tmp.dir, 'a data folder') }));
    const r = spawnSync('systemd-analyze', ['verify', file], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('a launchd agent started at login and kept running, and a Windows task at logon', () => {
    const plist = launchdPlist({ ...odd, dataDir: '/Users/ann/<Lifeboat & co>' });
    expect(plist).toContain('<string>io.lifeboat.daemon</string>');
    expect(plist).toContain('<array>\n    <string>/opt/node 24/bin/node</string>\n    <string>/home/ann/50% &quot;apps&quot;/lifeboat/bin/lifeboat.mjs</string>\n    <string>--home</string>\n    <string>/Users/ann/&lt;Lifeboat &amp; co&gt;</string>\n    <string>daemon</string>\n  </array>');
    expect(plist).toMatch(/<key>RunAtLoad<\/key>\n {2}<true\/>/);
    expect(servicePlan('darwin', odd, { home: '/Users/ann', env: {}, uid: 501 })).toMatchObject({ kind: 'launchd', file: '/Users/ann/Library/LaunchAgents/io.lifeboat.daemon.plist', start: [['launchctl', 'bootstrap', 'gui/501', '/Users/ann/Library/LaunchAgents/io.lifeboat.daemon.plist']] });
    const win = { node: 'C:\\Program Files\\nodejs\\node.exe', cli: 'C:\\Users\\Ann\\lifeboat\\bin\\lifeboat.mjs', dataDir: 'C:\\Users\\Ann\\AppData\\Roaming\\Lifeboat\\' };
    expect(schtasksCreate(win)).toEqual(['schtasks', '/Create', '/TN', 'Lifeboat daemon', '/TR', '"C:\\Program Files\\nodejs\\node.exe" C:\\Users\\Ann\\lifeboat\\bin\\lifeboat.mjs --home C:\\Users\\Ann\\AppData\\Roaming\\Lifeboat\\ daemon', '/SC', 'ONLOGON', '/RL', 'LIMITED', '/F']);
    expect(servicePlan('win32', win, { home: 'C:\\Users\\Ann', env: {} }).stop).toEqual([['schtasks', '/End', '/TN', 'Lifeboat daemon'], ['schtasks', '/Delete', '/TN', 'Lifeboat daemon', '/F']]);
  });
});

it.runIf(process.platform === 'linux')('install, restart, the next scheduled backup is taken; status says what runs the schedule', async () => {
  const env = { XDG_CONFIG_HOME: path.join(tmp.dir, 'config') };
  const cli = (args: string[]) => runCli(args, { home: tmp.home, env });
  makeBankDb(tmp.db);
  expect((await cli(['sources', 'add', tmp.db])).stdout).toMatch(/backed up every hour at :00/);
  expect(JSON.parse((await cli(['--json', 'sources'])).stdout)).toMatchObject([{ id: 'store', schedule: { kind: 'hourly', minute: 0 } }]);
  const before = await cli(['status']);
  expect(before.stdout).toMatch(/Schedule: Nothing runs the scheduled backups now; NOTHING starts them after a restart/);
  expect(before.stdout).toMatch(/warning: Nothing starts the scheduled backups when this computer restarts\./);

  const dry = await cli(['daemon', 'install', '--dry-run']);
  expect(dry.stdout).toContain(`Would write ${env.XDG_CONFIG_HOME}/systemd/user/lifeboat-daemon.service:`);
  expect(dry.stdout).toContain('Would run: systemctl --user enable --now lifeboat-daemon.service');
  expect(existsSync(path.join(env.XDG_CONFIG_HOME, 'systemd'))).toBe(false);
  const installed = await cli(['daemon', 'install', '--no-start']); // never enabled in a test
  expect(installed.code).toBe(0);
  const unitFile = path.join(env.XDG_CONFIG_HOME, 'systemd', 'user', 'lifeboat-daemon.service');
  const unit = readFileSync(unitFile, 'utf8');
  expect(unit).toContain(`"--home" "${tmp.home}" "daemon"`);
  const after = await cli(['status']);
  expect(after.stdout).toMatch(/Schedule: Nothing runs the scheduled backups now; after a restart: the lifeboat daemon service \(systemd user unit lifeboat-daemon\.service\)\. Next backup: store (today|tomorrow) /);
  expect(after.stdout).not.toMatch(/Nothing starts the scheduled backups/);

  // The computer restarts: only what the unit says is started. The last slot passed while it was off.
  writeFileSync(path.join(tmp.home, 'schedule-state.json'), JSON.stringify({ paused: false, sources: { store: { handledUntil: new Date(Date.now() - 2 * 3_600_000).toISOString(), attempts: 0, successes: 0, failures: 0 } } }));
  const argv = [...(/^ExecStart=(.*)$/m.exec(unit)?.[1] ?? '').matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => m[1]!.replace(/\\(.)/g, '$1').replace(/%%/g, '%').replace(/\$\$/g, '$'));
  expect(argv.slice(1)).toEqual([path.resolve(CLI), '--home', tmp.home, 'daemon']);
  const daemon = spawn(argv[0]!, argv.slice(1), { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  daemon.stderr.on('data', (d: Buffer) => (log += d.toString()));
  const closed = new Promise((r) => daemon.on('close', r));
  try {
    await expect.poll(() => log, { timeout: 60_000 }).toMatch(/store: restore point \S+ taken/);
    const running = await cli(['status']);
    expect(running.stdout).toMatch(/Schedule: Scheduled backups are run by lifeboat daemon \(process \d+\); after a restart: the lifeboat daemon service/);
  } finally {
    daemon.kill('SIGTERM');
    await closed;
  }
  expect(JSON.parse((await cli(['--json', 'list'])).stdout)).toMatchObject([{ trigger: 'scheduled' }]);
  expect(JSON.parse((await cli(['--json', 'history'])).stdout)).toMatchObject([{ by: 'daemon', kind: 'backup', trigger: 'scheduled', outcome: 'ok' }]);

  expect((await cli(['daemon', 'uninstall', '--no-stop'])).stdout).toMatch(/Removed the lifeboat daemon service/);
  expect(existsSync(unitFile)).toBe(false);
  expect((await cli(['status'])).stdout).toMatch(/NOTHING starts them after a restart/);
});
