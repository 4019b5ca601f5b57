import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, seriousViolations, type RunningBrowser } from '../support/browser.js';
import { startSystem, type RunningSystem } from '../support/system.js';

/**
 * Unsubscribe links as people and mail clients use them, against `npm start`: the header
 * generator CLI makes the link, a real browser (chromium) opens it and presses the button, a mail
 * client's one-click POST goes straight to it, and the check API says what is suppressed.
 */

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const dataDir = mkdtempSync(join(tmpdir(), 'optout-hub-email-'));
const API_KEY = 'email-e2e-key-0123456789';
const TOKEN_KEYS = `e2e:${randomBytes(32).toString('base64')}`;
let system: RunningSystem;
let chromium: RunningBrowser;

beforeAll(async () => {
  system = await startSystem({
    dataDir,
    env: { API_KEYS: `e2e:${API_KEY}:check`, PURPOSES: 'newsletter,product-updates', UNSUBSCRIBE_TOKEN_KEYS: TOKEN_KEYS },
  });
  // No JavaScript: the page must work without it.
  chromium = await launchChromium({ javaScriptEnabled: false });
});

afterAll(async () => {
  await chromium?.close();
  await system?.interrupt();
  rmSync(dataDir, { recursive: true, force: true });
});

/** `optout-hub unsubscribe-headers`, as a sender runs it. */
async function headersFor(email: string, topic: string): Promise<{ output: string; url: string }> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['bin/optout-hub.mjs', 'unsubscribe-headers', '--email', email, '--topic', topic, '--mailto', 'unsubscribe@example.com'],
    {
      cwd: root,
      env: { ...process.env, UNSUBSCRIBE_TOKEN_KEYS: TOKEN_KEYS, PUBLIC_BASE_URL: system.url, PURPOSES: 'newsletter,product-updates' },
    },
  );
  const url = /^List-Unsubscribe: <([^>]+)>/m.exec(stdout)?.[1];
  if (!url) throw new Error(`no link in: ${stdout}`);
  return { output: stdout, url };
}

async function suppressed(address: string, purpose: string): Promise<boolean> {
  const response = await fetch(`${system.url}/v1/suppressions/email/${encodeURIComponent(address)}?purpose=${purpose}`, { headers: { 'x-api-key': API_KEY } });
  expect(response.status).toBe(200);
  return ((await response.json()) as { suppressed: boolean }).suppressed;
}

describe('unsubscribe links end to end', () => {
  it('a person opens the link in a browser, presses the button and is unsubscribed from that topic only', async () => {
    const address = `ann.${randomBytes(4).toString('hex')}@example.com`;
    const { output, url } = await headersFor(address, 'newsletter');
    expect(output).toContain('List-Unsubscribe-Post: List-Unsubscribe=One-Click');
    expect(output).toContain('<mailto:unsubscribe@example.com?subject=unsubscribe>');

    // A link scanner fetching the page first changes nothing.
    for (let i = 0; i < 3; i++) expect((await fetch(url)).status).toBe(200);
    expect(await suppressed(address, 'newsletter')).toBe(false);

    const page = await chromium.context.newPage();
    try {
      await page.goto(url);
      expect(await page.locator('html').getAttribute('lang')).toBe('en');
      expect(await page.textContent('main')).toContain(address);
      expect(await suppressed(address, 'newsletter')).toBe(false);
      await page.getByRole('button', { name: 'Unsubscribe' }).click();
      await page.getByRole('heading', { name: 'You are unsubscribed' }).waitFor();
      expect(page.url()).toBe(url);
      expect(await page.textContent('main')).toContain('“newsletter” email');
      expect(await page.locator('time').getAttribute('datetime')).toMatch(/^\d{4}-\d\d-\d\dT/);
    } finally {
      await page.close();
    }

    // axe-core runs as a script, so both pages are checked again in a browser with JavaScript on
    // (pressing the button again records nothing new: the same link is the same request).
    const scripted = await launchChromium();
    try {
      const checked = await scripted.context.newPage();
      await checked.goto(url);
      expect(await seriousViolations(checked)).toEqual([]);
      await checked.getByRole('button', { name: 'Unsubscribe' }).click();
      await checked.getByRole('heading', { name: 'You are unsubscribed' }).waitFor();
      expect(await seriousViolations(checked)).toEqual([]);
    } finally {
      await scripted.close();
    }

    expect(await suppressed(address, 'newsletter')).toBe(true);
    expect(await suppressed(address, 'product-updates')).toBe(false);
    expect(await suppressed(address, 'marketing')).toBe(false);
  });

  it("a mail client's one-click POST unsubscribes at once: 200, no redirect, no cookie", async () => {
    const address = `bob.${randomBytes(4).toString('hex')}@example.com`;
    const { url } = await headersFor(address, 'product-updates');
    const form = new FormData();
    form.append('List-Unsubscribe', 'One-Click');
    const response = await fetch(url, { method: 'POST', body: form, redirect: 'manual' });
    expect(response.status).toBe(200);
    expect(response.headers.get('location')).toBeNull();
    expect(response.headers.get('set-cookie')).toBeNull();
    expect(await suppressed(address, 'product-updates')).toBe(true);
    expect(await suppressed(address, 'newsletter')).toBe(false);

    const tampered = url.replace(/.$/, (last) => (last === 'A' ? 'B' : 'A'));
    const refused = await fetch(tampered, {
      method: 'POST',
      body: 'List-Unsubscribe=One-Click',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(refused.status).toBe(400);
    expect(refused.headers.get('content-type')).toBe('application/problem+json');
  });
});
