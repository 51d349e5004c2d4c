// Alerts against real servers on 127.0.0.1 (an SMTP server, Debian's aiosmtpd, asking for a sign-in;
// an HTTP receiver for the webhooks), over a real engine on a simulated clock: each trigger (a failed
// backup, a failed copy and a destination a day behind, backups stopped, damage found) brings exactly
// one message to each channel while it lasts, however often health is checked, and one when fixed.
// A restart sends nothing again; a server that cannot be reached is in health and the log, never a crash.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { addFolderDestination } from '../../destinations/folder/folder-kind.ts';
import { destinationKinds } from '../../destinations/registry.ts';
import { createEngine, type Engine } from '../../engine/engine.ts';
import { makeBankDb } from '../../engine/testing/fixtures.ts';
import { createSimClock, type SimClock } from '../../engine/testing/sim-clock.ts';
import { useTestFolder } from '../../engine/testing/test-folder.ts';
import { setupScheduler } from '../../schedule/setup-scheduler.ts';
import { engineHealth } from '../engine-health.ts';
import { recordEngineOperations } from '../history.ts';
import { openAlerts, saveAlertChannel } from './alert-settings.ts';
import { fileAlertState } from './alert-state.ts';
import { smtpPython, startHttpReceiver, startSmtpServer, type HttpReceiver, type SmtpServer } from './testing/alert-servers.ts';

const missing = smtpPython().missing;
if (missing) console.warn(`alert tests against SMTP skipped: ${missing}`);
const LOGIN = { user: 'owner', password: 'smtp-secret-9f2c' };
const HOUR = 3_600_000;

