import { z } from 'zod';
import { UnprocessableError } from './errors.js';
import { identityTypes } from './identity.js';
import { channels } from './channels.js';

/**
 * The canonical event every source is normalized into: whatever the channel or provider, a
 * signal says who acted, on which channels, wanting what, for which purpose and scope, when, and
 * how we know.
 */

const identitySchema = z.object({ type: z.enum(identityTypes), value: z.string().min(1) });

export const evidenceSchema = z
  .object({
    /** SHA-256 of the raw request: proof of what arrived, without keeping personal data in logs. */
    payloadSha256: z
      .string()
      .regex(/^[0-9a-f]{64}$/)
      .optional(),
    /** Who took the request (an agent, a staff member keying a letter, a system). */
    collectedBy: z.string().min(1).max(256).optional(),
    /** How it was made: `sms-keyword`, `letter`, `web-form`, `phone-call`, … */
    method: z.string().min(1).max(64).optional(),
    /** Where the original is kept (a scan's id, a ticket, a recording). */
    reference: z.string().min(1).max(1024).optional(),
    note: z.string().max(2000).optional(),
  })
  .strict();
export type Evidence = z.infer<typeof evidenceSchema>;

export const signalSchema = z.object({
  /** Derived from the source's own message or request id, so a retried delivery is the same signal. */
  id: z.string().min(1).max(256),
  kind: z.enum(['opt-out', 'opt-in', 'help']),
  channels: z.array(z.enum(channels)).min(1),
  purpose: z.string().min(1).default('all'),
  scope: z.enum(['address', 'person']).default('address'),
  /** The person, by every identity the source gave, normalized. */
  subject: z.array(identitySchema).min(1),
  /** When the person acted; decides ordering. */
  occurredAt: z.iso.datetime(),
  /** When optout-hub received it. */
  receivedAt: z.iso.datetime(),
  /**
   * When the organisation received it, where that is later than the act and earlier than
   * optout-hub's receipt (a letter's received date). The deadline runs from here (core/time.ts
   * clockStart); absent, it runs from the act.
   */
  receivedOn: z.iso.datetime().optional(),
  source: z.object({
    type: z.enum(['sms-keyword', 'request', 'call-disposition', 'email-unsubscribe', 'esp-event']),
    /** The provider or system that delivered it (twilio, crm, mail-room, …). */
    provider: z.string().min(1),
    messageId: z.string().min(1),
  }),
  /** How the source's content was read, e.g. which keyword matched. */
  match: z.record(z.string(), z.unknown()).optional(),
  evidence: evidenceSchema,
});

export type Signal = z.infer<typeof signalSchema>;
export type SignalInput = z.input<typeof signalSchema>;

/**
 * Rules a well-formed signal must also meet. An opt-in lifts a suppression, so it must carry who
 * took it and how (an SMS START carries its provider and `sms-keyword`); without that it is
 * refused.
 */
export function assertActionable(signal: Signal): void {
  if (signal.kind === 'opt-in' && !(signal.evidence.collectedBy && signal.evidence.method)) {
    throw new UnprocessableError('An opt-in needs evidence: who collected it (collectedBy) and how (method).');
  }
}
