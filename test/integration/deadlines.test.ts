import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { reconcileChannel, type ChannelReport, type Finding } from '../../shared/audit/reconcile.js';
import { readTrace, type ChannelTiming } from '../../shared/audit/trace.js';
import type { Channel } from '../../shared/core/channels.js';
import type { Identity } from '../../shared/core/identity.js';
import { defaultDispositionMap } from '../../shared/intake/calls/disposition-map.js';
import type { CallReceipt } from '../../shared/intake/calls/receipt.js';
import { recordDisposition } from '../../shared/intake/calls/record.js';
import { signalFromEmailEvent } from '../../shared/intake/email/events.js';
import { requestSchema, signalFromRequest } from '../../shared/intake/requests/requests.js';
import { signalFromSms } from '../../shared/intake/sms/inbound.js';
import { channelSlas, expectedIntegrations } from '../../shared/platform/config.js';
import { findPerson } from '../../shared/store/people.js';
import { recordSignal } from '../../shared/record/record-signal.js';
import { createTestStack, type TestStack } from '../support/local-stack.js';
import { phoneNumbers } from '../support/phones.js';

/**
 * One clock: for the same request, the dialer's receipt, `optout-hub trace`, `optout-hub sla`
 * and reconciliation give the same deadline, on every channel, with the default calendar (US
 * federal holidays). Cases: an act on Saturday 2026-11-28 (counted from Monday 00:00), an act on
 * Wednesday 2026-11-25, the day before Thanksgiving, and letters received weeks before they were
 * imported, which keep the deadline of their receipt and are reported late.
 */

let stack: TestStack;
let commands: { sla: (args: string[]) => Promise<number>; trace: (args: string[]) => Promise<number> };
let runImport: typeof import('../../cli/commands/import.js').runImport;

const phone = phoneNumbers('332');
const email = () => `d${randomBytes(5).toString('hex')}@example.com`;

/** Every check is made as of this day, after every deadline below. */
const LATER = '2027-01-15T12:00:00.000Z';
const SATURDAY = '2026-11-28T12:00:00.000Z';
const BEFORE_THANKSGIVING = '2026-11-25T12:00:00.000Z';

beforeAll(async () => {
  stack = await createTestStack();
  for (const name of ['HOLIDAYS_COUNTRY', 'HOLIDAYS_REGION', 'SLA_SKIP_US_FEDERAL_HOLIDAYS', 'SLA_DEADLINES', 'ACK_INTEGRATIONS']) delete process.env[name];
  Object.assign(process.env, stack.environment, { DEFAULT_PHONE_REGION: 'US' });
  // The commands' store clients read the environment when first loaded.
  const [{ slaCommand }, { traceCommand }, imports] = await Promise.all([
    import('../../cli/commands/sla.js'),
    import('../../cli/commands/trace.js'),
    import('../../cli/commands/import.js'),
  ]);
  commands = { sla: (args) => slaCommand.run(args), trace: (args) => traceCommand.run(args) };
  runImport = imports.runImport;
});

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

/** Runs `work` with the clock (Date only) at `at`: the commands take no `now` of their own. */
async function at<T>(iso: string, work: () => Promise<T>): Promise<T> {
  vi.useFakeTimers({ toFake: ['Date'], now: new Date(iso) });
  try {
    return await work();
  } finally {
    vi.useRealTimers();
  }
}

async function printed(run: () => Promise<number>): Promise<string> {
  const lines: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((line: unknown) => void lines.push(String(line)));
  const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
  try {
    expect(await run()).toBe(0);
  } finally {
    log.mockRestore();
    write.mockRestore();
  }
  return lines.join('\n');
}

interface Seen {
  trace: ChannelTiming;
  traceLine: string;
  reconcile: Finding;
  sla: Finding;
}

/** What trace (library and command), reconciliation and `optout-hub sla` say about one request on one address. */
async function deadlinesOf(eventId: string, channel: Channel, address: string, lookup: Identity): Promise<Seen> {
  const person = (await findPerson(stack.store, lookup))!;
  const trace = await readTrace(stack.store, person, { policy: channelSlas(), expected: expectedIntegrations, now: new Date(LATER) });
  const timing = trace.events.find((event) => event.eventId === eventId)?.distribution.find((entry) => entry.channel === channel && entry.address === address);
  const text = await at(LATER, () => printed(() => commands.trace([lookup.value])));
  // The request's own block of the printed trace, then its line for this address.
  const block = text.split('\n\n').find((part) => part.includes(`event ${eventId}`)) ?? '';
  const traceLine = block.split('\n').find((line) => [':', ' v'].some((next) => line.trim().startsWith(`${channel} ${address}${next}`))) ?? '';

  const report = await reconcileChannel(stack.store, channel, {
    policy: channelSlas(),
    expected: expectedIntegrations,
    now: () => new Date(LATER),
    exampleLimit: 10_000,
  });
  const json = await at(LATER, () => printed(() => commands.sla(['--channel', channel, '--list', '10000', '--json'])));
  const sla = (JSON.parse(json) as ChannelReport[])[0]!;
  const pastDeadline = (findings: Finding[]) => findings.find((finding) => finding.kind === 'past-deadline' && finding.address === address);
  return { trace: timing!, traceLine, reconcile: pastDeadline(report.findings)!, sla: pastDeadline(sla.findings)! };
}

