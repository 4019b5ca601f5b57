import { marshall } from '@aws-sdk/util-dynamodb';
import type { AttributeValue, DynamoDBRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import {
  messageForRecord,
  SUPPRESSION_MESSAGE_TYPE,
  SUPPRESSION_SCHEMA_VERSION,
  suppressionMessage,
} from '../../shared/fanout.js';
import type { Suppression } from '../../shared/preferences.js';

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

function record(
  eventName: 'INSERT' | 'MODIFY' | 'REMOVE',
  images: { old?: Suppression; new?: Suppression },
): DynamoDBRecord {
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
      ['type', 'schemaVersion', 'messageId', 'channel', 'address', 'personId', 'status', 'suppressed', 'purposes', 'version', 'eventId', 'since', 'recordedAt'].sort(),
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
