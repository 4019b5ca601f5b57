/**
 * A call disposition as every dialer reduces to it: who was called, what the agent chose to close
 * the call with, by whom, on which call and when. Adapters (adapters.ts) read each dialer's own
 * payload into this; everything after that is the same for every dialer.
 */
export interface CallDisposition {
  dialer: string;
  /** The dialer's own id for the call (or task, conversation, contact). */
  callId: string;
  /** The customer's number as the dialer wrote it; normalized later. */
  phone: string;
  /** The disposition (wrap-up) code exactly as the dialer sent it. */
  code: string;
  agentId?: string;
  /** When the call was dispositioned (ISO 8601); absent when the dialer did not say. */
  occurredAt?: string;
  /** Only the generic shape may widen a do-not-call / do-not-text to the whole person. */
  scope?: 'address' | 'person';
}

/**
 * What a disposition means for contact:
 * - `do-not-call`: no more calls to this number (voice, address scope);
 * - `do-not-contact`: no contact at all, on any channel (person scope);
 * - `do-not-text`: no more texts to this number (sms, address scope);
 * - `wrong-number`: the number is not this person's: unlink it and suppress calls and texts to it;
 * - `ignore`: an ordinary outcome (sale, no answer, …).
 */
export const dispositionActions = ['do-not-call', 'do-not-contact', 'do-not-text', 'wrong-number', 'ignore'] as const;
export type DispositionAction = (typeof dispositionActions)[number];