function expectOneDeadline(seen: Seen, deadline: string, late = false) {
  expect(seen.trace).toMatchObject({ deadline: 'missed', deadlineAt: deadline });
  expect(seen.traceLine).toContain(`deadline MISSED (due ${deadline}`);
  expect(seen.reconcile).toMatchObject({ deadlineAt: deadline });
  expect(seen.sla).toMatchObject({ deadlineAt: deadline, startedAt: seen.reconcile.startedAt });
  for (const view of [seen.trace, seen.reconcile, seen.sla]) expect(Boolean(view.recordedLate)).toBe(late);
  expect(seen.traceLine.includes('LATE: recorded after its deadline')).toBe(late);
}

async function text(occurredAt: string) {
  const from = phone();
  const receivedAt = new Date(Date.parse(occurredAt) + 2000);
  const signal = signalFromSms(
    { provider: 'telnyx', messageId: `m-${randomBytes(8).toString('hex')}`, from, to: '+13325550100', text: 'STOP', occurredAt },
    { receivedAt, defaultRegion: 'US', rawBody: from },
  )!;
  await recordSignal(stack.store, signal, { now: () => new Date(receivedAt.getTime() + 100) });
  return { eventId: signal.id, address: from };
}

async function unsubscribe(occurredAt: string) {
  const address = email();
  const receivedAt = new Date(Date.parse(occurredAt) + 2000);
  const event = {
    provider: 'sendgrid' as const,
    eventId: randomBytes(8).toString('hex'),
    kind: 'opt-out' as const,
    email: address,
    purpose: 'marketing',
    occurredAt: new Date(occurredAt),
    providerEvent: 'unsubscribe',
  };
  const signal = signalFromEmailEvent(event, { receivedAt, rawBody: address });
  await recordSignal(stack.store, signal, { now: () => new Date(receivedAt.getTime() + 100) });
  return { eventId: signal.id, address };
}

async function call(occurredAt: string, code: string, number = phone()): Promise<CallReceipt> {
  const receivedAt = new Date(Date.parse(occurredAt) + 2000);
  const { receipt } = await recordDisposition(
    stack.store,
    { dialer: 'generic', callId: `call-${randomBytes(6).toString('hex')}`, phone: number, code, agentId: 'agent-7', occurredAt },
    { receivedAt, defaultRegion: 'US', map: defaultDispositionMap, policy: channelSlas(), slaHours: 24, now: () => new Date(receivedAt.getTime() + 100) },
  );
  return receipt;
}

