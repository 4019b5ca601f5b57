import escapeMarkup from 'escape-html';
import { appliedAt, integrationStates, type ExpectedIntegrations, type IntegrationState } from './acks.js';
import { addressesOn, statusOf, type PersonRecord, type Suppression } from '../core/preferences.js';
import { channelIdentity, type Identity } from '../core/identity.js';
import { channels as allChannels, type Channel } from '../core/channels.js';
import { assess, describeDeadline, describeMinutes, type SlaPolicy, type Timeliness } from '../core/sla.js';
import { clockStart, describeCalendar } from '../core/time.js';
// Deadlines here count business days: load the holiday calendar.
import '../core/holidays.js';
import type { StoreContext } from '../store/clients.js';
import { deliveriesOf, type Delivery, type IntegrationAck } from '../store/deliveries.js';
import { batchGetItems } from '../store/dynamo.js';
import { keys } from '../store/keys.js';
import { getSuppression } from '../store/suppressions.js';
import { personHistory, type HistoryEntry, type StoredPerson } from '../store/people.js';

/**
 * The audit trail of one person: for each request, the raw evidence and where it is kept, when the
 * organisation received it and when it reached optout-hub, when it entered the master record, when each channel had it enqueued and acked, and
 * whether the target and the regulatory deadline were met. `traceOf` is pure (tested directly);
 * `readTrace` gathers its inputs; `traceText` and `traceHtml` render it.
 */

export type DistributionState = 'applied' | 'enqueued' | 'not-enqueued' | 'already-in-effect';

export interface ChannelTiming {
  channel: Channel;
  address: string;
  state: DistributionState;
  version?: number;
  enqueuedAt?: string;
  /** When the channel counts it applied (first ack, or every expected integration's). */
  appliedAt?: string;
  ackedBy?: string;
  /** The API key that sent the first ack (kept from when acks started recording keys). */
  ackedByKey?: string;
  acks?: Record<string, IntegrationAck>;
  /** Per integration (expected or acked): applied, refused by its vendor, or pending. */
  integrations: IntegrationState[];
  /** The target runs from when the request entered the master record. */
  target: Exclude<Timeliness, 'approaching'>;
  targetAt: string;
  /** The deadline runs from when the organisation received the request (core/time.ts clockStart); opt-ins have none. */
  deadline?: Timeliness;
  deadlineAt?: string;
  /** Recorded after its deadline had passed: late, and the deadline stays the original one. */
  recordedLate?: true;
  /** The version already carrying this decision, when this request changed nothing new. */
  coveredBy?: { eventId?: string; version: number };
}

export interface TracedEvent {
  eventId: string;
  kind: string;
  channels: Channel[];
  purpose?: string;
  scope?: string;
  effect?: string;
  source?: { type?: string; provider?: string; messageId?: string };
  occurredAt: string;
  /** When the organisation received it, when given apart from the act (a letter's received date). */
  receivedOn?: string;
  /** When optout-hub received it. */
  receivedAt?: string;
  recordedAt: string;
  evidence: Record<string, unknown>;
  /** Where the immutable event (the evidence of record) is kept. */
  keptAt: { table: string; pk: string; sk: string };
  distribution: ChannelTiming[];
}

export interface Trace {
  generatedAt: string;
  personId: string;
  identities: Identity[];
  policy: SlaPolicy;
  events: TracedEvent[];
}

export interface TraceInputs {
  person: PersonRecord;
  history: readonly HistoryEntry[];
  /** The immutable event items, by event id. */
  events: ReadonlyMap<string, Record<string, unknown>>;
  /** Every delivery of the person's addresses. */
  deliveries: readonly Delivery[];
  /** The current suppression item of each of the person's addresses, by `channel#address`. */
  suppressions: ReadonlyMap<string, Suppression>;
  policy: SlaPolicy;
  expected: ExpectedIntegrations;
  now: Date;
  table: string;
}

const isChannelList = (value: unknown): value is Channel[] => Array.isArray(value);

/** The addresses a request was about on a channel: the one it named, or all of the person's. */
function targetsOf(entry: HistoryEntry, detail: Record<string, unknown> | undefined, person: PersonRecord, channel: Channel): string[] {
  if (entry.scope === 'person') return addressesOn(person, channel);
  const subject = (detail?.subject ?? []) as Identity[];
  const address = subject.find((identity) => identity.type === channelIdentity[channel])?.value;
  return address ? [address] : [];
}

