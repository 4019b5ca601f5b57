import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { beforeAll, describe, expect, it } from 'vitest';
import { scrubCsv } from '../../cli/commands/scrub.js';
import { requestSchema, signalFromRequest } from '../../shared/intake/requests/requests.js';
import { recordSignal } from '../../shared/record/record-signal.js';
import { createTestStack, type TestStack } from '../support/local-stack.js';

/** `optout-hub scrub` on a generated print file against DynamoDB Local, with known suppressed rows. */

let stack: TestStack;
const ROWS = 2500;
const street = (i: number) => `${100 + i} Main St`;
const suppressedRows = new Set(Array.from({ length: ROWS }, (_, i) => i).filter((i) => i % 9 === 4));
const invalidRows = new Set([7, 1234]);

beforeAll(async () => {
  stack = await createTestStack();
  let n = 0;
  for (const i of suppressedRows) {
    const request = requestSchema.parse({
      requestId: `mail-${i}`,
      kind: 'opt-out',
      channels: ['mail'],
      purpose: 'marketing',
      subject: { postal: { line1: street(i), city: 'Springfield', state: 'IL', postalCode: '62701', country: 'US' } },
      occurredAt: '2026-01-15T12:00:00.000Z',
      source: 'mail',
    });
    await recordSignal(stack.store, signalFromRequest(request, { receivedAt: new Date('2026-01-16T08:00:00Z'), defaultRegion: 'US' }));
    n++;
  }
  expect(n).toBe(suppressedRows.size);
}, 120_000);

describe('scrubCsv', () => {
  it('splits a print file into sendable rows and suppressed rows with the reason', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scrub-'));
    const input = join(dir, 'spring-catalog.csv');
    const lines = ['customer_id,name,street,city,state,zip,country'];
    for (let i = 0; i < ROWS; i++) {
      const zip = invalidRows.has(i) ? '' : '62701';
      lines.push(`C${i},"Customer, ${i}",${street(i)},Springfield,IL,${zip},US`);
    }
    writeFileSync(input, `${lines.join('\n')}\n`);

    const progress: number[] = [];
    const summary = await scrubCsv({
      input,
      channel: 'mail',
      purpose: 'marketing',
      columns: ['street', 'city', 'state', 'zip', 'country'],
      store: stack.store,
      region: 'US',
      batchSize: 300,
      concurrency: 3,
      onProgress: ({ rows }) => progress.push(rows),
    });

    const sendable = parse(readFileSync(summary.sendableFile), { columns: true }) as Record<string, string>[];
    const suppressed = parse(readFileSync(summary.suppressedFile), { columns: true }) as Record<string, string>[];
    const ids = (rows: Record<string, string>[]) => rows.map((row) => Number(row.customer_id!.slice(1)));
    expect(summary).toMatchObject({ rows: ROWS, suppressed: suppressedRows.size, invalid: 2, failed: 0, sendable: ROWS - suppressedRows.size - 2 });
    expect(ids(suppressed).sort((a, b) => a - b)).toEqual([...suppressedRows, ...invalidRows].sort((a, b) => a - b));
    expect(ids(sendable)).toEqual(Array.from({ length: ROWS }, (_, i) => i).filter((i) => !suppressedRows.has(i) && !invalidRows.has(i)));
    // Rows come out as they went in, with the reason beside the suppressed ones.
    expect(sendable[0]).toEqual({
      customer_id: 'C0',
      name: 'Customer, 0',
      street: '100 Main St',
      city: 'Springfield',
      state: 'IL',
      zip: '62701',
      country: 'US',
    });
    expect(suppressed.find((row) => row.customer_id === 'C4')).toMatchObject({
      suppression_reason: 'suppressed',
      suppressed_since: '2026-01-15T12:00:00.000Z',
      suppression_event_id: 'request.mail.mail-4',
    });
    expect(suppressed.find((row) => row.customer_id === 'C7')).toMatchObject({ suppression_reason: 'invalid-address' });
    expect(progress.at(-1)).toBe(ROWS);
  });

  it('fails closed: when the store is down every row goes to the suppressed file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scrub-'));
    const input = join(dir, 'list.csv');
    writeFileSync(input, 'address\nana@example.com\nbo@example.com\n');
    const broken = { ...stack.store, tables: { ...stack.store.tables, suppressions: 'no-such-table' } };
    const summary = await scrubCsv({ input, channel: 'email', purpose: 'marketing', columns: ['address'], store: broken, region: 'US' });
    expect(summary).toMatchObject({ rows: 2, sendable: 0, failed: 2 });
    expect(readFileSync(summary.sendableFile, 'utf8').trim()).toBe('address');
    expect(parse(readFileSync(summary.suppressedFile), { columns: true })).toEqual([
      expect.objectContaining({ address: 'ana@example.com', suppression_reason: 'check-failed' }),
      expect.objectContaining({ address: 'bo@example.com', suppression_reason: 'check-failed' }),
    ]);
  });
});
