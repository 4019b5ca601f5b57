import type { CountryCode } from 'libphonenumber-js/max';
import { z } from 'zod';
import { assertPurpose } from '../../platform/config.js';
import { ProblemError } from '../../core/errors.js';
import { requestSchema, signalFromRequest } from './requests.js';
import type { StoreContext } from '../../store/clients.js';
import { recordSignal, type RecordOutcome } from '../../record/record-signal.js';

/**
 * Many canonical requests at once (`POST /v1/requests/batch`, and `optout-hub import`): each item
 * validated and recorded on its own, each answered with its own status, so one bad item never
 * costs the others. Items are recorded a few at a time; every recorded item is durable before
 * the answer says so.
 */

export const MAX_BATCH_ITEMS = 500;

export const batchSchema = z.object({ requests: z.array(z.unknown()).min(1).max(MAX_BATCH_ITEMS, `at most ${MAX_BATCH_ITEMS} requests per batch`) }).strict();

export interface ItemResult {
  index: number;
  requestId?: string;
  /** 201 recorded, 200 already recorded, 4xx refused (fix and resend), 5xx not recorded (resend as is). */
  status: number;
  eventId?: string;
  personId?: string;
  effect?: RecordOutcome['effect'];
  error?: { type: string; detail: string; errors?: unknown };
}

export interface BatchContext {
  receivedAt: Date;
  defaultRegion: CountryCode;
  /** Items recorded at the same time. */
  concurrency?: number;
}

function failure(index: number, requestId: string | undefined, error: unknown): ItemResult {
  if (error instanceof ProblemError) {
    const errors = error.extensions.errors;
    return { index, requestId, status: error.status, error: { type: error.slug, detail: error.detail, ...(errors ? { errors } : {}) } };
  }
  return { index, requestId, status: 500, error: { type: 'internal', detail: 'The item could not be recorded; it may be retried.' } };
}

/** Records one raw item; never throws. */
export async function recordRequestItem(store: StoreContext, raw: unknown, index: number, context: BatchContext): Promise<ItemResult> {
  const parsed = requestSchema.safeParse(raw);
  const requestId = parsed.success
    ? parsed.data.requestId
    : typeof (raw as { requestId?: unknown })?.requestId === 'string'
      ? (raw as { requestId: string }).requestId
      : undefined;
  if (!parsed.success) {
    return {
      index,
      requestId,
      status: 400,
      error: {
        type: 'bad-request',
        detail: 'The request does not match the expected shape.',
        errors: parsed.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message })),
      },
    };
  }
  try {
    assertPurpose(parsed.data.purpose);
    const signal = signalFromRequest(parsed.data, context);
    const outcome = await recordSignal(store, signal);
    return { index, requestId, status: outcome.duplicate ? 200 : 201, eventId: outcome.eventId, personId: outcome.personId, effect: outcome.effect };
  } catch (error) {
    return failure(index, requestId, error);
  }
}

export async function recordRequestBatch(store: StoreContext, items: readonly unknown[], context: BatchContext): Promise<ItemResult[]> {
  const results: ItemResult[] = new Array(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(context.concurrency ?? 8, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await recordRequestItem(store, items[index], index, context);
    }
  });
  await Promise.all(workers);
  return results;
}

export function batchSummary(results: readonly ItemResult[]) {
  return {
    recorded: results.filter((r) => r.status === 201).length,
    duplicates: results.filter((r) => r.status === 200).length,
    refused: results.filter((r) => r.status >= 400 && r.status < 500).length,
    failed: results.filter((r) => r.status >= 500).length,
  };
}
