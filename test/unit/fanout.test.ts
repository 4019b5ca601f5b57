import { marshall } from '@aws-sdk/util-dynamodb';
import type { AttributeValue, DynamoDBRecord } from 'aws-lambda';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  applySuppressionMessage,
  distribute,
  distributeRecord,
  messageForRecord,
  PoisonRecordError,
  type FanoutPorts,
  type SuppressionMessage,
  SUPPRESSION_MESSAGE_TYPE,
  SUPPRESSION_SCHEMA_VERSION,
  suppressionMessage,
} from '../../shared/distribution/fanout.js';
import type { Suppression } from '../../shared/core/preferences.js';

function suppression(overrides: Partial<Suppression> = {}): Suppression {
  return {
    channel: 'sms',
    address: '+14155550100',
    personId: 'p-0f8fad5b-d9cb-469f-a165-70867728950e',
    status: 'suppressed',
    purposes: { all: 'suppressed' },
    since: '2024-05-01T10:00:00.000Z',
    eventId: 'sms.twilio.SM0123456789abcdef0123456789abcdef',
    version: 1,
    updatedAt: '2024-05-01T10:00:01.000Z',
    ...overrides,
  };
}

/** The stored item as a stream image: the suppression plus its key, marshalled as DynamoDB sends it. */
function streamImage(item: Suppression): Record<string, AttributeValue> {
  return marshall({ pk: `${item.channel}#${item.address}`, ...item }) as Record<string, AttributeValue>;
}

function record(eventName: 'INSERT' | 'MODIFY' | 'REMOVE', images: { old?: Suppression; new?: Suppression }): DynamoDBRecord {
  const key = images.new ?? images.old!;
  return {
    eventID: 'c4ca4238a0b923820dcc509a6f75849b',
    eventName,
    eventSource: 'aws:dynamodb',
    eventVersion: '1.1',
    awsRegion: 'us-east-1',
    eventSourceARN: 'arn:aws:dynamodb:us-east-1:123456789012:table/suppressions/stream/2024-05-01T00:00:00.000',
    dynamodb: {
      ApproximateCreationDateTime: 1714557601,
      Keys: marshall({ pk: `${key.channel}#${key.address}` }) as Record<string, AttributeValue>,
      SequenceNumber: '111',
      SizeBytes: 200,
      StreamViewType: 'NEW_AND_OLD_IMAGES',
      ...(images.new ? { NewImage: streamImage(images.new) } : {}),
      ...(images.old ? { OldImage: streamImage(images.old) } : {}),
    },
  };
}

describe('suppressionMessage', () => {
  it('carries every field of the suppression under the message contract', () => {
    expect(suppressionMessage(suppression())).toEqual({
      type: 'suppression.changed',
      schemaVersion: 1,
      messageId: 'sms:+14155550100:v1',
      channel: 'sms',
      address: '+14155550100',
      personId: 'p-0f8fad5b-d9cb-469f-a165-70867728950e',
      status: 'suppressed',
      suppressed: true,
      purposes: { all: 'suppressed' },
      version: 1,
      eventId: 'sms.twilio.SM0123456789abcdef0123456789abcdef',
      since: '2024-05-01T10:00:00.000Z',
      recordedAt: '2024-05-01T10:00:01.000Z',
    });
    expect(SUPPRESSION_MESSAGE_TYPE).toBe('suppression.changed');
    expect(SUPPRESSION_SCHEMA_VERSION).toBe(1);
  });

  it('says suppressed: false for an allowed address', () => {
    const message = suppressionMessage(suppression({ status: 'allowed', version: 2 }));
    expect(message.status).toBe('allowed');
    expect(message.suppressed).toBe(false);
  });

  it('keeps the messageId stable for the same channel, address and version', () => {
    const a = suppressionMessage(suppression({ version: 4, eventId: 'first', updatedAt: '2024-05-01T10:00:01.000Z' }));
    const b = suppressionMessage(suppression({ version: 4, eventId: 'first', updatedAt: '2024-05-01T10:00:01.000Z' }));
    expect(b.messageId).toBe(a.messageId);
    expect(a.messageId).toBe('sms:+14155550100:v4');
  });

  it('changes the messageId with the channel, the address or the version', () => {
    const ids = new Set(
      [
        suppression(),
        suppression({ version: 2 }),
        suppression({ address: '+14155550111' }),
        suppression({ channel: 'voice' }),
        suppression({ channel: 'email', address: 'person@example.com' }),
      ].map((s) => suppressionMessage(s).messageId),
    );
    expect(ids.size).toBe(5);
  });

  it('does not carry fields of the stored item beyond the contract', () => {
    const stored = { pk: 'sms#+14155550100', ttl: 123, ...suppression() } as Suppression;
    expect(Object.keys(suppressionMessage(stored)).sort()).toEqual(
      [
        'type',
        'schemaVersion',
        'messageId',
        'channel',
        'address',
        'personId',
        'status',
        'suppressed',
        'purposes',
        'version',
        'eventId',
        'since',
        'recordedAt',
      ].sort(),
    );
  });
});

