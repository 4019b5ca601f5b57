import type { WindowAnswer } from './calling-window.js';
import { exemptionApplies, type Exemption } from './exemptions.js';
import { isExemptable, listingReason, type ListName } from './registries.js';

/**
 * The one pre-contact answer for a call or text, from what each source said: the internal
 * opt-out record, every Do-Not-Call list, the exemptions recorded for the number, the calling
 * window and the reassigned-numbers database. Pure: the sources are read elsewhere. Anything that
 * could not be read blocks (fail closed) and is named in `failures`.
 */

export type Reassigned = 'yes' | 'no' | 'no-data' | 'not-checked';

export interface ListFacts {
  list: ListName;
  asOf: string;
  stale: boolean;
  /** null when the list's block could not be read. */
  listed: boolean | null;
}

export interface ContactFacts {
  /** The internal record: suppressed for this channel and purpose; null when it could not be read. */
  optedOut: boolean | null;
  /** Every list in the catalogue; null when the catalogue could not be read. */
  lists: ListFacts[] | null;
  /** null when the number's exemptions could not be read. */
  exemptions: Exemption[] | null;
  window: WindowAnswer;
  /** The called party's local date (exemptions run by it). */
  localDate: string;
  reassigned: Reassigned | { failed: string };
  /** Telemarketing: the national and state lists and the statutory windows apply. */
  solicitation: boolean;
  /** A list past its refresh rule blocks (REGISTRY_STALE_FAILS_CLOSED). */
  staleFailsClosed: boolean;
  failures: string[];
  /** Where the person is could not be read (their postal address on record). */
  locationFailed?: boolean;
}

export interface AppliedExemption {
  kind: Exemption['kind'];
  date: string;
  evidence: string;
  expiresOn: string | null;
  /** The reasons it lifted, e.g. `national-dnc`. */
  exempts: string[];
}

export interface ContactDecision {
  allowed: boolean;
  /** Every reason that blocks, in a fixed order. */
  reasons: string[];
  exemptionsApplied: AppliedExemption[];
  /** When the contact may happen: the instant asked about when allowed, the window's next opening when only the window blocks, else null. */
  nextAllowedAt: string | null;
  /** The lists the number is on (reasons included, whether exempted or not). */
  listedOn: string[];
  /** Lists past their refresh rule, whether or not they block. */
  staleLists: { list: string; asOf: string }[];
  failures: string[];
}

export function decideContact(facts: ContactFacts, at: Date): ContactDecision {
  const reasons: string[] = [];
  const failures = [...facts.failures];
  if (facts.optedOut === true) reasons.push('internal-opt-out');
  const exemptions = facts.exemptions ?? [];
  const inForce = exemptions.filter((exemption) => exemptionApplies(exemption, facts.localDate));
  const applied = new Map<Exemption, string[]>();
  const listedOn: string[] = [];
  const staleLists: { list: string; asOf: string }[] = [];
  for (const facts_ of facts.lists ?? []) {
    const { list } = facts_;
    // The national and state lists govern telephone solicitations only.
    if (!facts.solicitation && isExemptable(list)) continue;
    if (facts_.stale) staleLists.push({ list: list.name, asOf: facts_.asOf });
    if (facts_.listed !== true) continue;
    const reason = listingReason(list);
    listedOn.push(reason);
    const exemption = isExemptable(list) ? inForce[0] : undefined;
    if (exemption) applied.set(exemption, [...(applied.get(exemption) ?? []), reason]);
    else reasons.push(reason);
  }
  if (!facts.window.allowed) reasons.push('outside-calling-window');
  if (facts.reassigned === 'yes') reasons.push('reassigned');
  if (staleLists.length && facts.staleFailsClosed) reasons.push('list-stale');
  const failed =
    facts.optedOut === null ||
    facts.lists === null ||
    (facts.lists ?? []).some((list) => list.listed === null && (facts.solicitation || !isExemptable(list.list))) ||
    (facts.exemptions === null && (facts.lists ?? []).some((list) => list.listed === true)) ||
    typeof facts.reassigned === 'object' ||
    facts.locationFailed === true;
  if (failed) reasons.push('check-failed');
  if (typeof facts.reassigned === 'object') failures.push(facts.reassigned.failed);
  const onlyWindow = reasons.length === 1 && reasons[0] === 'outside-calling-window';
  return {
    allowed: reasons.length === 0,
    reasons,
    exemptionsApplied: [...applied].map(([exemption, exempts]) => ({
      kind: exemption.kind,
      date: exemption.date,
      evidence: exemption.evidence,
      expiresOn: exemption.expiresOn,
      exempts,
    })),
    nextAllowedAt: reasons.length === 0 ? at.toISOString() : onlyWindow ? facts.window.nextAllowedAt : null,
    listedOn,
    staleLists,
    failures,
  };
}