export function traceOf(inputs: TraceInputs): Omit<Trace, 'generatedAt'> {
  const { policy, now } = inputs;
  const byAddress = new Map<string, Delivery[]>();
  for (const delivery of inputs.deliveries) {
    const key = `${delivery.channel}#${delivery.address}`;
    byAddress.set(key, [...(byAddress.get(key) ?? []), delivery]);
  }
  for (const list of byAddress.values()) list.sort((a, b) => a.version - b.version);

  const events = inputs.history.map((entry): TracedEvent => {
    const detail = inputs.events.get(entry.eventId);
    const channels = isChannelList(entry.channels) ? entry.channels : [];
    const wanted = entry.kind === 'opt-out' || entry.kind === 'opt-in' ? statusOf({ kind: entry.kind }) : undefined;
    const receivedAt = typeof entry.receivedAt === 'string' ? entry.receivedAt : undefined;
    const receivedOn = typeof entry.receivedOn === 'string' ? entry.receivedOn : undefined;
    const startedAt = clockStart({ occurredAt: entry.occurredAt, ...(receivedOn ? { receivedOn } : {}) });
    const distribution: ChannelTiming[] = [];
    if (wanted && entry.effect === 'applied') {
      for (const channel of channels) {
        const sla = policy.channels[channel];
        for (const address of targetsOf(entry, detail, inputs.person, channel)) {
          const deliveries = byAddress.get(`${channel}#${address}`) ?? [];
          // The first version this request produced on the address; later ones re-state it (merges, links).
          let delivery = deliveries.find((candidate) => candidate.eventId === entry.eventId);
          let coveredBy: ChannelTiming['coveredBy'];
          let state: DistributionState;
          if (delivery) {
            state = appliedAt(delivery, inputs.expected(channel, delivery)) ? 'applied' : delivery.enqueuedAt ? 'enqueued' : 'not-enqueued';
          } else {
            const current = inputs.suppressions.get(`${channel}#${address}`);
            if (current && current.status === wanted && current.eventId !== entry.eventId) {
              // An earlier request had already put the address in this state: nothing new to send.
              delivery = deliveries.find((candidate) => candidate.version === current.version);
              coveredBy = { eventId: current.eventId, version: current.version };
              state = 'already-in-effect';
            } else {
              state = 'not-enqueued';
            }
          }
          const expected = inputs.expected(channel, delivery);
          const applied = appliedAt(delivery, expected);
          const judgedAt = state === 'already-in-effect' && applied && applied < entry.recordedAt ? entry.recordedAt : applied;
          const assessment = assess(sla, { startedAt, recordedAt: entry.recordedAt }, judgedAt, now, policy.calendar);
          // The regulatory deadline is about honouring opt-outs; an opt-in is held to the target only.
          const deadline = wanted === 'suppressed' ? assessment : undefined;
          distribution.push({
            channel,
            address,
            state,
            ...(delivery ? { version: delivery.version } : {}),
            ...(delivery?.enqueuedAt ? { enqueuedAt: delivery.enqueuedAt } : {}),
            ...(applied ? { appliedAt: applied } : {}),
            ...(delivery?.ackedBy ? { ackedBy: delivery.ackedBy } : {}),
            ...(delivery?.ackedBy && delivery.acks?.[delivery.ackedBy]?.keyId ? { ackedByKey: delivery.acks[delivery.ackedBy]!.keyId } : {}),
            ...(delivery?.acks ? { acks: delivery.acks } : {}),
            integrations: integrationStates(delivery, expected),
            target: assessment.target,
            targetAt: assessment.targetAt,
            ...(deadline ? { deadline: deadline.deadline, deadlineAt: deadline.deadlineAt } : {}),
            ...(deadline?.recordedLate ? { recordedLate: true as const } : {}),
            ...(coveredBy ? { coveredBy } : {}),
          });
        }
      }
    }
    const { pk, sk } = keys.event(entry.eventId);
    return {
      eventId: entry.eventId,
      kind: entry.kind,
      channels,
      ...(typeof entry.purpose === 'string' ? { purpose: entry.purpose } : {}),
      ...(typeof entry.scope === 'string' ? { scope: entry.scope } : {}),
      ...(typeof entry.effect === 'string' ? { effect: entry.effect } : {}),
      ...(entry.source ? { source: entry.source as TracedEvent['source'] } : {}),
      occurredAt: entry.occurredAt,
      ...(receivedOn ? { receivedOn } : {}),
      ...(receivedAt ? { receivedAt } : {}),
      recordedAt: entry.recordedAt,
      evidence: (detail?.evidence as Record<string, unknown> | undefined) ?? {},
      keptAt: { table: inputs.table, pk, sk },
      distribution,
    };
  });
  return { personId: inputs.person.personId, identities: inputs.person.identities, policy, events };
}

