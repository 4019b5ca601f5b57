import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decide, readSuppressionMessage } from '../../client/queue-consumer.js';

/** The apply-by-version rule of the example queue consumer, and what it reads off a queue. */

const message = {
  type: 'suppression.changed',
  schemaVersion: 1,
  messageId: 'sms:+14155550100:v2',
  channel: 'sms',
  address: '+14155550100',
  personId: 'p-1',
  status: 'suppressed',
  suppressed: true,
  purposes: { all: 'suppressed' },
  version: 2,
  eventId: 'sms.twilio.SM1',
  since: '2026-06-01T10:00:00.000Z',
  recordedAt: '2026-06-01T10:00:01.000Z',
};

describe('decide', () => {
  it('applies only what is newer than what is held', () => {
    expect(decide(undefined, 1)).toBe('apply');
    expect(decide(1, 2)).toBe('apply');
    expect(decide(2, 2)).toBe('duplicate');
    expect(decide(3, 2)).toBe('stale');
  });

  it('ends holding the highest version, whatever order and repeats the versions arrive in', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 20 }), { minLength: 1, maxLength: 30 }), (arrivals) => {
        let held: number | undefined;
        let applied = 0;
        for (const version of arrivals) {
          if (decide(held, version) === 'apply') {
            expect(version).toBeGreaterThan(held ?? 0);
            held = version;
            applied++;
          }
        }
        expect(held).toBe(Math.max(...arrivals));
        expect(applied).toBeLessThanOrEqual(new Set(arrivals).size);
      }),
    );
  });
});

describe('readSuppressionMessage', () => {
  it('reads a suppression change', () => {
    expect(readSuppressionMessage(JSON.stringify(message))).toEqual(message);
  });

  it.each([
    ['not JSON', '{'],
    ['nothing', undefined],
    ['another type', JSON.stringify({ ...message, type: 'something.else' })],
    ['a schema version it does not know', JSON.stringify({ ...message, schemaVersion: 2 })],
    ['no version', JSON.stringify({ ...message, version: undefined })],
    ['a fractional version', JSON.stringify({ ...message, version: 1.5 })],
    ['an unknown status', JSON.stringify({ ...message, status: 'maybe' })],
  ])('leaves %s unread', (_name, body) => {
    expect(readSuppressionMessage(body)).toBeUndefined();
  });
});
