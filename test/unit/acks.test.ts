import { describe, expect, it } from 'vitest';
import { ackRequestSchema, appliedAt, missingAcks, normalizeAcks } from '../../shared/audit/acks.js';
import { BadRequestError } from '../../shared/core/errors.js';

describe('ack requests', () => {
  it('normalizes addresses the way the suppressions table keys them', () => {
    const request = ackRequestSchema.parse({
      integration: 'dialer-east',
      applied: [
        { channel: 'voice', address: '(212) 555-0100', version: 3 },
        { channel: 'email', address: 'Someone@Example.COM', version: 1 },
      ],
    });
    expect(normalizeAcks(request, 'US')).toEqual([
      { channel: 'voice', address: '+12125550100', version: 3 },
      { channel: 'email', address: 'someone@example.com', version: 1 },
    ]);
  });

  it('refuses the whole request when any address cannot be read, naming it', () => {
    const request = ackRequestSchema.parse({
      integration: 'dialer-east',
      applied: [
        { channel: 'voice', address: '+12125550100', version: 3 },
        { channel: 'voice', address: 'not a phone', version: 1 },
      ],
    });
    const refusal = (() => {
      try {
        normalizeAcks(request, 'US');
      } catch (error) {
        return error;
      }
    })();
    expect(refusal).toBeInstanceOf(BadRequestError);
    expect((refusal as BadRequestError).extensions).toMatchObject({ errors: [{ path: 'applied.1.address' }] });
  });

  it('refuses bad shapes: no items, more than 1,000, unknown channels, versions below 1, odd integration names', () => {
    const item = { channel: 'sms', address: '+12125550100', version: 1 };
    expect(ackRequestSchema.safeParse({ integration: 'x', applied: [] }).success).toBe(false);
    expect(ackRequestSchema.safeParse({ integration: 'x', applied: Array(1001).fill(item) }).success).toBe(false);
    expect(ackRequestSchema.safeParse({ integration: 'x', applied: Array(1000).fill(item) }).success).toBe(true);
    expect(ackRequestSchema.safeParse({ integration: 'x', applied: [{ ...item, channel: 'fax' }] }).success).toBe(false);
    expect(ackRequestSchema.safeParse({ integration: 'x', applied: [{ ...item, version: 0 }] }).success).toBe(false);
    expect(ackRequestSchema.safeParse({ integration: 'a b', applied: [item] }).success).toBe(false);
  });
});

describe('applied time', () => {
  const delivery = {
    ackedAt: '2026-05-04T10:01:00.000Z',
    acks: { 'dialer-east': { at: '2026-05-04T10:01:00.000Z', version: 2 }, 'dialer-west': { at: '2026-05-04T10:09:00.000Z', version: 2 } },
  };

  it('is the first ack when no integrations are expected', () => {
    expect(appliedAt(delivery)).toBe('2026-05-04T10:01:00.000Z');
    expect(appliedAt(undefined)).toBeUndefined();
  });

  it('is the last expected ack, and none until every expected integration acked', () => {
    expect(appliedAt(delivery, ['dialer-east', 'dialer-west'])).toBe('2026-05-04T10:09:00.000Z');
    expect(appliedAt(delivery, ['dialer-east', 'crm'])).toBeUndefined();
    expect(missingAcks(delivery, ['dialer-east', 'crm'])).toEqual(['crm']);
  });
});