/** Reads everything a person's trace needs and builds it. */
export async function readTrace(
  ctx: StoreContext,
  person: StoredPerson,
  options: {
    policy: SlaPolicy;
    expected: ExpectedIntegrations;
    now?: Date;
    /** The person's history, when the caller has read it already. */
    history?: readonly HistoryEntry[];
  },
): Promise<Trace> {
  const now = options.now ?? new Date();
  const history = options.history ?? (await personHistory(ctx, person));
  const addresses = allChannels.flatMap((channel) => addressesOn(person, channel).map((address) => ({ channel, address })));
  const [eventItems, deliveries, suppressions] = await Promise.all([
    batchGetItems(
      ctx,
      ctx.tables.preferences,
      history.map((entry) => keys.event(entry.eventId)),
    ),
    Promise.all(addresses.map(({ channel, address }) => deliveriesOf(ctx, channel, address))),
    Promise.all(addresses.map(({ channel, address }) => getSuppression(ctx, channel, address))),
  ]);
  const events = new Map(eventItems.map((item) => [String(item.pk).slice('EVENT#'.length), item]));
  const current = new Map(suppressions.filter((item): item is Suppression => item !== undefined).map((item) => [`${item.channel}#${item.address}`, item]));
  const trace = traceOf({
    person,
    history,
    events,
    deliveries: deliveries.flat(),
    suppressions: current,
    policy: options.policy,
    expected: options.expected,
    now,
    table: ctx.tables.preferences,
  });
  return { generatedAt: now.toISOString(), ...trace };
}

function after(from: string | undefined, to: string | undefined): string {
  if (!from || !to) return '';
  const ms = Date.parse(to) - Date.parse(from);
  const sign = ms < 0 ? '-' : '+';
  const abs = Math.abs(ms);
  if (abs < 1000) return ` (${sign}${abs} ms)`;
  if (abs < 120_000) return ` (${sign}${(abs / 1000).toFixed(1)} s)`;
  if (abs < 7_200_000) return ` (${sign}${Math.round(abs / 60_000)} min)`;
  return ` (${sign}${(abs / 3_600_000).toFixed(1)} h)`;
}

const deadlineWords: Record<Timeliness, string> = {
  met: 'met',
  missed: 'MISSED',
  pending: 'pending',
  approaching: 'pending, APPROACHING',
};

function evidenceLine(event: TracedEvent): string {
  const parts: string[] = [];
  const evidence = event.evidence;
  if (typeof evidence.payloadSha256 === 'string') parts.push(`payload sha256 ${evidence.payloadSha256}`);
  for (const field of ['method', 'collectedBy', 'reference', 'note'] as const) {
    if (typeof evidence[field] === 'string') parts.push(`${field} ${evidence[field]}`);
  }
  if (event.source?.provider) parts.push(`via ${event.source.provider}${event.source.messageId ? ` message ${event.source.messageId}` : ''}`);
  return parts.join(', ') || 'none recorded';
}

function headline(event: TracedEvent): string {
  const about = event.channels.length ? ` on ${event.channels.join(', ')}` : '';
  const scope = event.purpose ? ` (purpose ${event.purpose}${event.scope ? `, scope ${event.scope}` : ''})` : '';
  return `${event.kind}${about}${scope}${event.effect ? ` [${event.effect}]` : ''}`;
}

/** Each integration and where it stands (with the API key that sent its ack when one was recorded). */
function ackers(timing: ChannelTiming): string | undefined {
  const states = (timing.integrations ?? []).map((entry) => {
    const key = timing.acks?.[entry.integration]?.keyId;
    const who = key ? `${entry.integration} (key ${key})` : entry.integration;
    if (entry.state === 'applied') return `${who} applied ${entry.at}`;
    if (entry.state === 'refused') return `${who} REFUSED ${entry.at}: ${entry.reason}`;
    return `${who} pending`;
  });
  return states.join(', ') || timing.ackedBy;
}

