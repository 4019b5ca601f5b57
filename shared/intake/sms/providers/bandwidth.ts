import { BadRequestError, ConfigurationError } from '../../../core/errors.js';
import { verifyBasicAuth } from '../../../http/basic-auth.js';
import type { InboundSms, SmsProvider } from './types.js';
import { acknowledgeOk } from '../../../http/webhook.js';

/**
 * Bandwidth Messaging v2 callbacks: a JSON array of events, authenticated only by the HTTP Basic
 * credentials set on the messaging application (there is no signature and no timestamp, so no
 * replay window: duplicates are absorbed by the message id, which Bandwidth also says to expect).
 */

type Json = Record<string, unknown>;

function object(value: unknown): Json | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * The number of ours that received the message. `message.owner` is documented as exactly that
 * ("for an inbound group message … the to number that this particular copy belongs to"), and the
 * event's own `to` is the same; `message.to` lists every group recipient, so its first entry is
 * only a last resort (a one-to-one message has just one).
 */
function recipient(event: Json, message: Json): string | undefined {
  const listed = Array.isArray(message.to) ? message.to : [];
  return text(message.owner) ?? text(event.to) ?? text(listed[0]);
}

function inbound(event: Json, message: Json, index: number): InboundSms {
  const messageId = text(message.id);
  const from = text(message.from);
  const to = recipient(event, message);
  if (!messageId) throw new BadRequestError(`Callback ${index} has no message.id.`);
  if (!from) throw new BadRequestError(`Callback ${index} has no message.from.`);
  if (!to) throw new BadRequestError(`Callback ${index} names no recipient (message.owner, to or message.to).`);
  const occurredAt = text(message.time) ?? text(event.time);
  return {
    provider: 'bandwidth',
    messageId,
    from,
    to,
    text: typeof message.text === 'string' ? message.text : '',
    ...(occurredAt ? { occurredAt } : {}),
  };
}

/**
 * Reads an authenticated callback body; call only after the credentials are checked. Every entry
 * is read before anything is returned, so one malformed message-received refuses the whole batch
 * (400) and the handler records none of it. Other event types (message-delivered,
 * message-failed, message-sending) are ours to acknowledge, not to record.
 */
export function parseBandwidthCallbacks(rawBody: string): InboundSms[] {
  let events: unknown;
  try {
    events = JSON.parse(rawBody);
  } catch {
    throw new BadRequestError('The Bandwidth callback body is not valid JSON.');
  }
  if (!Array.isArray(events)) throw new BadRequestError('Bandwidth callbacks are a JSON array of events.');
  const messages: InboundSms[] = [];
  events.forEach((entry, index) => {
    const event = object(entry);
    if (!event) throw new BadRequestError(`Callback ${index} is not an object.`);
    if (event.type !== 'message-received') return;
    const message = object(event.message);
    if (!message) throw new BadRequestError(`Callback ${index} is a message-received without a message.`);
    if (message.direction !== 'in') return;
    messages.push(inbound(event, message, index));
  });
  return messages;
}

export const bandwidth: SmsProvider = {
  secrets: ['BANDWIDTH_USERNAME', 'BANDWIDTH_PASSWORD'],
  read(request, secrets) {
    const username = secrets.BANDWIDTH_USERNAME;
    const password = secrets.BANDWIDTH_PASSWORD;
    // Bandwidth calls the application's credentials optional; we do not: without them anyone
    // could post opt-outs in a customer's name.
    if (!username || !password) {
      throw new ConfigurationError('BANDWIDTH_USERNAME and BANDWIDTH_PASSWORD must both be configured, so Bandwidth callbacks are refused.');
    }
    verifyBasicAuth(request, { username, password }, 'Bandwidth');
    return parseBandwidthCallbacks(request.rawBody);
  },
  // Any 2xx within 10 seconds; the body is not read (replies go through the Messaging API).
  acknowledge: acknowledgeOk,
};
