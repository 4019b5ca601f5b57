import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import twilioWebhooks from 'twilio/lib/webhooks/webhooks.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localDefaults } from '../../infra/local/runtime.js';
import { launchChromium, seriousViolations, type RunningBrowser } from '../support/browser.js';
import { phoneNumbers } from '../support/phones.js';
import { startSystem, type RunningSystem } from '../support/system.js';

/**
 * The console in Debian's Chromium against `npm start`: an agent finds a number that texted STOP,
 * records a mailed opt-out, and the check API agrees; a viewer cannot record; a POST without the
 * CSRF token is refused; an admin's revoked key stops working; every page has no serious axe-core
 * violation. Screenshots of each page go to test-artifacts/console/ (git-ignored).
 */

const dataDir = mkdtempSync(join(tmpdir(), 'optout-hub-console-'));
const screenshots = join(import.meta.dirname, '..', '..', 'test-artifacts', 'console');
const randomPhone = phoneNumbers('628');
let system: RunningSystem;
let browser: RunningBrowser;

beforeAll(async () => {
  mkdirSync(screenshots, { recursive: true });
  [system, browser] = await Promise.all([startSystem({ dataDir }), launchChromium()]);
});

afterAll(async () => {
  await browser?.close();
  await system?.interrupt();
  rmSync(dataDir, { recursive: true, force: true });
});

async function textStop(from: string) {
  const sid = `SM${randomBytes(16).toString('hex')}`;
  const params = { MessageSid: sid, SmsSid: sid, AccountSid: `AC${randomBytes(16).toString('hex')}`, From: from, To: '+15017250604', Body: 'STOP' };
  const url = `${system.url}/webhooks/sms/twilio`;
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': twilioWebhooks.getExpectedTwilioSignature(localDefaults.TWILIO_AUTH_TOKEN, url, params),
    },
    body: new URLSearchParams(params).toString(),
  });
  expect(response.status).toBe(200);
}

async function checkApi(channel: string, address: string, key: string = localDefaults.API_KEY) {
  return fetch(`${system.url}/v1/suppressions/${channel}/${encodeURIComponent(address)}`, { headers: { 'x-api-key': key } });
}