async function importLetters(rows: Record<string, string>[], importedAt: string) {
  const directory = await mkdtemp(join(tmpdir(), 'letters-'));
  const file = join(directory, 'letters.csv');
  const columns = Object.keys(rows[0]!);
  await writeFile(file, [columns.join(','), ...rows.map((row) => columns.map((column) => row[column] ?? '').join(','))].join('\n'));
  try {
    const summary = await at(importedAt, () =>
      runImport({ file, source: 'mail', batchSize: 50, concurrency: 2, restart: false, progress: false, log: () => undefined }),
    );
    expect(summary).toMatchObject({ recorded: rows.length, refused: 0 });
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

describe('one deadline for the same request everywhere', () => {
  it.each([
    ['on a Saturday: from Monday 00:00', SATURDAY, '2026-12-14T00:00:00.000Z'],
    ['the day before Thanksgiving: the holiday is skipped', BEFORE_THANKSGIVING, '2026-12-10T12:00:00.000Z'],
  ])('sms: a STOP texted %s', async (_, occurredAt, deadline) => {
    const { eventId, address } = await text(occurredAt);
    expectOneDeadline(await deadlinesOf(eventId, 'sms', address, { type: 'phone', value: address }), deadline);
  });

  it.each([
    ['on a Saturday', SATURDAY, '2026-11-30T12:00:00.000Z'],
    ['the day before Thanksgiving: 48 hours run through the holiday', BEFORE_THANKSGIVING, '2026-11-27T12:00:00.000Z'],
  ])('email: an ESP unsubscribe %s', async (_, occurredAt, deadline) => {
    const { eventId, address } = await unsubscribe(occurredAt);
    expectOneDeadline(await deadlinesOf(eventId, 'email', address, { type: 'email', value: address }), deadline);
  });

  it.each([
    ['on a Saturday', SATURDAY, '2026-12-14T00:00:00.000Z'],
    ['the day before Thanksgiving', BEFORE_THANKSGIVING, '2026-12-10T12:00:00.000Z'],
  ])('voice: a Do Not Call %s has the deadline of its receipt', async (_, occurredAt, deadline) => {
    const receipt = await call(occurredAt, 'DNC');
    expect(receipt.deadlines).toMatchObject({ regulatory: deadline, byChannel: { voice: deadline } });
    const address = receipt.suppressed[0]!.address;
    expectOneDeadline(await deadlinesOf(receipt.requestId, 'voice', address, { type: 'phone', value: address }), deadline);
  });

  it('every channel: a Saturday do-not-contact call states on its receipt the deadline each channel then reports', async () => {
    const number = phone();
    const address = email();
    const postal = { line1: `${(randomBytes(2).readUInt16BE() % 900) + 100} Main Street`, city: 'Springfield', state: 'IL', postalCode: '62704' };
    // The person is known by phone, email and postal address before the call (from a newsletter sign-up).
    await recordSignal(
      stack.store,
      signalFromRequest(
        requestSchema.parse({
          requestId: randomBytes(6).toString('hex'),
          kind: 'opt-in',
          channels: ['email'],
          purpose: 'marketing',
          subject: { phone: number, email: address, postal },
          occurredAt: '2026-11-01T10:00:00Z',
          source: 'crm',
          evidence: { collectedBy: 'web-form', method: 'web-form' },
        }),
        { receivedAt: new Date('2026-11-01T10:00:01Z'), defaultRegion: 'US' },
      ),
      { now: () => new Date('2026-11-01T10:00:02Z') },
    );
    const receipt = await call(SATURDAY, 'Do Not Contact', number);
    expect(receipt.deadlines!.byChannel).toEqual({
      sms: '2026-12-14T00:00:00.000Z',
      email: '2026-11-30T12:00:00.000Z',
      voice: '2026-12-14T00:00:00.000Z',
      mail: '2026-12-14T00:00:00.000Z',
    });
    expect(receipt.deadlines!.regulatory).toBe('2026-11-30T12:00:00.000Z');
    for (const { channel, address: on } of receipt.suppressed) {
      expectOneDeadline(await deadlinesOf(receipt.requestId, channel, on, { type: 'phone', value: number }), receipt.deadlines!.byChannel[channel]!);
    }
    expect(receipt.suppressed.map((entry) => entry.channel).sort()).toEqual(['email', 'mail', 'sms', 'voice']);
  });

  it('mail: letters imported on 2026-12-02 keep the deadline of the day they were received; one received weeks earlier is late', async () => {
    const numbers = [phone(), phone(), phone()];
    const letter = (number: string, occurredAt: string, receivedOn: string) => ({
      request_id: `L-${randomBytes(6).toString('hex')}`,
      channels: 'mail',
      phone: number,
      postal_line1: `${(randomBytes(2).readUInt16BE() % 900) + 100} Elm Street`,
      postal_city: 'Springfield',
      postal_state: 'IL',
      postal_code: '62704',
      occurred_at: occurredAt,
      received_on: receivedOn,
      collected_by: 'mailroom-3',
    });
    const rows = [
      // Dated Monday 2026-11-02, received Wednesday 2026-11-04: 10 business days skip Veterans Day.
      letter(numbers[0]!, '2026-11-02T09:00:00-05:00', '2026-11-04'),
      // Received on Saturday 2026-11-28: counted from Monday 00:00.
      letter(numbers[1]!, '2026-11-20T09:00:00-05:00', '2026-11-28'),
      // Received the day before Thanksgiving, at noon UTC.
      letter(numbers[2]!, '2026-11-20T09:00:00-05:00', '2026-11-25T07:00:00-05:00'),
    ];
    await importLetters(rows, '2026-12-02T15:00:00.000Z');
    const expected: [string, boolean][] = [
      ['2026-11-19T00:00:00.000Z', true],
      ['2026-12-14T00:00:00.000Z', false],
      ['2026-12-10T12:00:00.000Z', false],
    ];
    for (const [index, row] of rows.entries()) {
      const person = (await findPerson(stack.store, { type: 'phone', value: row.phone }))!;
      const address = person.identities.find((identity) => identity.type === 'postal')!.value;
      const [deadline, late] = expected[index]!;
      expectOneDeadline(await deadlinesOf(`request.mail.${row.request_id}`, 'mail', address, { type: 'phone', value: row.phone }), deadline, late);
    }
  });
});
