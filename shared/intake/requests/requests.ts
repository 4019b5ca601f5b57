import type { CountryCode } from 'libphonenumber-js/max';
import { z } from 'zod';
import { BadRequestError } from '../../core/errors.js';
import { subjectIdentities, subjectSchema } from '../../core/identity.js';
import { addressFor } from '../../core/preferences.js';
import { channels } from '../../core/channels.js';
import { evidenceSchema, signalSchema, type Signal } from '../../core/signal.js';
import { isWellFormed } from '../../core/text.js';
import { actTime, receivedOnTime } from '../../core/time.js';

/**
 * The canonical request any system can send (`POST /v1/requests`): a mail-in letter keyed by
 * staff, a CRM preference change, a web form. It becomes a signal like any other.
 */
export const requestSchema = z
  .object({
    /** The sender's own id for this request; sending it again is a no-op. */
    requestId: z
      .string()
      .min(1)
      .max(180)
      // Stored as UTF-8, ids that differ only in an unpaired surrogate would be one event.
      .refine(isWellFormed, 'not well-formed Unicode (an unpaired surrogate)'),
    kind: z.enum(['opt-out', 'opt-in']),
    channels: z.array(z.enum(channels)).min(1),
    purpose: z.string().min(1).default('all'),
    scope: z.enum(['address', 'person']).default('address'),
    subject: subjectSchema,
    /** When the person made the request (the letter's date, the call's time). */
    occurredAt: z.iso.datetime({ offset: true }),
    /**
     * When the organisation received it, if later than occurredAt: the date a letter came in
     * (YYYY-MM-DD, or an ISO 8601 date-time with offset). The deadline runs from here.
     */
    receivedOn: z.union([z.iso.date(), z.iso.datetime({ offset: true })]).optional(),
    /** Where it came from: `mail`, `web`, `crm`, `agent`, `api`, … */
    source: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lower-case letters, digits and hyphens'),
    evidence: evidenceSchema.default({}),
  })
  .strict();

export type CanonicalRequest = z.infer<typeof requestSchema>;

export function signalFromRequest(request: CanonicalRequest, context: { receivedAt: Date; defaultRegion: CountryCode }): Signal {
  // The one future-date rule (core/time.ts): a caller reads our answer, so a future date is a 400.
  const occurredAt = actTime(request.occurredAt, context.receivedAt, 'caller');
  const receivedOn = request.receivedOn ? receivedOnTime(request.receivedOn, occurredAt, context.receivedAt) : undefined;
  const subject = subjectIdentities(request.subject, context.defaultRegion);
  if (subject.length === 0) throw new BadRequestError('The subject names nobody: give a phone, email, postal address or externalId.');
  const signal = signalSchema.parse({
    id: `request.${request.source}.${request.requestId}`,
    kind: request.kind,
    channels: [...new Set(request.channels)],
    purpose: request.purpose,
    scope: request.scope,
    subject,
    occurredAt,
    receivedAt: context.receivedAt.toISOString(),
    ...(receivedOn ? { receivedOn } : {}),
    source: { type: 'request', provider: request.source, messageId: request.requestId },
    evidence: request.evidence,
  });
  if (signal.scope === 'address') {
    const missing = signal.channels.filter((channel) => !addressFor(signal, channel));
    if (missing.length) {
      throw new BadRequestError(`An address-scoped request needs the subject's address on ${missing.join(', ')}.`);
    }
  }
  return signal;
}