describe('messageForRecord', () => {
  it('turns an INSERT into the message for the new item', () => {
    const item = suppression();
    expect(messageForRecord(record('INSERT', { new: item }))).toEqual(suppressionMessage(item));
  });

  it('ignores a MODIFY that rewrites the item at the same version', () => {
    const old = suppression({ version: 3 });
    const rewritten = suppression({ version: 3, updatedAt: '2024-05-01T10:05:00.000Z' });
    expect(messageForRecord(record('MODIFY', { old, new: rewritten }))).toBeUndefined();
  });

  it('turns a MODIFY to a higher version into the message for the new item', () => {
    const old = suppression({ version: 1 });
    const next = suppression({ version: 2, status: 'allowed', since: '2024-05-01T11:00:00.000Z', eventId: 'start', updatedAt: '2024-05-01T11:00:01.000Z' });
    const message = messageForRecord(record('MODIFY', { old, new: next }));
    expect(message).toEqual(suppressionMessage(next));
    expect(message).toMatchObject({ version: 2, suppressed: false, messageId: 'sms:+14155550100:v2', eventId: 'start' });
  });

  it('ignores a REMOVE, which carries only the old image', () => {
    expect(messageForRecord(record('REMOVE', { old: suppression() }))).toBeUndefined();
  });

  it('ignores a REMOVE even if a new image were present', () => {
    expect(messageForRecord(record('REMOVE', { old: suppression(), new: suppression({ version: 2 }) }))).toBeUndefined();
  });

  it('ignores a record without images (KEYS_ONLY view)', () => {
    const keysOnly = record('INSERT', { new: suppression() });
    delete keysOnly.dynamodb!.NewImage;
    expect(messageForRecord(keysOnly)).toBeUndefined();
    expect(messageForRecord({ eventName: 'INSERT' })).toBeUndefined();
  });

  it('gives deep-equal messages for the same record twice', () => {
    const build = () => record('MODIFY', { old: suppression({ version: 6 }), new: suppression({ version: 7 }) });
    const first = messageForRecord(build());
    const second = messageForRecord(build());
    expect(first).toBeDefined();
    expect(second).toEqual(first);
    expect(JSON.stringify(second)).toBe(JSON.stringify(first));
  });

  it('depends only on the new item, not on stream metadata', () => {
    const a = record('INSERT', { new: suppression() });
    const b = { ...record('INSERT', { new: suppression() }), eventID: 'other' };
    b.dynamodb = { ...b.dynamodb, SequenceNumber: '999', ApproximateCreationDateTime: 1800000000 };
    expect(messageForRecord(b)).toEqual(messageForRecord(a));
  });
});

describe('poison records', () => {
  it('refuses an item with an unknown channel, no version or no address, so the record is retried and parked', () => {
    for (const broken of [
      suppression({ channel: 'fax' as never }),
      suppression({ version: 'three' as never }),
      suppression({ version: 0 }),
      suppression({ address: '' }),
      suppression({ updatedAt: 'yesterday' }),
    ]) {
      expect(() => messageForRecord(record('INSERT', { new: broken })), JSON.stringify(broken)).toThrow(PoisonRecordError);
    }
  });
});

