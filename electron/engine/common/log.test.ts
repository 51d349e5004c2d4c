// The log: what ran, how it ended and every error's details, for support; size-capped and rotated;
// never a secret.
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { LOG_DIR, logFiles, openLog, readLog } from './log.ts';
import { makeBankDb, runCli, setSetting } from '../testing/fixtures.ts';
import { useTestFolder } from '../testing/test-folder.ts';

const tmp = useTestFolder();
const PASSPHRASE = 'correct horse battery staple';
const allLogText = () => readdirSync(path.join(tmp.home, LOG_DIR)).map((f) => readFileSync(path.join(tmp.home, LOG_DIR, f), 'utf8')).join('');

it('records each command, what the engine did and how it ended, with error details; `lifeboat log` shows it', async () => {
  makeBankDb(tmp.db);
  await setSetting(tmp.home, 'scryptWorkFactor', 10);
  const env = { LIFEBOAT_PASSPHRASE: PASSPHRASE };
  expect((await runCli(['backup', tmp.db, '--encrypt'], { home: tmp.home, env })).code).toBe(0);
  expect((await runCli(['backup', path.join(tmp.dir, 'missing.db')], { home: tmp.home })).code).toBe(1);
  const entries = await readLog(tmp.home, 100);
  const messages = entries.map((e) => e.msg);
  expect(messages).toEqual(expect.arrayContaining(['command', 'restore point taken', 'command finished', 'command failed']));
  const taken = entries.find((e) => e.msg === 'restore point taken')!;
  expect(taken).toMatchObject({ process: 'cli', level: 'info', source: 'store', format: 'pages', integrity: 'ok' });
  const failed = entries.find((e) => e.msg === 'command failed')!;
  expect(failed).toMatchObject({ level: 'error', exit: 1, err: { code: 'not-found', message: expect.stringMatching(/missing\.db does not exist/), hint: expect.any(String), stack: expect.any(String) } });
  // Never the passphrase, though the command had it in its environment.
  expect(allLogText()).not.toContain(PASSPHRASE);

  // For a person: one line per event, the time as they write it, which program, what and how it ended.
  const shown = await runCli(['log', '-n', '10'], { home: tmp.home, env: { LANG: 'en_US.UTF-8' } });
  expect(shown.code).toBe(0);
  const lines = shown.stdout.trim().split('\n');
  expect(lines.length).toBeGreaterThanOrEqual(6); // the two commands' lines: started, what the engine did, how each ended
  for (const line of lines) expect(line).toMatch(/^\d{1,2}\/\d{1,2}\/\d{2}, \d{1,2}:\d{2}:\d{2}\s[AP]M {2}command line {2}\S/);
  expect(shown.stdout).toMatch(/command line {2}Ran `lifeboat .*backup .*store\.db --encrypt`\n/);
  expect(shown.stdout).toMatch(/command line {2}Restore point \S+ of store taken \(manual, .*\): ok\n/);
  expect(shown.stdout).toMatch(/command line {2}ERROR Failed: .*missing\.db does not exist/);
  expect(shown.stdout).not.toMatch(/source=|"level"/);
  const json = JSON.parse((await runCli(['--json', 'log', '-n', '3'], { home: tmp.home })).stdout) as unknown[];
  expect(json).toHaveLength(3);
});

it('rotates at its size limit and keeps only the configured number of older files', async () => {
  await setSetting(tmp.home, 'logMaxBytes', 3000);
  await setSetting(tmp.home, 'logFiles', 2);
  for (let i = 0; i < 12; i++) await runCli(['status'], { home: tmp.home });
  const files = await logFiles(tmp.home);
  expect(files.length).toBeGreaterThan(1);
  expect(files.length).toBeLessThanOrEqual(3); // the current file and 2 older ones
  for (const f of files) expect(statSync(f).size).toBeLessThan(3000 + 4000); // one command's lines past the limit at most
  expect(statSync(files.at(-1)!).mode & 0o777).toBe(0o600);
});

it('replaces secret-sounding fields and scrubs the secrets it knows from any text', async () => {
  const log = await openLog(tmp.home, { process: 'test', secrets: ['hunter2-token-value'] });
  log.info('connected', { passphrase: 'p1', google: { refreshToken: 'r1', clientSecret: 's1' }, note: 'the token is hunter2-token-value' });
  log.error('failed', new Error('request with hunter2-token-value refused'));
  await log.close();
  const text = allLogText();
  for (const value of ['"p1"', '"r1"', '"s1"', 'hunter2-token-value']) expect(text).not.toContain(value);
  const [connected] = await readLog(tmp.home, 2);
  expect(connected).toMatchObject({ passphrase: '[secret]', google: { refreshToken: '[secret]', clientSecret: '[secret]' }, note: 'the token is [secret]' });
});

it.runIf(existsSync('/dev/full'))('a log on a full disk neither throws into what is logging nor keeps the command from ending', async () => {
  // /dev/full answers every write with ENOSPC, as a full disk does.
  mkdirSync(path.join(tmp.home, LOG_DIR), { recursive: true });
  symlinkSync('/dev/full', path.join(tmp.home, LOG_DIR, 'lifeboat.1.log'));
  const log = await openLog(tmp.home, { process: 'cli' });
  expect(() => log.info('command', { argv: ['status'] })).not.toThrow();
  expect(() => log.error('command failed', new Error('disk full'))).not.toThrow();
  await log.close(); // sonic-boom's flushSync would retry the unwritten lines forever
});
