import { describe, expect, it } from 'vitest';
import { requestSchema } from '../../shared/intake/requests/requests.js';
import { columnKey, requestFromRow } from '../../shared/intake/requests/import-rows.js';

const context = { row: 7, fileId: 'abcdef0123456789', defaultSource: 'import' };
const row = (cells: Record<string, string>) => Object.fromEntries(Object.entries(cells).map(([k, v]) => [columnKey(k), v]));

describe('CSV rows as canonical requests', () => {
  it('maps the documented columns, whatever their case and separators', () => {
    const request = requestFromRow(
      row({
        'Request ID': 'L-1',
        Kind: 'opt-in',
        Channels: 'sms; voice',
        Purpose: 'marketing',
        Scope: 'person',
        Phone: '415 555 0101',
        'external-id': 'C-9',
        'Occurred At': '2026-01-02T03:04:05Z',
        Source: 'mail',
        'Collected By': 'clerk-3',
        Reference: 'scan-77',
        Note: 'letter',
      }),
      context,
    );
    expect(requestSchema.parse(request)).toEqual({
      requestId: 'L-1',
      kind: 'opt-in',
      channels: ['sms', 'voice'],
      purpose: 'marketing',
      scope: 'person',
      subject: { phone: '415 555 0101', externalId: 'C-9' },
      occurredAt: '2026-01-02T03:04:05Z',
      source: 'mail',
      evidence: { collectedBy: 'clerk-3', method: 'import', reference: 'scan-77', note: 'letter' },
    });
  });

  it('derives the request id from the file and the row, and reads postal columns', () => {
    const request = requestFromRow(
      row({ channels: 'mail', postal_line1: '1 Main Street', postal_city: 'Springfield', postal_code: '12345', occurred_at: '2026-01-02T03:04:05Z' }),
      context,
    );
    expect(request).toMatchObject({
      requestId: 'abcdef0123456789-7',
      kind: 'opt-out',
      source: 'import',
      subject: { postal: { line1: '1 Main Street', city: 'Springfield', postalCode: '12345' } },
    });
    expect(requestSchema.safeParse(request).success).toBe(true);
  });

  it('reads received_on, the date the organisation received the letter', () => {
    const cells = { channels: 'mail', phone: '415 555 0101', occurred_at: '2026-11-02T09:00:00-05:00' };
    expect(requestSchema.parse(requestFromRow(row({ ...cells, 'Received On': '2026-11-04' }), context))).toMatchObject({ receivedOn: '2026-11-04' });
    expect(requestSchema.parse(requestFromRow(row({ ...cells, received_on: '2026-11-04T10:00:00-05:00' }), context))).toMatchObject({
      receivedOn: '2026-11-04T10:00:00-05:00',
    });
    expect(requestFromRow(row(cells), context)).not.toHaveProperty('receivedOn');
    expect(requestSchema.safeParse(requestFromRow(row({ ...cells, received_on: 'last week' }), context)).success).toBe(false);
  });

  it('leaves a bad row for the request schema to refuse', () => {
    expect(requestSchema.safeParse(requestFromRow(row({ channels: 'fax', phone: '1', occurred_at: 'soon' }), context)).success).toBe(false);
  });
});
