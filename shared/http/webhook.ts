import type { SecretName } from '../platform/config.js';

/**
 * What every webhook intake (SMS, email, calls) shares: the request as signature schemes see it,
 * and the answer a provider expects back.
 */

/** A webhook request reduced to what signature schemes need, independent of API Gateway. */
export interface WebhookRequest {
  method: string;
  /** The public URL the provider called, query string included. */
  url: string;
  /** Query parameters (providers that call with GET put the message here). */
  query: Record<string, string>;
  /** Lower-cased header names. */
  headers: Record<string, string | undefined>;
  contentType: string;
  /** The exact body, as signed. */
  rawBody: string;
}

export interface Acknowledgement {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

/** The configured secrets a provider reads; an absent one is undefined. */
export type Secrets = Partial<Record<SecretName, string>>;

/**
 * A plain 200: what providers that cannot be answered in the response expect. Those providers
 * reply only through their APIs, so no confirmation is sent from here for them.
 */
export function acknowledgeOk(): Acknowledgement {
  return { statusCode: 200, headers: {}, body: '' };
}

export function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!);
}
