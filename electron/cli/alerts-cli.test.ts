// `lifeboat alerts` as a person runs it, against a real SMTP server and an HTTP receiver on
// 127.0.0.1: channels set up (the SMTP password from a file, kept in the secret store, never in
// settings or the log), a test through each, heartbeat pings around each backup (start, success,
// fail), a command run by cron telling a failed backup once and its fix once; and with the daemon
// running, the daemon tells it, never the command too.
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { smtpPython, startHttpReceiver, startSmtpServer, type HttpReceiver, type SmtpServer } from '../app/alerts/testing/alert-servers.ts';
import { CLI, REPO, makeBankDb, runCli } from '../engine/testing/fixtures.ts';
import { useTestFolder } from '../engine/testing/test-folder.ts';

const missing = smtpPython().missing;
const LOGIN = { user: 'owner', password: 'smtp-secret-51ab' };

describe.skipIf(missing !== undefined)('lifeboat alerts', () => {
  const tmp = useTestFolder();
  let smtp: SmtpServer;
  let http: HttpReceiver;
  beforeAll(async () => {
    [smtp, http] = await Promise.all([startSmtpServer({ login: LOGIN }), startHttpReceiver()]);
  });
  afterAll(async () => {
    await Promise.all([smtp.stop(), http.stop()]);
  });
  const cli = (args: string[]) => runCli(args, { home: tmp.home });
  const setUp = async () => {
    smtp.mails.length = 0;
    http.requests.length = 0;
    makeBankDb(tmp.db);
    const secret = path.join(tmp.dir, 'smtp-password');
    writeFileSync(secret, `${LOGIN.password}\n`);
    expect((await cli(['alerts', 'add-email', '--host', '127.0.0.1', '--port', String(smtp.port), '--security', 'none', '--user', LOGIN.user, '--password-file', secret, '--from', 'lifeboat@shop.example', '--to', 'owner@shop.example'])).code).toBe(0);
    expect((await cli(['alerts', 'add-webhook', `${http.url}/ntfy/shop`, '--text'])).code).toBe(0);
    expect((await cli(['alerts', 'add-heartbeat', `${http.url}/hc/4b1d`])).code).toBe(0);
  };

  it('sets up channels, tests each, pings around each backup, and tells a failed backup once and its fix once', async () => {
    await setUp();
    const test = await cli(['alerts', 'test']);
    expect(test.stdout).toMatch(/^ok {6}email: Sent: e-mail to owner@shop\.example\nok {6}webhook: Sent: webhook http:\/\/127\.0\.0\.1:\d+\/…\nok {6}heartbeat: Sent/);
    expect(smtp.subjects()).toEqual([expect.stringMatching(/a test alert$/)]);
    expect(smtp.mails[0]!.signedIn).toBe(true);
    expect(http.to('/ntfy/shop')).toHaveLength(1);
    expect(http.to('/hc/4b1d').map((r) => r.path)).toEqual(['/hc/4b1d']);
    // The password is in the owner-only secret store, nowhere else.
    for (const f of ['settings.json', ...readdirSync(path.join(tmp.home, 'logs')).map((l) => path.join('logs', l))]) expect(readFileSync(path.join(tmp.home, f), 'utf8')).not.toContain(LOGIN.password);
    expect(readFileSync(path.join(tmp.home, 'secrets.json'), 'utf8')).toContain(LOGIN.password);

    http.requests.length = 0;
    smtp.mails.length = 0;
    expect((await cli(['backup', tmp.db])).code).toBe(0);
    expect(http.to('/hc/').map((r) => [r.path, r.body])).toEqual([
      ['/hc/4b1d/start', expect.stringMatching(/backing up store\.db \(manual\)$/)],
      ['/hc/4b1d', expect.stringMatching(/store\.db: restore point \S+ taken and checked$/)],
    ]);
    expect(smtp.mails).toHaveLength(0); // nothing wrong: nothing told

    renameSync(tmp.db, `${tmp.db}.away`);
    for (let i = 0; i < 3; i++) expect((await cli(['backup', 'store'])).code).toBe(1); // cron trying every hour
    expect(http.to('/hc/').slice(2).map((r) => r.path)).toEqual(['/hc/4b1d/start', '/hc/4b1d/fail', '/hc/4b1d/start', '/hc/4b1d/fail', '/hc/4b1d/start', '/hc/4b1d/fail']);
    expect(smtp.subjects()).toEqual([expect.stringMatching(/: The last backup of store\.db failed: .*does not exist/)]);
    expect(http.to('/ntfy/shop').map((r) => r.body.split('\n')[0])).toEqual([expect.stringMatching(/The last backup of store\.db failed/)]);
    expect((await cli(['alerts'])).stdout).toMatch(/Told and not fixed yet:\n {2}The last backup of store\.db failed/);

    renameSync(`${tmp.db}.away`, tmp.db);
    expect((await cli(['backup', 'store'])).code).toBe(0);
    expect((await cli(['status'])).code).toBe(0);
    expect(smtp.subjects()).toEqual([expect.stringMatching(/failed/), expect.stringMatching(/: fixed: The last backup of store\.db failed/)]);
    expect(http.to('/ntfy/shop')).toHaveLength(2);
  });

  it('while the daemon runs the schedule, the daemon tells the problem and a command does not tell it too', async () => {
    await setUp();
    expect((await cli(['backup', tmp.db])).code).toBe(0);
    const daemon = spawn(process.execPath, [CLI, '--home', tmp.home, 'daemon'], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    daemon.stderr.on('data', (d: Buffer) => (log += d.toString()));
    const closed = new Promise((r) => daemon.on('close', r));
    try {
      await expect.poll(() => log, { timeout: 30_000 }).toMatch(/running the schedule and sending the alerts/);
      renameSync(tmp.db, `${tmp.db}.away`);
      smtp.mails.length = 0;
      expect((await cli(['backup', 'store'])).code).toBe(1);
      expect((await cli(['backup', 'store'])).code).toBe(1);
      // The command left it to the daemon, which reads the one history every few seconds.
      expect(smtp.mails).toHaveLength(0);
      await expect.poll(() => smtp.mails.length, { timeout: 90_000, interval: 500 }).toBe(1);
      expect(smtp.subjects()[0]).toMatch(/The last backup of store\.db failed/);
    } finally {
      daemon.kill('SIGTERM');
      await closed;
    }
    expect(smtp.mails).toHaveLength(1);
  });
});
