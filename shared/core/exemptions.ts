import { z } from 'zod';
import { assertDate } from './registries.js';

/**
 * What lets a seller call a number that is on the national or a state Do-Not-Call list, recorded
 * per number with its evidence and dates. Exemptions never reach an internal opt-out (a person
 * who told us to stop), the litigator list or an internal list: those block whatever is recorded.
 *
 * - An established business relationship (47 CFR 64.1200(f)(5); 16 CFR 310.2(q)): 18 months
 *   after the person's last purchase or transaction, 3 months after their last inquiry.
 * - Prior express written consent (47 CFR 64.1200(c)(2)(ii), (f)(9)): a signed agreement to be
 *   called at this number, from its date until it is revoked.
 */

export const exemptionKinds = ['ebr-transaction', 'ebr-inquiry', 'written-consent'] as const;
export type ExemptionKind = (typeof exemptionKinds)[number];

export const exemptionSchema = z.object({
  kind: z.enum(exemptionKinds),
  /** The purchase, transaction, inquiry or signature date (YYYY-MM-DD). */
  date: z.string(),
  /** Where the proof is: an order number, a CRM record, the signed form's id. Never the proof itself. */
  evidence: z.string().trim().min(1).max(500),
  /** The day the person revoked consent (written consent only). */
  revokedOn: z.string().optional(),
});

export type ExemptionInput = z.infer<typeof exemptionSchema>;

export interface Exemption extends ExemptionInput {
  /** The first day it no longer applies (YYYY-MM-DD); null while it lasts. */
  expiresOn: string | null;
  recordedAt: string;
}

function addMonths(date: string, months: number): string {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  const target = new Date(Date.UTC(year, month - 1 + months, 1));
  // The same day of the month, or the month's last day (18 months after 31 August is 28/29 February).
  const last = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(day, last));
  return target.toISOString().slice(0, 10);
}

/** The day after the last day an exemption applies; null for consent not revoked. */
export function expiresOn(input: ExemptionInput): string | null {
  assertDate(input.date, 'date');
  if (input.revokedOn !== undefined) assertDate(input.revokedOn, 'revokedOn');
  switch (input.kind) {
    case 'ebr-transaction':
      return addMonths(input.date, 18);
    case 'ebr-inquiry':
      return addMonths(input.date, 3);
    case 'written-consent':
      return input.revokedOn ?? null;
  }
}

/**
 * Whether an exemption covers a contact on `day` (YYYY-MM-DD, the called party's local date):
 * from its date, until the day before it expires.
 */
export function exemptionApplies(exemption: Pick<Exemption, 'date' | 'expiresOn'>, day: string): boolean {
  return exemption.date <= day && (exemption.expiresOn === null || day < exemption.expiresOn);
}

/**
 * The consent date the reassigned-numbers query needs: the latest written consent in force (the
 * current holder's), so a number reassigned before that consent does not count against it.
 */
export function consentDate(exemptions: readonly Exemption[], day: string): string | undefined {
  return exemptions
    .filter((exemption) => exemption.kind === 'written-consent' && exemptionApplies(exemption, day))
    .map((exemption) => exemption.date)
    .sort()
    .pop();
}
