import type { SecretName } from '../../../platform/config.js';
import type { Acknowledgement, Secrets, WebhookRequest } from '../../../http/webhook.js';

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
  /**
   * Set when the signature that verified the request does not cover the message's fields (Plivo
   * V2): anyone who saw one signed request could have written them, so the message may opt out
   * or ask for help but is never read as an opt-in.
   */
  unsignedBody?: true;
}

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
