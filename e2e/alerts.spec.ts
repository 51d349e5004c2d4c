// Settings → Alerts in the real renderer over the real services: a webhook (plain text, as ntfy
// takes) and an e-mail channel added, main asked first (in its own dialog) where alerts will go,
// each sent a test that arrives at a real server on 127.0.0.1; the password never comes back.
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ConfirmRequest } from '../electron/app/effects.ts';
import { smtpPython, startHttpReceiver, startSmtpServer, type HttpReceiver, type SmtpServer } from '../electron/app/alerts/testing/alert-servers.ts';
import { tempDir } from '../electron/engine/testing/fixtures.ts';
import { e2eUnavailable, startHarness, type Harness } from './harness.ts';

const unavailable = e2eUnavailable() ?? smtpPython().missing;

describe.skipIf(unavailable !== undefined)('Settings → Alerts', () => {
  let t: ReturnType<typeof tempDir>;
  let h: Harness;
  let http: HttpReceiver;
  let smtp: SmtpServer;
  const confirms: ConfirmRequest[] = [];
  beforeEach(async () => {
    t = tempDir();
    [http, smtp] = await Promise.all([startHttpReceiver(), startSmtpServer({ login: { user: 'owner', password: 'pw-7c1e-secret' } })]);
    h = await startHarness(path.join(t.dir, 'home'), { confirm: async (r) => (confirms.push(r), true) });
  });
  afterEach(async () => {
    await h.close();
    await Promise.all([http.stop(), smtp.stop()]);
    t.cleanup();
  });

  it('adds a webhook and an e-mail channel, main asking first, and a test reaches each', async () => {
    const { page } = h;
    await page.getByRole('navigation').getByRole('button', { name: 'Settings' }).click();
    const card = page.getByRole('region', { name: 'Alerts' });
    await card.getByText('No alerts yet').waitFor();

    await card.getByLabel('Kind of alert').selectOption('webhook');
    await card.getByLabel(/^Address/).fill(`${http.url}/shop-alerts`);
    await card.getByRole('button', { name: 'Add', exact: true }).click();
    await card.getByText(`Webhook ${http.url}/shop-alerts (plain text)`).waitFor();
    expect(confirms.at(-1)).toMatchObject({ message: `Send Lifeboat's alerts to ${http.url}/shop-alerts?`, confirmLabel: 'Send alerts there' });

    await card.getByLabel('Kind of alert').selectOption('email');
    await card.getByLabel('Send to (e-mail addresses)').fill('owner@shop.example');
    await card.getByLabel(/^From/).fill('lifeboat@shop.example');
    await card.getByLabel('SMTP server').fill('127.0.0.1');
    await card.getByLabel('Port').fill(String(smtp.port));
    await card.getByLabel('Security').selectOption('none');
    await card.getByLabel(/^User name/).fill('owner');
    await card.getByLabel(/^Password/).fill('pw-7c1e-secret');
    await card.getByRole('button', { name: 'Add', exact: true }).click();
    const email = card.getByRole('listitem').filter({ hasText: 'E-mail to owner@shop.example' });
    await email.getByText(`E-mail to owner@shop.example through 127.0.0.1:${smtp.port} as owner`).waitFor();

    await email.getByRole('button', { name: 'Send a test' }).click();
    await email.getByText(/^Sent: e-mail to owner@shop\.example\. Check that it arrived\.$/).waitFor();
    expect(smtp.mails).toHaveLength(1);
    expect(smtp.mails[0]!.signedIn).toBe(true);
    const hook = card.getByRole('listitem').filter({ hasText: 'Webhook' });
    await hook.getByRole('button', { name: 'Send a test' }).click();
    await hook.getByText(/^Sent: webhook/).waitFor();
    expect(http.to('/shop-alerts').map((r) => r.body.split('\n')[0])).toEqual([expect.stringMatching(/a test alert$/)]);
    // The password went to main's secret store; the screen only knows one is kept.
    const seen = await page.evaluate(() => (window as unknown as { lifeboat: Record<string, (x: undefined) => Promise<unknown>> }).lifeboat['alerts:get']!(undefined));
    expect(JSON.stringify(seen)).toContain('"hasPassword":true');
    expect(JSON.stringify(seen)).not.toContain('pw-7c1e-secret');
    await h.screenshot('40-settings-alerts');
  });
});
