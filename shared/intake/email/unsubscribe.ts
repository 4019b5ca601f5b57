import { createHash } from 'node:crypto';
import { purposes } from '../../platform/config.js';
import { BadRequestError } from '../../core/errors.js';
import { signalSchema, type Signal } from '../../core/signal.js';
import type { UnsubscribeClaims } from './tokens.js';

/**
 * What a POST to an unsubscribe link means. Mail clients send exactly `List-Unsubscribe=One-Click`
 * (RFC 8058: multipart/form-data should be used, x-www-form-urlencoded may be); the page's form
 * sends the same field plus, optionally, `scope=all-marketing`.
 */

export interface UnsubscribeChoice {
  /** Also unsubscribe from all marketing email, not only the link's topic. */
  allMarketing: boolean;
}

/** Reads the POST body; anything but a one-click request is a 400 and writes nothing. */
export async function readUnsubscribePost(contentType: string, rawBody: string): Promise<UnsubscribeChoice> {
  const type = contentType.toLowerCase();
  let fields: { get(name: string): unknown; getAll(name: string): unknown[] };
  if (type.startsWith('application/x-www-form-urlencoded')) {
    fields = new URLSearchParams(rawBody);
  } else if (type.startsWith('multipart/form-data')) {
    try {
      // The platform's own multipart parser (undici), fed the exact body and boundary.
      fields = await new Response(rawBody, { headers: { 'content-type': contentType } }).formData();
    } catch {
      throw new BadRequestError('The multipart/form-data body cannot be read.');
    }
  } else {
    throw new BadRequestError('Send List-Unsubscribe=One-Click as multipart/form-data or application/x-www-form-urlencoded (RFC 8058).');
  }
  if (fields.get('List-Unsubscribe') !== 'One-Click') {
    throw new BadRequestError('The body must be List-Unsubscribe=One-Click (RFC 8058).');
  }
  return { allMarketing: fields.getAll('scope').includes('all-marketing') };
}

/**
 * The purpose the link stands for now. A topic removed from PURPOSES since the mail was sent still
 * has to unsubscribe someone (CAN-SPAM: the link must keep working), so it widens to marketing.
 */
export function effectivePurpose(claims: UnsubscribeClaims): string {
  return purposes().includes(claims.purpose) ? claims.purpose : 'marketing';
}

export const sha256Hex = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/**
 * The signals of one POST: the link's topic, and all marketing email when asked. The event id comes
 * from the token, so a mail client that posts twice (or a person who presses twice) records once.
 */
export function signalsFromUnsubscribe(
  token: string,
  claims: UnsubscribeClaims,
  choice: UnsubscribeChoice,
  context: { receivedAt: Date; rawBody: string; userAgent?: string },
): Signal[] {
  const tokenHash = sha256Hex(token);
  const topic = effectivePurpose(claims);
  const wanted = choice.allMarketing && topic !== 'marketing' && topic !== 'all' ? [topic, 'marketing'] : [topic];
  return wanted.map((purpose) =>
    signalSchema.parse({
      id: purpose === topic ? `email.unsubscribe.${tokenHash}` : `email.unsubscribe.${tokenHash}.${purpose}`,
      kind: 'opt-out',
      channels: ['email'],
      purpose,
      scope: 'address',
      subject: [{ type: 'email', value: claims.email }],
      occurredAt: context.receivedAt.toISOString(),
      receivedAt: context.receivedAt.toISOString(),
      source: { type: 'email-unsubscribe', provider: 'unsubscribe-link', messageId: tokenHash },
      evidence: {
        payloadSha256: sha256Hex(context.rawBody),
        method: 'list-unsubscribe',
        note: `Link issued ${claims.issuedAt.toISOString()} for ${claims.purpose} (key ${claims.kid})${context.userAgent ? `; user agent ${context.userAgent.slice(0, 200)}` : ''}.`,
      },
    }),
  );
}