/** Ports that record what they were asked, with a switch to fail sends. */
function recordingPorts(options: { failSend?: (message: SuppressionMessage) => boolean } = {}) {
  const calls: string[] = [];
  const delivered = new Set<string>();
  const ports: FanoutPorts = {
    async send({ message }) {
      calls.push(`send ${message.messageId}`);
      if (options.failSend?.(message)) throw new Error('queue refused');
    },
    async recordDelivery({ message }) {
      calls.push(`record ${message.messageId}`);
      delivered.add(message.messageId);
    },
    async delivered(message) {
      return delivered.has(message.messageId);
    },
  };
  return { ports, calls };
}

describe('distribute', () => {
  it('records the delivery only after the queue took the message', async () => {
    const { ports, calls } = recordingPorts();
    await distribute({ message: suppressionMessage(suppression()) }, ports);
    expect(calls).toEqual(['send sms:+14155550100:v1', 'record sms:+14155550100:v1']);
  });

  it('records nothing when the send fails, so the retry sends again', async () => {
    const { ports, calls } = recordingPorts({ failSend: () => true });
    await expect(distribute({ message: suppressionMessage(suppression()) }, ports)).rejects.toThrow('queue refused');
    expect(calls).toEqual(['send sms:+14155550100:v1']);
  });

  it('does not send a stream redelivery of a version already delivered, but a replay does', async () => {
    const { ports, calls } = recordingPorts();
    const change = record('INSERT', { new: suppression() });
    await distributeRecord(change, ports);
    await distributeRecord(change, ports);
    expect(calls.filter((call) => call.startsWith('send'))).toHaveLength(1);
    await distribute({ message: suppressionMessage(suppression()) }, ports);
    expect(calls.filter((call) => call.startsWith('send'))).toHaveLength(2);
  });
});

describe('the reference consumer', () => {
  const versions = (n: number) =>
    Array.from({ length: n }, (_, i) =>
      suppressionMessage(suppression({ version: i + 1, status: i % 2 === 0 ? 'suppressed' : 'allowed', eventId: `e${i + 1}` })),
    );

  it('applies a higher version, and calls a repeat a duplicate and an older one stale', () => {
    const applied = new Map<string, SuppressionMessage>();
    const [v1, v2] = versions(2);
    expect(applySuppressionMessage(applied, v2!)).toBe('applied');
    expect(applySuppressionMessage(applied, v2!)).toBe('duplicate');
    expect(applySuppressionMessage(applied, v1!)).toBe('stale');
    expect(applied.get('sms#+14155550100')).toEqual(v2);
  });

  it('ends in the state of the highest version whatever the order and the duplicates', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), fc.array(fc.nat(), { minLength: 0, maxLength: 20 }), fc.infiniteStream(fc.nat()), (count, extra, order) => {
        const all = versions(count);
        // Every version at least once, some several times, in any order.
        const deliveries = [...all, ...extra.map((i) => all[i % count]!)];
        const shuffled = deliveries
          .map((message) => ({ message, key: order.next().value as number }))
          .sort((a, b) => a.key - b.key)
          .map(({ message }) => message);
        const applied = new Map<string, SuppressionMessage>();
        for (const message of shuffled) applySuppressionMessage(applied, message);
        expect(applied.get('sms#+14155550100')).toEqual(all[count - 1]);
      }),
    );
  });

  it('keeps addresses and channels apart', () => {
    const applied = new Map<string, SuppressionMessage>();
    applySuppressionMessage(applied, suppressionMessage(suppression({ version: 5 })));
    expect(applySuppressionMessage(applied, suppressionMessage(suppression({ version: 1, channel: 'voice' })))).toBe('applied');
    expect(applySuppressionMessage(applied, suppressionMessage(suppression({ version: 1, address: '+14155550111' })))).toBe('applied');
    expect(applied.size).toBe(3);
  });
});
