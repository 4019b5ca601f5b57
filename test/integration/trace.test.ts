import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { recordAcks } from '../../shared/audit/acks.js';
import { slaPolicy } from '../../shared/core/sla.js';
import { signalFromSms } from '../../shared/intake/sms/inbound.js';
import { recordDelivery } from '../../shared/store/deliveries.js';
import { getPerson } from '../../shared/store/people.js';
import { recordSignal } from '../../shared/record/record-signal.js';
import { readTrace, traceHtml, traceText } from '../../shared/audit/trace.js';
import { createTestStack, type TestStack } from '../support/local-stack.js';
import { phoneNumbers } from '../support/phones.js';

/** The audit trace of a real sequence: an SMS STOP recorded, enqueued, acked. */

let stack: TestStack;

beforeAll(async () => {
  stack = await createTestStack();
});

const phone = phoneNumbers('212');

function sms(text: 'STOP' | 'START', from: string, at: string, body = text) {
  const messageId = `SM${randomBytes(16).toString('hex')}`;
  return signalFromSms(
    { provider: 'twilio', messageId, from, to: '+15017250604', text: body },
    { receivedAt: new Date(at), defaultRegion: 'US', rawBody: `Body=${body}&MessageSid=${messageId}` },
  )!;
}

describe('trace', () => {
  it('shows evidence, arrival, recording, enqueue and ack per channel with deadlines, as text and html', async () => {
    const address = phone();
    const signal = sms('STOP', address, '2026-05-04T10:00:00.000Z');
    const outcome = await recordSignal(stack.store, signal, { now: () => new Date('2026-05-04T10:00:00.250Z') });
    const item = outcome.suppressions[0]!;
    await recordDelivery(
      stack.store,
      { channel: 'sms', address, version: item.version, eventId: item.eventId, messageId: `sms:${address}:v${item.version}`, personId: item.personId },
      new Date('2026-05-04T10:00:01.000Z'),
    );
    await recordAcks(stack.store, 'sms-sync', [{ channel: 'sms', address, version: item.version }], () => new Date('2026-05-04T10:04:00.000Z'), 'sync-key-7');
    // A second STOP is a new decision (a new version): until fan-out enqueues it, it shows as such.
    await recordSignal(stack.store, sms('STOP', address, '2026-05-05T09:00:00.000Z'), { now: () => new Date('2026-05-05T09:00:00.100Z') });

    const person = (await getPerson(stack.store, outcome.personId))!;
    const trace = await readTrace(stack.store, person, { policy: slaPolicy(), expected: () => [], now: new Date('2026-05-20T00:00:00.000Z') });
    expect(trace.events).toHaveLength(2);
    const [first, second] = trace.events;
    expect(first).toMatchObject({
      eventId: signal.id,
      kind: 'opt-out',
      receivedAt: '2026-05-04T10:00:00.000Z',
      recordedAt: '2026-05-04T10:00:00.250Z',
      evidence: { payloadSha256: signal.evidence.payloadSha256, method: 'sms-keyword' },
      keptAt: { table: stack.store.tables.preferences, pk: `EVENT#${signal.id}`, sk: 'EVENT' },
      distribution: [
        {
          channel: 'sms',
          address,
          state: 'applied',
          version: 1,
          enqueuedAt: '2026-05-04T10:00:01.000Z',
          appliedAt: '2026-05-04T10:04:00.000Z',
          ackedBy: 'sms-sync',
          ackedByKey: 'sync-key-7',
          target: 'met',
          deadline: 'met',
          deadlineAt: '2026-05-18T10:00:00.000Z',
        },
      ],
    });
    // Received Tuesday 2026-05-05 09:00: due ten business days later, passed by 2026-05-20.
    expect(second!.distribution).toMatchObject([{ state: 'not-enqueued', target: 'missed', deadline: 'missed', deadlineAt: '2026-05-19T09:00:00.000Z' }]);

    const text = traceText(trace, address);
    expect(text).toContain(`payload sha256 ${signal.evidence.payloadSha256}`);
    expect(text).toContain(`kept at    ${stack.store.tables.preferences} item pk=EVENT#${signal.id} sk=EVENT`);
    expect(text).toContain('recorded   2026-05-04T10:00:00.250Z (+250 ms)');
    expect(text).toMatch(
      /sms \+1\d+ v1: applied; enqueued 2026-05-04T10:00:01.000Z; acked 2026-05-04T10:04:00.000Z; integrations: sms-sync \(key sync-key-7\) applied 2026-05-04T10:04:00.000Z; target met .*; deadline met \(due 2026-05-18T10:00:00.000Z\)/,
    );

    const html = traceHtml(trace, address);
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).not.toMatch(/<script|<link|src=/);
    expect(html).toContain(signal.evidence.payloadSha256!);
    expect(html).toContain('<td class="ok">met (due 2026-05-18T10:00:00.000Z)</td>');
  });

  it('shows a STOP nobody acked as past its deadline, and one never enqueued as such', async () => {
    const address = phone();
    const outcome = await recordSignal(stack.store, sms('STOP', address, '2026-05-04T10:00:00.000Z'), { now: () => new Date('2026-05-04T10:00:00.100Z') });
    const person = (await getPerson(stack.store, outcome.personId))!;
    const trace = await readTrace(stack.store, person, { policy: slaPolicy(), expected: () => [], now: new Date('2026-05-19T00:00:00.000Z') });
    expect(trace.events[0]!.distribution).toMatchObject([{ state: 'not-enqueued', target: 'missed', deadline: 'missed' }]);
    expect(traceText(trace, address)).toContain('deadline MISSED (due 2026-05-18T10:00:00.000Z)');
  });
});
