import { z } from 'zod';
import { channels } from './resources.js';

/**
 * The canonical event every source is normalized into: whatever the channel or provider, a
 * signal says who acted, on which address, wanting what, when, and how we know.
 */
export const signalSchema = z.object({
  /** Derived from the source's own message id, so a retried delivery maps to the same signal. */
  id: z.string().min(1).max(256),
  kind: z.enum(['opt-out', 'opt-in', 'help']),
  channel: z.enum(channels),
  /** Normalized address: E.164 for phones. */
  address: z.string().min(1),
  purpose: z.string().min(1).default('all'),
  scope: z.enum(['address', 'person']).default('address'),
  /** When the person acted; decides ordering. */
  occurredAt: z.iso.datetime(),
  /** When optout-hub received it. */
  receivedAt: z.iso.datetime(),
  source: z.object({
    type: z.enum(['sms-keyword']),
    provider: z.string().min(1),
    messageId: z.string().min(1),
  }),
  /** How the source's content was read, e.g. which keyword matched. */
  match: z.record(z.string(), z.unknown()).optional(),
  /** SHA-256 of the raw request: proof of what arrived without storing personal data in logs. */
  evidence: z.object({ payloadSha256: z.string().regex(/^[0-9a-f]{64}$/) }),
});

export type Signal = z.infer<typeof signalSchema>;
export type SignalInput = z.input<typeof signalSchema>;

/** Whether a signal changes what may be sent, as opposed to being recorded only. */
export function changesSuppression(signal: Signal): boolean {
  return signal.kind === 'opt-out' || signal.kind === 'opt-in';
}
