import { describe, expect, it } from 'vitest';
import { BadRequestError } from '../../shared/core/errors.js';
import { CLOCK_SKEW_MS } from '../../shared/core/time.js';
import { signalFromDisposition } from '../../shared/intake/calls/record.js';
import { signalFromEmailEvent } from '../../shared/intake/email/events.js';
import { requestSchema, signalFromRequest } from '../../shared/intake/requests/requests.js';
import { signalFromSms } from '../../shared/intake/sms/inbound.js';

/**
 * One future-date rule at every intake (core/time.ts actTime): an act is never dated after its
 * arrival; within the clock skew a later time reads as the arrival; further ahead a caller (an
 * API request or import row) gets a 400, and a provider's or dialer's webhook is dated at arrival.
 */

const receivedAt = new Date('2026-11-28T12:00:00.000Z');
const arrival = receivedAt.toISOString();
const ahead = (ms: number) => new Date(receivedAt.getTime() + ms).toISOString();

const providers: [string, (occurredAt: string) => string][] = [
  [
    'an SMS provider',
    (occurredAt) =>
      signalFromSms(
        { provider: 'telnyx', messageId: 'm-1', from: '+14155550100', to: '+14155550199', text: 'STOP', occurredAt },
        { receivedAt, defaultRegion: 'US', rawBody: 'x' },
      )!.occurredAt,
  ],
  [
    'an ESP',
    (occurredAt) =>
      signalFromEmailEvent(
        {
          provider: 'sendgrid',
          eventId: 'e-1',
          kind: 'opt-out',
          email: 'ann@example.com',
          purpose: 'marketing',
          occurredAt: new Date(occurredAt),
          providerEvent: 'unsubscribe',
        },
        { receivedAt, rawBody: 'x' },
      ).occurredAt,
  ],
  [
    'a dialer',
    (occurredAt) =>
      signalFromDisposition({ dialer: 'generic', callId: 'c-1', phone: '+14155550100', code: 'DNC', occurredAt }, 'do-not-call', {
        receivedAt,
        defaultRegion: 'US',
      }).occurredAt,
  ],
];

const caller = (occurredAt: string) =>
  signalFromRequest(
    requestSchema.parse({ requestId: 'r-1', kind: 'opt-out', channels: ['voice'], subject: { phone: '+14155550100' }, occurredAt, source: 'crm' }),
    { receivedAt, defaultRegion: 'US' },
  ).occurredAt;

describe('future-dated input, at every intake', () => {
  it.each([...providers, ['an API caller', caller] as [string, (occurredAt: string) => string]])(
    '%s: a past time is kept, a time within the skew reads as arrival',
    (_, occurredAtOf) => {
      expect(occurredAtOf('2026-11-28T11:00:00.000Z')).toBe('2026-11-28T11:00:00.000Z');
      expect(occurredAtOf(ahead(60_000))).toBe(arrival);
      expect(occurredAtOf(ahead(CLOCK_SKEW_MS))).toBe(arrival);
    },
  );

  it.each(providers)('%s: a time further ahead is dated at arrival, never refused', (_, occurredAtOf) => {
    expect(occurredAtOf(ahead(CLOCK_SKEW_MS + 1))).toBe(arrival);
    expect(occurredAtOf('2099-01-01T00:00:00.000Z')).toBe(arrival);
  });

  it('an API caller: a time further ahead is refused with a 400 naming the field', () => {
    expect(() => caller(ahead(CLOCK_SKEW_MS + 1))).toThrow(BadRequestError);
    expect(() => caller('2099-01-01T00:00:00.000Z')).toThrow(/occurredAt is in the future/);
  });
});