function timingLine(timing: ChannelTiming): string {
  const parts = [`${timing.channel} ${timing.address}${timing.version ? ` v${timing.version}` : ''}: ${timing.state}`];
  if (timing.coveredBy) parts.push(`already in effect by ${timing.coveredBy.eventId ?? 'an earlier request'} (v${timing.coveredBy.version})`);
  if (timing.enqueuedAt) parts.push(`enqueued ${timing.enqueuedAt}`);
  if (timing.appliedAt) parts.push(`acked ${timing.appliedAt}`);
  const integrations = ackers(timing);
  if (integrations) parts.push(`integrations: ${integrations}`);
  parts.push(`target ${timing.target} (by ${timing.targetAt})`);
  if (timing.deadline) parts.push(`deadline ${deadlineWords[timing.deadline]} (${dueWords(timing)})`);
  return parts.join('; ');
}

function dueWords(timing: ChannelTiming): string {
  return `due ${timing.deadlineAt}${timing.recordedLate ? ', LATE: recorded after its deadline' : ''}`;
}

function policyLines(policy: SlaPolicy): string[] {
  return [
    ...Object.values(policy.channels).map(
      (sla) =>
        `${sla.channel}: apply within ${describeMinutes(sla.targetMinutes)} of recording; deadline ${describeDeadline(sla.deadline)} of receipt (${sla.basis})`,
    ),
    `business days: ${describeCalendar(policy.calendar)}, in UTC`,
  ];
}

/**
 * Evidence is whatever a caller with an ingest key sent (a note, a reference, a message id), and a
 * terminal obeys control characters: ESC[2J clears an auditor's screen, OSC 8 plants a link, and a
 * bidi override (U+202E) makes text read backwards. Every C0/C1 control character, DEL and bidi
 * formatting character is therefore printed as a visible \\u escape instead; the text of a trace
 * never needs one (lines are joined afterwards).
 */
function unprintable(code: number): boolean {
  return (
    code < 0x20 ||
    (code >= 0x7f && code <= 0x9f) ||
    code === 0x061c ||
    code === 0x200e ||
    code === 0x200f ||
    (code >= 0x202a && code <= 0x202e) ||
    (code >= 0x2066 && code <= 0x2069)
  );
}

export function printable(text: string): string {
  let out = '';
  for (const char of text) {
    const code = char.codePointAt(0)!;
    out += unprintable(code) ? `\\u${code.toString(16).padStart(4, '0')}` : char;
  }
  return out;
}

export function traceText(trace: Trace, subject: string): string {
  const lines = [
    `Opt-out trace for ${subject}: person ${trace.personId}`,
    `Identities: ${trace.identities.map((identity) => `${identity.type} ${identity.value}`).join('; ')}`,
    `Generated ${trace.generatedAt}`,
    '',
  ];
  if (trace.events.length === 0) lines.push('No requests recorded.');
  trace.events.forEach((event, index) => {
    lines.push(`${index + 1}. ${headline(event)}  event ${event.eventId}`);
    lines.push(`   evidence   ${evidenceLine(event)}`);
    lines.push(`   kept at    ${event.keptAt.table} item pk=${event.keptAt.pk} sk=${event.keptAt.sk}`);
    lines.push(`   acted      ${event.occurredAt}`);
    if (event.receivedOn) lines.push(`   received   ${event.receivedOn} (by the organisation; deadlines run from here)`);
    if (event.receivedAt) lines.push(`   arrived    ${event.receivedAt}`);
    lines.push(`   recorded   ${event.recordedAt}${after(event.receivedAt, event.recordedAt)}`);
    for (const timing of event.distribution) lines.push(`   ${timingLine(timing)}`);
    lines.push('');
  });
  lines.push('Time windows:', ...policyLines(trace.policy).map((line) => `  ${line}`));
  return `${lines.map(printable).join('\n')}\n`;
}

// Markup is escaped; bidi overrides would still reorder what the browser shows, so they go too.
const escapeHtml = (value: string) => escapeMarkup(printable(value));
const cell = (value: string | undefined) => `<td>${escapeHtml(value ?? '—')}</td>`;
const verdictClass = (value: string | undefined) => (value === 'met' ? 'ok' : value === 'missed' ? 'bad' : value ? 'warn' : '');

