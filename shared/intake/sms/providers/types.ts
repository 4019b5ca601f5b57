import type { SecretName } from '../../../platform/config.js';

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

/** An inbound text as a provider reported it, after its signature was verified. */
export interface InboundSms {
  provider: string;
  messageId: string;
  from: string;
  to: string;
  text: string;
  /** When the provider received it (ISO 8601), where the provider says so. */
  occurredAt?: string;
  /** The provider's own reading of the message (Twilio Advanced Opt-Out, Plivo MessageIntent). */
  providerIntent?: 'opt-out' | 'opt-in' | 'help';
}

/** The configured secrets a provider reads; an absent one is undefined. */
export type Secrets = Partial<Record<SecretName, string>>;

export interface SmsProvider {
  /** Configuration this provider's verification reads. */
  secrets: readonly SecretName[];
  /**
   * Verifies the caller, then reads the messages (one callback may carry several). Nothing of the
   * body is trusted before verification passes; with no secret configured every request is
   * refused (ConfigurationError), never accepted.
   */
  read(request: WebhookRequest, secrets: Secrets, now: Date): InboundSms[];
  /**
   * What the provider expects back once the messages are durably recorded; with a reply, the
   * provider's way of answering the message in the response, where it has one.
   */
  acknowledge(reply?: Reply): Acknowledgement;
}

/** A text to send back to the sender of `message` (the one opt-out confirmation). */
export interface Reply {
  text: string;
  message: InboundSms;
}

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