async function signIn(page: Page, user: string, role: string) {
  await page.goto(`${system.url}/console/sign-in`);
  await expect(page.getByRole('note').textContent()).resolves.toContain('Development sign-in');
  await page.getByLabel('User name').fill(user);
  await page.getByLabel('Role').selectOption(role);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${system.url}/console`);
}

/** Zero serious or critical violations, at desktop and at a phone's width, and a screenshot. */
async function checkPage(page: Page, name: string) {
  expect(await seriousViolations(page)).toEqual([]);
  await page.screenshot({ path: join(screenshots, `${name}.png`), fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  expect(await seriousViolations(page)).toEqual([]);
  expect(await page.locator('html').evaluate((root) => root.scrollWidth)).toBeLessThanOrEqual(390);
  await page.screenshot({ path: join(screenshots, `${name}-phone.png`), fullPage: true });
  await page.setViewportSize({ width: 1280, height: 900 });
}

describe('console', () => {
  it('an agent finds a number that texted STOP, records a mailed opt-out for an email, and the check API says suppressed', async () => {
    const phone = randomPhone();
    const email = `letter-${randomBytes(4).toString('hex')}@example.com`;
    await textStop(phone);
    const page = await browser.context.newPage();
    await page.setViewportSize({ width: 1280, height: 900 });
    expect(system.output()).toContain(`${system.url}/console`);
    // Not signed in: sent to the sign-in page, which says the development sign-in is on.
    await page.goto(`${system.url}/console`);
    expect(new URL(page.url()).pathname).toBe('/console/sign-in');
    await checkPage(page, 'sign-in');
    await signIn(page, 'agent-ann', 'agent');
    await checkPage(page, 'search');

    // The search is a POST: the number never appears in a URL.
    await page.getByLabel('Phone number').fill(phone);
    await page.getByRole('button', { name: 'Find by phone' }).click();
    await page.waitForURL(/\/console\/people\/p-/);
    expect(page.url()).not.toContain(phone.slice(2));
    const matrix = page.getByRole('region', { name: 'Preferences by channel and purpose' });
    await expect(matrix.getByRole('row', { name: /^sms/ }).textContent()).resolves.toMatch(/suppressed.*since.*event sms\.twilio\.SM/s);
    const timeline = page.locator('ol.timeline > li');
    await expect(timeline.count()).resolves.toBe(1);
    await expect(timeline.first().textContent()).resolves.toMatch(/opt-out on sms.*sms-keyword via twilio/s);
    await expect(page.getByRole('region', { name: 'Distribution of request 1' }).textContent()).resolves.toMatch(/deadline|due/);
    await checkPage(page, 'person');

    await page.getByRole('link', { name: 'Record a request' }).click();
    await checkPage(page, 'record-request');
    await page.getByRole('checkbox', { name: 'email' }).check();
    await page.getByLabel('Email address').fill(email);
    await page.getByLabel('How it was made').selectOption('letter');
    await page.getByLabel(/^Reference/).fill('scan-2026-17');
    await page.getByRole('button', { name: 'Record the request' }).click();
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Request recorded');
    await expect(page.getByRole('status').textContent()).resolves.toContain('Recorded: applied');
    const deadlines = page.getByRole('region', { name: 'Target and deadline per channel' });
    await expect(deadlines.textContent()).resolves.toMatch(new RegExp(`email.*${email.replace('.', '\\.')}.*pending, due \\d{4}-`, 's'));
    await checkPage(page, 'receipt');

    const answer = (await (await checkApi('email', email)).json()) as { suppressed: boolean };
    expect(answer.suppressed).toBe(true);

    // The request is in the person's history with who keyed it in, and the console log says so.
    await page.getByRole('link', { name: /^p-/ }).click();
    const recorded = await page.locator('ol.timeline > li').first().textContent();
    expect(recorded).toContain('request via console');
    expect(recorded).toContain('collectedBy: agent-ann');
    expect(recorded).toContain('reference: scan-2026-17');
    const log = page.getByRole('region', { name: 'Console actions about this person' });
    await expect(log.textContent()).resolves.toMatch(/agent-ann.*record-request/s);
    await page.close();
  });

  it('a viewer reads but cannot record a request, and the refusal is logged', async () => {
    const email = `viewer-${randomBytes(4).toString('hex')}@example.com`;
    const page = await browser.context.newPage();
    await signIn(page, 'vera-viewer', 'viewer');
    await expect(page.getByRole('link', { name: 'Record a request' }).count()).resolves.toBe(0);
    const form = await page.goto(`${system.url}/console/requests/new`);
    expect(form?.status()).toBe(403);
    await expect(page.getByRole('alert').textContent()).resolves.toContain('The viewer role may not do this');
    await checkPage(page, 'forbidden');
    await page.goto(`${system.url}/console`);
    // Even with this session's own CSRF token, the POST is refused and nothing is written.
    const csrf = await page.locator('input[name=csrf]').first().getAttribute('value');
    const refused = await page.request.post(`${system.url}/console/requests`, {
      headers: { accept: 'text/html' },
      form: { csrf: csrf!, requestId: `viewer-${email}`, kind: 'opt-out', channels: 'email', email, occurredAt: new Date().toISOString().slice(0, 16) },
    });
    expect(refused.status()).toBe(403);
    expect(((await (await checkApi('email', email)).json()) as { suppressed: boolean }).suppressed).toBe(false);
    await page.goto(`${system.url}/console/activity`);
    await expect(page.getByRole('region', { name: /Console actions on/ }).textContent()).resolves.toMatch(/vera-viewer.*record-request.*refused/s);
    await checkPage(page, 'activity');
    await page.close();
  });

  it('refuses a state change without the CSRF token, or with another session’s', async () => {
    const email = `csrf-${randomBytes(4).toString('hex')}@example.com`;
    const page = await browser.context.newPage();
    await signIn(page, 'agent-bo', 'agent');
    const body = { requestId: `csrf-${email}`, kind: 'opt-out', channels: 'email', email, occurredAt: new Date().toISOString().slice(0, 16) };
    const missing = await page.request.post(`${system.url}/console/requests`, { form: body });
    expect(missing.status()).toBe(403);
    expect(missing.headers()['content-type']).toBe('application/problem+json');
    const wrong = await page.request.post(`${system.url}/console/requests`, { form: { ...body, csrf: randomBytes(32).toString('base64url') } });
    expect(wrong.status()).toBe(403);
    // This session's own token, sent from a page of another site: refused too.
    const csrf = (await page.locator('input[name=csrf]').first().getAttribute('value'))!;
    const crossSite = await page.request.post(`${system.url}/console/requests`, { form: { ...body, csrf }, headers: { origin: 'https://attacker.example' } });
    expect(crossSite.status()).toBe(403);
    // Without a session cookie at all, the same POST is 401.
    const anonymous = await fetch(`${system.url}/console/requests`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(body).toString(),
    });
    expect(anonymous.status).toBe(401);
    expect(((await (await checkApi('email', email)).json()) as { suppressed: boolean }).suppressed).toBe(false);
    await page.close();
  });

  it('an admin creates a key, it works, the admin revokes it, and it stops working', async () => {
    const page = await browser.context.newPage();
    await signIn(page, 'ada-admin', 'compliance-admin');
    await page.getByRole('link', { name: 'API keys' }).click();
    await page.getByLabel('Name').fill('console test key');
    await page.getByRole('checkbox', { name: 'check' }).check();
    await page.getByRole('button', { name: 'Create' }).click();
    const key = (await page.locator('code.secret').textContent())!;
    expect(key).toMatch(/^ohk_/);
    await checkPage(page, 'api-keys');
    expect((await checkApi('sms', '+14155550100', key)).status).toBe(200);
    await page.getByRole('button', { name: 'Revoke console test key' }).click();
    await page.waitForURL(`${system.url}/console/api-keys`);
    await expect(page.getByRole('region', { name: 'Issued API keys' }).textContent()).resolves.toMatch(/console test key.*revoked/s);
    expect((await checkApi('sms', '+14155550100', key)).status).toBe(401);
    await page.close();
  });

  it('an admin exports the proof as HTML and as PDF; a viewer may not', async () => {
    const phone = randomPhone();
    await textStop(phone);
    const page = await browser.context.newPage();
    await signIn(page, 'ada-admin', 'compliance-admin');
    await page.getByLabel('Phone number').fill(phone);
    await page.getByRole('button', { name: 'Find by phone' }).click();
    await page.waitForURL(/\/console\/people\/p-/);
    const personPath = new URL(page.url()).pathname;
    const downloaded = async (name: string) => {
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name }).click()]);
      const chunks: Buffer[] = [];
      for await (const chunk of (await download.createReadStream()) as AsyncIterable<Buffer>) chunks.push(chunk);
      return { file: download.suggestedFilename(), body: Buffer.concat(chunks).toString('latin1') };
    };
    const html = await downloaded('Export the proof as HTML');
    expect(html.file).toMatch(/^optout-proof-p-.*\.html$/);
    expect(html.body).toContain(phone);
    const pdf = await downloaded('Export the proof as PDF');
    expect(pdf.file).toMatch(/^optout-proof-p-.*\.pdf$/);
    expect(pdf.body.startsWith('%PDF-1.4')).toBe(true);
    expect(pdf.body).toContain(`phone ${phone}`);
    await signIn(page, 'vera-viewer', 'viewer');
    expect((await page.request.get(`${system.url}${personPath}/proof?format=pdf`)).status()).toBe(403);
    await page.close();
  });

  it('the health, SLA and keyword pages work and are accessible', async () => {
    // An integration acks a fresh STOP: it shows in the acks per integration.
    const phone = randomPhone();
    await textStop(phone);
    let acked: { counts: { acked: number } } | undefined;
    for (let attempt = 0; attempt < 50 && !acked?.counts.acked; attempt++) {
      if (attempt) await new Promise((resolve) => setTimeout(resolve, 200));
      const response = await fetch(`${system.url}/v1/acks`, {
        method: 'POST',
        headers: { 'x-api-key': localDefaults.API_KEY, 'content-type': 'application/json' },
        body: JSON.stringify({ integration: 'sms-gateway-sync', applied: [{ channel: 'sms', address: phone, version: 1 }] }),
      });
      acked = (await response.json()) as { counts: { acked: number } };
    }
    expect(acked?.counts.acked).toBe(1);
    const page = await browser.context.newPage();
    await signIn(page, 'ada-admin', 'compliance-admin');
    await page.getByRole('link', { name: 'SLA and health' }).click();
    await expect(page.getByRole('table', { name: 'Tables' }).textContent()).resolves.toMatch(/preferences.*ok/s);
    await expect(page.getByRole('img', { name: /Messages waiting on each dead-letter queue/ }).count()).resolves.toBe(1);
    await page.getByRole('button', { name: 'Run the SLA and drift check now' }).click();
    await expect(page.getByRole('region', { name: 'SLA and drift per channel' }).textContent()).resolves.toMatch(/sms/);
    // The changes this file made are in the propagation table and the backlog chart (nobody acked them).
    const latency = page.getByRole('region', { name: 'Propagation latency per channel' });
    await expect(latency.getByRole('row', { name: /^sms/ }).textContent()).resolves.toMatch(/^sms[1-9]/);
    await expect(page.getByRole('img', { name: /^Backlog: .*[1-9]\d*$/ }).count()).resolves.toBe(1);
    await expect(
      page
        .getByRole('region', { name: 'Acks per integration' })
        .getByRole('row', { name: /sms-gateway-sync/ })
        .textContent(),
    ).resolves.toMatch(/^smssms-gateway-sync1\d+/);
    await checkPage(page, 'health');
    await page.getByRole('link', { name: 'Keyword tester' }).click();
    await page.getByLabel('Text message').fill('please stop texting me');
    await page.getByRole('button', { name: 'Test' }).click();
    await expect(page.getByRole('status').textContent()).resolves.toMatch(/Opt-out.*revocation phrase/s);
    await checkPage(page, 'keywords');
    await page.close();
  });
});
