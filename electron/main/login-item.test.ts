// The Linux autostart entry starts Lifeboat hidden, with its path quoted as the spec asks.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { useTestFolder } from '../engine/testing/test-folder.ts';
import { autostartEntry, autostartFile, HIDDEN_ARG, setLinuxAutostart } from './login-item.ts';

const tmp = useTestFolder();


it('quotes the executable and starts it hidden', () => {
  expect(autostartEntry('/opt/Lifeboat/lifeboat')).toContain(`Exec="/opt/Lifeboat/lifeboat" ${HIDDEN_ARG}\n`);
  expect(autostartEntry('/home/ann/My Apps/50% "best"/Lifeboat.AppImage')).toContain('Exec="/home/ann/My Apps/50%% \\"best\\"/Lifeboat.AppImage" --hidden');
  expect(autostartEntry('/x/$HOME`id`\\y')).toContain('Exec="/x/\\$HOME\\`id\\`\\\\y" --hidden');
});

it('writes the entry under XDG_CONFIG_HOME (or ~/.config) and removes it again', async () => {
  expect(autostartFile({}, '/home/ann')).toBe('/home/ann/.config/autostart/lifeboat.desktop');
  const file = autostartFile({ XDG_CONFIG_HOME: path.join(tmp.dir, 'cfg') }, '/home/ann');
  await setLinuxAutostart(true, '/opt/Lifeboat/lifeboat', file);
  expect(readFileSync(file, 'utf8')).toMatch(/^\[Desktop Entry\]\nType=Application\n/);
  await setLinuxAutostart(false, '/opt/Lifeboat/lifeboat', file);
  expect(existsSync(file)).toBe(false);
});
