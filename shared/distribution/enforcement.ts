import type { CountryCode } from 'libphonenumber-js/max';
import { BadRequestError, ProblemError } from '../core/errors.js';
import { suppressionMessage, type SuppressionMessage } from './fanout.js';
import { normalizeChannelAddress } from '../core/identity.js';
import { statusFor, type Status } from '../core/preferences.js';
import type { Channel } from '../core/channels.js';
import type { StoreContext } from '../store/clients.js';
import { changeKeyFloor, changeKeyMillis } from '../store/keys.js';
import { changesSince, lookupSuppressions, type LookupResult } from '../store/suppressions.js';

/**
 * The pre-send check for many addresses at once (campaign lists, print files). Each address gets
 * its own answer; an address the store could not answer for is NOT sendable (fail closed), and an
 * address that cannot be normalized is reported as such without failing the others.
 */

/** The most addresses one batch check answers (ten BatchGetItem calls). */
export const MAX_BATCH_CHECK = 1000;

/** Why an address must not be contacted; none when it may. */
export type NotSendableReason = 'suppressed' | 'invalid-address' | 'check-failed';

export interface AddressCheck {
  /** The address as the caller sent it. */
  input: string;
  /** The normalized address the store is keyed by; null when it could not be normalized. */
  address: string | null;
  sendable: boolean;
  /** null when the store was not asked or did not answer. */
  suppressed: boolean | null;
  status: Status | null;
  reason: NotSendableReason | null;
  /** What went wrong, for invalid addresses and failed checks. */
  detail?: string;
  /** The act that decides the answer: since when, which event, which version. */
  since: string | null;
  eventId: string | null;
  version: number;
}

/** The answer for one address, given what the store said about it. */
export function answer(input: string, address: string, lookup: LookupResult | undefined, purpose: string | undefined): AddressCheck {
  if (!lookup || 'failed' in lookup) {
    return {
      input,
      address,
      sendable: false,
      suppressed: null,
      status: null,
      reason: 'check-failed',
      detail: lookup && 'failed' in lookup ? lookup.failed : 'The store gave no answer for this address.',
      since: null,
      eventId: null,
      version: 0,
    };
  }
  const suppression = lookup.found;
  const status = statusFor(suppression, purpose);
  return {
    input,
    address,
    sendable: status === 'allowed',
    suppressed: status === 'suppressed',
    status,
    reason: status === 'suppressed' ? 'suppressed' : null,
    since: suppression?.since ?? null,
    eventId: suppression?.eventId ?? null,
    version: suppression?.version ?? 0,
  };
}

function invalid(input: string, error: unknown): AddressCheck {
  return {
    input,
    address: null,
    sendable: false,
    suppressed: null,
    status: null,
    reason: 'invalid-address',
    detail: error instanceof ProblemError ? error.detail : 'The address cannot be normalized.',
    since: null,
    eventId: null,
    version: 0,
  };
}

export interface BatchCheckOptions {
  channel: Channel;
  /** Without a purpose, an address suppressed for any purpose is not sendable. */
  purpose?: string;
  region: CountryCode;
  /** Concurrent BatchGetItem calls. */
  concurrency?: number;
}

/** Normalizes each input like the single check does; an invalid one carries its answer already. */
export function normalizeAll(channel: Channel, inputs: readonly string[], region: CountryCode): ({ input: string; address: string } | AddressCheck)[] {
  return inputs.map((input) => {
    try {
      return { input, address: normalizeChannelAddress(channel, input, region) };
    } catch (error) {
      if (error instanceof ProblemError && error.status === 400) return invalid(input, error);
      throw error;
    }
  });
}

