import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { traceHtml, type Trace } from '../../shared/audit/trace.js';
import { slaPolicy } from '../../shared/core/sla.js';
import { launchChromium, seriousViolations, type RunningBrowser } from '../support/browser.js';

/**
 * The `trace --format html` proof page in a real browser at phone width: an auditor opens it on
 * whatever they have, so nothing may push the page wider than the screen.
 */

// The longest values a real trace carries: 64-hex hashes, event ids, email addresses, nine columns.
const LONG_EMAIL = `a.very.long.mailbox.name.${'x'.repeat(40)}@subdomain.of.an.example-organisation.example.com`;
const HASH = 'f'.repeat(64);

const trace: Trace = {
  generatedAt: '2026-05-01T00:00:00.000Z',
  personId: '01JTESTPERSON0000000000000000000000000000',
  identities: [
    { type: 'email', value: LONG_EMAIL },
    { type: 'phone', value: '+14155550100' },
  ],
  policy: slaPolicy(),
  events: [
    {
      eventId: `evt_${'0123456789abcdef'.repeat(4)}`,
      kind: 'opt-out',
      channels: ['email', 'sms'],
      source: { provider: 'twilio', messageId: `SM${'9'.repeat(32)}` },
      occurredAt: '2026-05-01T00:00:00.000Z',
      receivedAt: '2026-05-01T00:00:00.100Z',
      recordedAt: '2026-05-01T00:00:01.000Z',
      evidence: { payloadSha256: HASH, reference: `https://crm.example.com/tickets/${'z'.repeat(80)}` },
      keptAt: { table: 'optout-hub-preferences-production', pk: `EVENT#evt_${'0123456789abcdef'.repeat(4)}`, sk: 'EVENT' },
      distribution: [
        {
          channel: 'email',
          address: LONG_EMAIL,
          state: 'applied',
          version: 12,
          enqueuedAt: '2026-05-01T00:00:02.000Z',
          appliedAt: '2026-05-01T00:04:00.000Z',
          ackedBy: 'marketing-platform-sync-integration',
          ackedByKey: 'sync-key-0123456789abcdef',
          integrations: [
            { integration: 'marketing-platform-sync-integration', state: 'applied', at: '2026-05-01T00:04:00.000Z', version: 12 },
            { integration: 'print-vendor-monthly-mail-file', state: 'pending' },
          ],
          target: 'met',
          targetAt: '2026-05-02T00:00:01.000Z',
          deadline: 'met',
          deadlineAt: '2026-05-11T00:00:00.000Z',
        },
        {
          channel: 'sms',
          address: '+14155550100',
          state: 'not-enqueued',
          integrations: [],
          target: 'missed',
          targetAt: '2026-05-02T00:00:01.000Z',
          deadline: 'missed',
          deadlineAt: '2026-05-11T00:00:00.000Z',
        },
      ],
    },
  ],
};

let chromium: RunningBrowser;

beforeAll(async () => {
  chromium = await launchChromium();
});

afterAll(async () => {
  await chromium?.close();
});

describe('trace proof page', () => {
  it('fits a 400 px wide screen: tables scroll inside their own box and long ids break', async () => {
    const page = await chromium.context.newPage();
    await page.setViewportSize({ width: 400, height: 800 });
    await page.setContent(traceHtml(trace, LONG_EMAIL));
    expect(await page.locator('html').evaluate((root) => root.scrollWidth)).toBeLessThanOrEqual(400);
    expect(await seriousViolations(page)).toEqual([]);
    // The distribution table keeps its columns and scrolls within its region, reachable by keyboard.
    const region = page.getByRole('region', { name: 'Distribution of request 1' });
    expect(await region.getAttribute('tabindex')).toBe('0');
    const box = await region.evaluate((element) => ({ client: element.clientWidth, scroll: element.scrollWidth }));
    expect(box.client).toBeLessThanOrEqual(400);
    expect(box.scroll).toBeGreaterThan(box.client);
    await page.close();
  });

  it('keeps the wide layout on a desktop screen', async () => {
    const page = await chromium.context.newPage();
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.setContent(traceHtml(trace, LONG_EMAIL));
    expect(await page.locator('html').evaluate((root) => root.scrollWidth)).toBeLessThanOrEqual(1280);
    await page.close();
  });
});