/** One self-contained page (no scripts, no external assets); every value escaped. */
export function traceHtml(trace: Trace, subject: string): string {
  const sections = trace.events.map((event, index) => {
    const rows = event.distribution
      .map(
        (timing) =>
          `<tr>${cell(timing.channel)}${cell(timing.address)}${cell(timing.version ? `v${timing.version}` : undefined)}${cell(timing.state)}${cell(
            timing.enqueuedAt,
          )}${cell(timing.appliedAt)}${cell(ackers(timing))}<td class="${verdictClass(timing.target)}">${escapeHtml(
            `${timing.target} (by ${timing.targetAt})`,
          )}</td><td class="${verdictClass(timing.deadline)}">${escapeHtml(timing.deadline ? `${deadlineWords[timing.deadline]} (${dueWords(timing)})` : 'n/a')}</td></tr>`,
      )
      .join('\n');
    return `<section>
<h2>${index + 1}. ${escapeHtml(headline(event))}</h2>
<dl>
<dt>Event</dt><dd><code>${escapeHtml(event.eventId)}</code></dd>
<dt>Evidence</dt><dd>${escapeHtml(evidenceLine(event))}</dd>
<dt>Kept at</dt><dd>${escapeHtml(`${event.keptAt.table} item pk=${event.keptAt.pk} sk=${event.keptAt.sk}`)}</dd>
<dt>Person acted</dt><dd>${escapeHtml(event.occurredAt)}</dd>
${event.receivedOn ? `<dt>Received by the organisation</dt><dd>${escapeHtml(event.receivedOn)} (deadlines run from here)</dd>\n` : ''}<dt>Arrived</dt><dd>${escapeHtml(event.receivedAt ?? '—')}</dd>
<dt>Entered the master record</dt><dd>${escapeHtml(`${event.recordedAt}${after(event.receivedAt, event.recordedAt)}`)}</dd>
</dl>
${
  rows
    ? `<div class="scroll" role="region" aria-label="${escapeHtml(`Distribution of request ${index + 1}`)}" tabindex="0"><table><thead><tr><th>Channel</th><th>Address</th><th>Version</th><th>State</th><th>Enqueued</th><th>Applied (acked)</th><th>Integrations</th><th>Target</th><th>Deadline</th></tr></thead>
<tbody>
${rows}
</tbody></table></div>`
    : '<p>No change for any channel to apply.</p>'
}
</section>`;
  });
  const windows = policyLines(trace.policy)
    .map((line) => `<li>${escapeHtml(line)}</li>`)
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(`Opt-out proof for ${subject}`)}</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;padding:0 1rem;max-width:70rem;color:#111;overflow-wrap:anywhere}
h1{font-size:1.4rem}h2{font-size:1.1rem;margin-top:2rem}
dl{display:grid;grid-template-columns:14rem minmax(0,1fr);gap:.2rem 1rem}dt{color:#555}dd{margin:0}
.scroll{overflow-x:auto;margin-top:.6rem}.scroll:focus-visible{outline:2px solid #1a55c4}
table{border-collapse:collapse;width:100%}th,td{border:1px solid #ccc;padding:.3rem .45rem;text-align:left;vertical-align:top;min-width:6rem}
@media (max-width:40rem){body{margin:1rem auto}dl{grid-template-columns:minmax(0,1fr)}dt{margin-top:.4rem}}
.ok{background:#e7f6ea}.bad{background:#fde2e2;font-weight:600}.warn{background:#fff4d6}
code{font-size:.9em}footer{margin-top:2rem;color:#555}
</style>
</head>
<body>
<h1>${escapeHtml(`Opt-out proof for ${subject}`)}</h1>
<p>Person <code>${escapeHtml(trace.personId)}</code>; identities: ${escapeHtml(trace.identities.map((identity) => `${identity.type} ${identity.value}`).join('; '))}.<br>
Generated ${escapeHtml(trace.generatedAt)} by optout-hub from the master record.</p>
${sections.join('\n') || '<p>No requests recorded.</p>'}
<footer><h2>Time windows</h2><ul>
${windows}
</ul></footer>
</body>
</html>
`;
}