/** Answers every address, in the order given; never throws for the store's sake (fail closed). */
export async function checkAddresses(ctx: StoreContext, inputs: readonly string[], options: BatchCheckOptions): Promise<AddressCheck[]> {
  const normalized = normalizeAll(options.channel, inputs, options.region);
  const wanted = normalized.filter((entry): entry is { input: string; address: string } => !('sendable' in entry));
  let lookups: Map<string, LookupResult>;
  try {
    lookups = await lookupSuppressions(
      ctx,
      options.channel,
      wanted.map((entry) => entry.address),
      { concurrency: options.concurrency },
    );
  } catch (error) {
    const failed = `The store did not answer: ${error instanceof Error ? error.message : String(error)}.`;
    lookups = new Map(wanted.map((entry) => [entry.address, { failed }]));
  }
  return normalized.map((entry) => ('sendable' in entry ? entry : answer(entry.input, entry.address, lookups.get(entry.address), options.purpose)));
}

export interface BatchCheckSummary {
  sendable: number;
  suppressed: number;
  invalid: number;
  failed: number;
}

export function summarize(results: readonly AddressCheck[]): BatchCheckSummary {
  const summary: BatchCheckSummary = { sendable: 0, suppressed: 0, invalid: 0, failed: 0 };
  for (const result of results) {
    if (result.sendable) summary.sendable++;
    else if (result.reason === 'suppressed') summary.suppressed++;
    else if (result.reason === 'invalid-address') summary.invalid++;
    else summary.failed++;
  }
  return summary;
}

/**
 * The reconciliation export: a channel's changes in the order they were recorded, in pages, with
 * an opaque cursor (the change key of the last item returned). It stops `settleMs` behind now:
 * a write picks its recorded-at time before it commits, and the index is read eventually
 * consistently, so a change recorded just now may still become visible with a key below the
 * newest one seen. Nothing commits or becomes visible later than the settle window after its
 * recorded-at time, so every change ends up after the cursor of the page that passed it: no gaps.
 */
export interface ExportPage {
  channel: Channel;
  /** The current state of every address changed since the cursor, as channel queues carry it. */
  items: SuppressionMessage[];
  /** Pass as `since` to continue; present even on an empty page. */
  nextCursor: string;
  /** More changes are waiting now; false means poll again later with nextCursor. */
  hasMore: boolean;
  /** Changes recorded up to this time are complete in the pages so far. */
  completeUpTo: string;
}

export const DEFAULT_EXPORT_LIMIT = 500;
export const MAX_EXPORT_LIMIT = 1000;
const CURSOR_PREFIX = 'c1:';

export function encodeCursor(changeKey: string): string {
  return Buffer.from(`${CURSOR_PREFIX}${changeKey}`, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): string {
  const decoded = /^[A-Za-z0-9_-]+$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
  if (!decoded.startsWith(CURSOR_PREFIX) || !/^\d{15}#/.test(decoded.slice(CURSOR_PREFIX.length))) {
    throw new BadRequestError('The cursor (since) is not one this export returned.');
  }
  return decoded.slice(CURSOR_PREFIX.length);
}

function exportLimit(raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_EXPORT_LIMIT;
  const limit = Number(raw);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_EXPORT_LIMIT) {
    throw new BadRequestError(`limit must be a whole number from 1 to ${MAX_EXPORT_LIMIT}.`);
  }
  return limit;
}

export async function exportChanges(
  ctx: StoreContext,
  channel: Channel,
  options: { since?: string; limit?: string; settleMs: number; now?: () => number },
): Promise<ExportPage> {
  const after = options.since === undefined || options.since === '' ? undefined : decodeCursor(options.since);
  const limit = exportLimit(options.limit);
  const upTo = (options.now ?? Date.now)() - options.settleMs;
  const page = await changesSince(ctx, channel, after, upTo, limit);
  return {
    channel,
    items: page.items.map(suppressionMessage),
    // A page that reached the settle bound has seen everything recorded before it, so the next
    // one may start there rather than at its last item.
    nextCursor: encodeCursor(page.hasMore && page.lastKey ? page.lastKey : [changeKeyFloor(upTo), after ?? ''].sort().pop()!),
    hasMore: page.hasMore,
    completeUpTo: new Date(page.hasMore && page.lastKey ? changeKeyMillis(page.lastKey) : Math.max(0, upTo)).toISOString(),
  };
}
