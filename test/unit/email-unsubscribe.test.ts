import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BadRequestError } from '../../shared/core/errors.js';
import { formatHeaders, unsubscribeHeaders } from '../../shared/intake/email/headers.js';
import { renderChoicePage, renderDonePage, renderInvalidPage } from '../../shared/intake/email/page.js';
import { parseTokenKeys, verifyUnsubscribeToken } from '../../shared/intake/email/tokens.js';
import { readUnsubscribePost, signalsFromUnsubscribe } from '../../shared/intake/email/unsubscribe.js';

const keys = parseTokenKeys(`k1:${randomBytes(32).toString('base64')}`);
const ISSUED = new Date('2026-02-01T00:00:00Z');

afterEach(() => vi.unstubAllEnvs());

describe('List-Unsubscribe headers', () => {
  it('give one HTTPS link, an optional mailto, and the one-click header', () => {
    const headers = unsubscribeHeaders({
      email: 'Ann@Example.com',
      purpose: 'marketing',
      baseUrl: 'https://hub.example.com/',
      keys,
      mailto: 'unsub@example.com',
      issuedAt: ISSUED,
    });
    expect(headers.url).toMatch(/^https:\/\/hub\.example\.com\/unsubscribe\/[A-Za-z0-9_.-]+$/);
    expect(headers['List-Unsubscribe']).toBe(`<${headers.url}>, <mailto:unsub@example.com?subject=unsubscribe>`);
    expect(formatHeaders(headers)).toBe(
      `List-Unsubscribe: <${headers.url}>, <mailto:unsub@example.com?subject=unsubscribe>\nList-Unsubscribe-Post: List-Unsubscribe=One-Click`,
    );
    const token = headers.url.split('/').pop()!;
    expect(verifyUnsubscribeToken(keys, token, ISSUED, 400)).toMatchObject({ email: 'ann@example.com', purpose: 'marketing' });
  });

  it('keep a base path and refuse a mailto that is not a mailbox', () => {
    expect(unsubscribeHeaders({ email: 'a@example.com', purpose: 'marketing', baseUrl: 'https://x.example/prod', keys }).url).toMatch(
      /^https:\/\/x\.example\/prod\/unsubscribe\//,
    );
    expect(() => unsubscribeHeaders({ email: 'a@example.com', purpose: 'marketing', baseUrl: 'https://x.example', keys, mailto: 'not a mailbox' })).toThrow(
      BadRequestError,
    );
  });
});

describe('the unsubscribe page', () => {
  it('is accessible HTML without script: language, viewport, one form posting to the same URL, a labelled option', () => {
    const html = renderChoicePage({ email: 'ann@example.com', purpose: 'newsletter' });
    expect(html).toContain('<html lang="en">');
    expect(html).toContain('name="viewport"');
    expect(html).not.toMatch(/<script|javascript:|\son\w+=/i);
    expect(html.match(/<form /g)).toHaveLength(1);
    expect(html).toMatch(/<form method="post">/);
    expect(html).toContain('<input type="hidden" name="List-Unsubscribe" value="One-Click">');
    expect(html).toMatch(/<label><input type="checkbox" name="scope" value="all-marketing"> Also unsubscribe from all marketing email<\/label>/);
    expect(html).toContain('ann@example.com');
    expect(html).toContain('“newsletter” email');
  });

  it('offers no broader option when the link is already for all marketing, and escapes what it shows', () => {
    expect(renderChoicePage({ email: 'ann@example.com', purpose: 'marketing' })).not.toContain('type="checkbox"');
    expect(renderChoicePage({ email: '<b>"x"@example.com', purpose: 'marketing' })).toContain('&lt;b&gt;&quot;x&quot;@example.com');
    expect(renderInvalidPage('<script>')).not.toContain('<script>');
  });

  it('confirms what was done and when', () => {
    const html = renderDonePage({ email: 'ann@example.com', purposes: ['newsletter', 'marketing'], at: ISSUED });
    expect(html).toContain('“newsletter” email and all marketing email');
    expect(html).toContain(`datetime="${ISSUED.toISOString()}"`);
  });
});

describe('the one-click POST body', () => {
  it('is read from x-www-form-urlencoded and from multipart/form-data', async () => {
    expect(await readUnsubscribePost('application/x-www-form-urlencoded', 'List-Unsubscribe=One-Click')).toEqual({ allMarketing: false });
    const form = new FormData();
    form.append('List-Unsubscribe', 'One-Click');
    // Encoded by the platform, boundary and all, as a mail client would send it.
    const request = new Request('https://hub.example.com/', { method: 'POST', body: form });
    const contentType = request.headers.get('content-type')!;
    expect(contentType).toMatch(/^multipart\/form-data; boundary=/);
    expect(await readUnsubscribePost(contentType, await request.text())).toEqual({ allMarketing: false });
    expect(await readUnsubscribePost('application/x-www-form-urlencoded', 'List-Unsubscribe=One-Click&scope=all-marketing')).toEqual({ allMarketing: true });
  });

  it('refuses anything else', async () => {
    await expect(readUnsubscribePost('application/x-www-form-urlencoded', '')).rejects.toThrow(BadRequestError);
    await expect(readUnsubscribePost('application/x-www-form-urlencoded', 'List-Unsubscribe=Yes')).rejects.toThrow(BadRequestError);
    await expect(readUnsubscribePost('application/json', '{"List-Unsubscribe":"One-Click"}')).rejects.toThrow(BadRequestError);
    await expect(readUnsubscribePost('multipart/form-data; boundary=x', 'garbage')).rejects.toThrow(BadRequestError);
  });
});

describe('the signals of an unsubscribe', () => {
  const token = 'k1.payload.mac';
  const claims = { email: 'ann@example.com', purpose: 'newsletter', issuedAt: ISSUED, kid: 'k1' };
  const at = new Date('2026-03-01T10:00:00Z');

  it('opt the address out of the topic on email, with an id derived from the token', () => {
    vi.stubEnv('PURPOSES', 'newsletter');
    const [signal, ...rest] = signalsFromUnsubscribe(token, claims, { allMarketing: false }, { receivedAt: at, rawBody: 'List-Unsubscribe=One-Click' });
    expect(rest).toEqual([]);
    expect(signal).toMatchObject({
      kind: 'opt-out',
      channels: ['email'],
      purpose: 'newsletter',
      scope: 'address',
      subject: [{ type: 'email', value: 'ann@example.com' }],
      occurredAt: at.toISOString(),
      source: { type: 'email-unsubscribe' },
    });
    expect(signal!.id).toMatch(/^email\.unsubscribe\.[0-9a-f]{64}$/);
    const again = signalsFromUnsubscribe(token, claims, { allMarketing: false }, { receivedAt: new Date(at.getTime() + 1000), rawBody: '' });
    expect(again[0]!.id).toBe(signal!.id);
  });

  it('add all marketing when asked, and widen a topic no longer configured to marketing', () => {
    vi.stubEnv('PURPOSES', 'newsletter');
    expect(signalsFromUnsubscribe(token, claims, { allMarketing: true }, { receivedAt: at, rawBody: '' }).map((s) => s.purpose)).toEqual([
      'newsletter',
      'marketing',
    ]);
    vi.stubEnv('PURPOSES', '');
    expect(signalsFromUnsubscribe(token, claims, { allMarketing: false }, { receivedAt: at, rawBody: '' }).map((s) => s.purpose)).toEqual(['marketing']);
  });
});