describe.skipIf(missing !== undefined)('alerts that leave the machine', () => {
  const tmp = useTestFolder();
  let smtp: SmtpServer;
  let http: HttpReceiver;
  let clock: SimClock;
  let engine: Engine;
  beforeAll(async () => {
    [smtp, http] = await Promise.all([startSmtpServer({ login: LOGIN }), startHttpReceiver()]);
  });
  afterAll(async () => {
    await Promise.all([smtp.stop(), http.stop()]);
  });
  beforeEach(async () => {
    smtp.mails.length = 0;
    http.requests.length = 0;
    clock = createSimClock(new Date());
    makeBankDb(tmp.db, { blobRows: 10 });
    engine = await createEngine({ dataDir: tmp.home, appVersion: '0.0.0-test', clock, storages: destinationKinds({ env: {} }).storages });
    recordEngineOperations(engine, 'cli');
    await saveAlertChannel(engine, { kind: 'email', host: '127.0.0.1', port: smtp.port, security: 'none', user: LOGIN.user, from: 'lifeboat@shop.example', to: ['owner@shop.example'] }, { password: LOGIN.password });
    await saveAlertChannel(engine, { kind: 'webhook', url: `${http.url}/hook/json` });
    await saveAlertChannel(engine, { kind: 'webhook', url: `${http.url}/hook/text`, format: 'text' });
  });
  afterEach(() => engine.close());

  /** Judges health as the app does and lets the alerts act on it (as the app does after every check). */
  const check = async (times = 1) => {
    for (let i = 0; i < times; i++) {
      const health = await engineHealth(engine, { scheduler: setupScheduler(engine, { clock }), recentJobs: engine.history.list() });
      await openAlerts(engine).evaluate(health);
    }
  };
  /** What each channel received: the e-mails' subjects, the JSON webhook's titles and events, the text webhook's first lines. */
  const received = () => ({
    mail: smtp.subjects(),
    json: http.to('/hook/json').map((r) => `${(JSON.parse(r.body) as { event: string }).event}: ${(JSON.parse(r.body) as { title: string }).title}`),
    text: http.to('/hook/text').map((r) => r.body.split('\n')[0]),
  });
  const expectEach = (subjects: RegExp[]) => {
    const r = received();
    expect(r.mail).toEqual(subjects.map((s) => expect.stringMatching(s)));
    expect(r.text).toEqual(subjects.map((s) => expect.stringMatching(s)));
    expect(r.json.map((x) => x.replace(/^\w+: /, ''))).toEqual(subjects.map((s) => expect.stringMatching(s)));
  };

  it('a failed backup: one message on each channel while it fails, one when a backup works again', async () => {
    await engine.backup({ path: tmp.db }, { trigger: 'manual' });
    await check(2);
    expect(received().mail).toEqual([]); // healthy enough: nothing to say
    renameSync(tmp.db, `${tmp.db}.away`);
    for (let i = 0; i < 3; i++) {
      await engine.backup({ sourceId: 'store' }, { trigger: 'scheduled' }).catch(() => undefined);
      await check(2);
    }
    expectEach([/^Lifeboat on .*: The last scheduled backup of store\.db failed: .*store\.db does not exist/]);
    const mail = smtp.mails[0]!;
    expect(mail).toMatchObject({ from: 'lifeboat@shop.example', to: ['owner@shop.example'], signedIn: true });
    expect(mail.data).toMatch(/What to do: Fix what it says, then click Back Up Now\./);
    const json = JSON.parse(http.to('/hook/json')[0]!.body) as Record<string, unknown>;
    expect(json).toMatchObject({ source: 'lifeboat', event: 'problem', problem: { topic: 'backup-failed', sourceId: 'store', level: 'error' }, text: expect.stringMatching(/store\.db failed/) });
    expect(http.to('/hook/text')[0]!.headers).toMatchObject({ 'content-type': 'text/plain; charset=utf-8', priority: 'high' });

    renameSync(`${tmp.db}.away`, tmp.db);
    await engine.backup({ sourceId: 'store' }, { trigger: 'scheduled' });
    await check(3);
    expectEach([/failed/, /^Lifeboat on .*: fixed: The last scheduled backup of store\.db failed/]);
    expect(JSON.parse(http.to('/hook/json')[1]!.body)).toMatchObject({ event: 'fixed', problem: { topic: 'backup-failed' } });
    // The password went to the server, never to settings or the log.
    expect(readFileSync(path.join(tmp.home, 'settings.json'), 'utf8')).not.toContain(LOGIN.password);
  });

  it('backups stopped: told once they have been missing over twice the interval (after a hold), fixed by the next backup; a restart sends nothing again', async () => {
    engine.close();
    makeBankDb(tmp.db);
    engine = await createEngine({ dataDir: tmp.home, appVersion: '0.0.0-test', clock, storages: destinationKinds({ env: {} }).storages });
    await engine.sources.add(tmp.db, { schedule: { kind: 'hourly', minute: 0 } });
    await engine.backup({ sourceId: 'store' }, { trigger: 'scheduled' });
    clock.jump(2.5 * HOUR);
    await check(2);
    expect(received().mail).toEqual([]); // first seen now: the catch-up after a start gets its 15 minutes
    clock.jump(16 * 60_000);
    await check(3);
    expectEach([/store\.db has had no good backup for 2 hours, though its schedule runs every hour/]);
    // A restart (a new process over the same data folder) knows it was told.
    engine.close();
    engine = await createEngine({ dataDir: tmp.home, appVersion: '0.0.0-test', clock, storages: destinationKinds({ env: {} }).storages });
    await check(2);
    expect(received().mail).toHaveLength(1);
    await engine.backup({ sourceId: 'store' }, { trigger: 'scheduled' });
    await check(2);
    expectEach([/no good backup/, /fixed: store\.db has had no good backup/]);
  });

  it('a failed copy at once, the destination a day behind after a day; both fixed when the copies arrive', async () => {
    const usb = path.join(tmp.dir, 'usb');
    mkdirSync(usb);
    await addFolderDestination(engine, usb, { id: 'usb' });
    const first = await engine.backup({ path: tmp.db }, { trigger: 'manual' });
    expect((await engine.uploadNew(first)).map((r) => r.status)).toEqual(['completed']);
    renameSync(usb, `${usb}-unplugged`);
    const second = await engine.backup({ sourceId: 'store' }, { trigger: 'manual' });
    expect((await engine.uploadNew(second)).map((r) => r.status)).toEqual(['failed']);
    await check(2);
    expectEach([/1 copy to .*usb failed/]);
    clock.jump(25 * HOUR);
    await check(2);
    expectEach([/1 copy to .*usb failed/, /usb is 25 hours behind: restore points wait to be copied there/]);
    renameSync(`${usb}-unplugged`, usb);
    await engine.push();
    await check(3);
    const r = received();
    expect(r.mail).toHaveLength(4);
    expect(r.mail.slice(2)).toEqual(expect.arrayContaining([expect.stringMatching(/fixed: 1 copy to .*usb failed/), expect.stringMatching(/fixed: .*usb is 25 hours behind/)]));
    expect(r.text).toHaveLength(4);
    expect(r.json).toHaveLength(4);
  });

  it('damage found by verification: one message, and one when the restore point checks out again', async () => {
    // A whole-file restore point, damaged by hand (the page store's damage has tests of its own).
    const m = await engine.backup({ path: tmp.db }, { trigger: 'manual', pages: false });
    const artifact = path.join(tmp.home, 'vault', m.artifact.path);
    const good = readFileSync(artifact);
    const bad = Buffer.from(good);
    bad[bad.length - 100] = (bad[bad.length - 100] ?? 0) ^ 0xff;
    writeFileSync(artifact, bad);
    expect((await engine.verify(m.id)).status).toBe('failed');
    await check(3);
    expectEach([/store\.db: the newest restore point failed verification/]);
    writeFileSync(artifact, good);
    expect((await engine.verify(m.id)).status).toBe('ok');
    await check(2);
    expectEach([/failed verification/, /fixed: store\.db: the newest restore point failed verification/]);
  });

  it('a server that cannot be reached is told in health and the log, retried later, and never throws', async () => {
    await engine.backup({ path: tmp.db }, { trigger: 'manual' });
    const port = smtp.port;
    await smtp.stop();
    http.answer(503);
    renameSync(tmp.db, `${tmp.db}.away`);
    await engine.backup({ sourceId: 'store' }, { trigger: 'manual' }).catch(() => undefined);
    await check(2);
    const alerts = openAlerts(engine);
    expect(alerts.undelivered()).toEqual([
      { channel: 'e-mail to owner@shop.example', error: `The SMTP server 127.0.0.1:${port} could not be reached: the connection was refused` },
      { channel: `webhook ${http.url}/…`, error: `The webhook at ${http.url}/… answered 503 Service Unavailable` },
      { channel: `webhook ${http.url}/…`, error: `The webhook at ${http.url}/… answered 503 Service Unavailable` },
    ]);
    const health = await engineHealth(engine, { scheduler: setupScheduler(engine, { clock }), recentJobs: engine.history.list(), undeliveredAlerts: alerts.undelivered() });
    expect(health.reasons.filter((r) => r.topic === 'alerts-undelivered').map((r) => r.text)).toContain(`Alerts could not be sent by e-mail to owner@shop.example: The SMTP server 127.0.0.1:${port} could not be reached: the connection was refused.`);
    // Back, but the retry waits for its backoff; then the message goes once.
    smtp = await startSmtpServer({ port, login: LOGIN });
    http.answer(200);
    http.requests.length = 0;
    await check();
    expect(smtp.mails).toHaveLength(0);
    clock.jump(61_000);
    await check(3);
    expectEach([/The last backup of store\.db failed/]);
    expect(openAlerts(engine).undelivered()).toEqual([]);
    expect(Object.values(fileAlertState(tmp.home).read().channels).every((c) => c.ok)).toBe(true);
  });

  it('sends a test through each channel, and says why one cannot be reached', async () => {
    const alerts = openAlerts(engine);
    expect(await alerts.test('email')).toEqual({ ok: true, message: 'Sent: e-mail to owner@shop.example' });
    expect(await alerts.test('webhook-2')).toMatchObject({ ok: true });
    expect(smtp.subjects()).toEqual([expect.stringMatching(/^Lifeboat on .*: a test alert$/)]);
    expect(http.to('/hook/text')[0]!.body).toMatch(/This is a test from Lifeboat/);
    const gone = await startHttpReceiver();
    await gone.stop(); // nothing listens there any more
    await saveAlertChannel(engine, { kind: 'webhook', url: `${gone.url}/hook` });
    expect(await openAlerts(engine).test('webhook-3')).toEqual({ ok: false, message: `The webhook at ${gone.url}/… could not be reached: the connection was refused` });
    await saveAlertChannel(engine, { id: 'email', kind: 'email', host: '127.0.0.1', port: smtp.port, security: 'none', user: LOGIN.user, from: 'lifeboat@shop.example', to: ['owner@shop.example'] }, { password: 'wrong' });
    expect(await openAlerts(engine).test('email')).toEqual({ ok: false, message: 'The SMTP server 127.0.0.1 refused the sign-in of owner' });
  });
});
