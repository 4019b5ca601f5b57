import { contactCheckRequestSchema } from '../shared/api/schemas.js';
import { assertPurpose, defaultPhoneRegion, secret } from '../shared/platform/config.js';
import { callingRules, reassignedNumbersUrl, registryRefreshRule, staleListsFailClosed } from '../shared/platform/contact-config.js';
import { checkContacts, summarizeContacts, type ReassignedQuery } from '../shared/distribution/contact-check.js';
import { reassignedNumbersClient } from '../shared/distribution/reassigned-numbers.js';
import { DependencyError } from '../shared/core/errors.js';
import { requireApiKey } from '../shared/http/api-key.js';
import { httpHandler } from '../shared/http/middleware.js';
import { jsonResponse } from '../shared/http/problem.js';
import { jsonBody } from '../shared/http/request.js';
import { storeFromEnvironment } from '../shared/store/clients.js';
import { listCatalogue, reassignedAnswerCacheFromEnvironment, registryStoreFromEnvironment, type ListEntry } from '../shared/store/registries.js';

const store = storeFromEnvironment();
const registries = registryStoreFromEnvironment();

const body = contactCheckRequestSchema;

/** Which lists exist changes when an operator loads one; a check sees a new list within this long. */
const CATALOGUE_CACHE_MS = 30_000;
let catalogueCache: { until: number; entries: Promise<ListEntry[]> } | undefined;
function cachedCatalogue(): Promise<ListEntry[]> {
  if (!catalogueCache || catalogueCache.until < Date.now()) {
    const entries = listCatalogue(registries);
    catalogueCache = { until: Date.now() + CATALOGUE_CACHE_MS, entries };
    entries.catch(() => (catalogueCache = undefined));
  }
  return catalogueCache.entries;
}

let reassigned: { url: string; query: ReassignedQuery } | undefined;
async function reassignedQuery(): Promise<ReassignedQuery | undefined> {
  const url = reassignedNumbersUrl();
  if (!url) return undefined;
  if (reassigned?.url !== url)
    reassigned = {
      url,
      query: reassignedNumbersClient({ url, apiKey: await secret('REASSIGNED_NUMBERS_API_KEY'), shared: reassignedAnswerCacheFromEnvironment() }),
    };
  return reassigned.query;
}

/**
 * POST /v1/contact-check: may this number be called or texted now, for this purpose? One check
 * (`{ channel, phone, purpose, at?, kind?, state?, timeZone? }`) is answered with its answer, or
 * a 400 for a number that is not a valid North American number; a batch (`{ checks: [...] }`, up
 * to 1,000) with a summary and one answer per check, in order. Fails closed: a source that could
 * not be read blocks with `check-failed`, and when no check could be answered the batch is a 503.
 */
export const handler = httpHandler(async (event) => {
  const request = jsonBody(event, body);
  const checks = 'checks' in request ? request.checks : [request];
  for (const check of checks) assertPurpose(check.purpose);
  const answers = await checkContacts(
    {
      store,
      registries,
      region: defaultPhoneRegion(),
      rules: callingRules(),
      refreshDays: registryRefreshRule(),
      staleFailsClosed: staleListsFailClosed(),
      reassigned: await reassignedQuery(),
      catalogue: cachedCatalogue,
    },
    checks,
    { single: !('checks' in request) },
  );
  if (!('checks' in request)) {
    if (answers[0]!.reasons.includes('check-failed') && answers[0]!.failures.length) {
      throw new DependencyError('A source of the check did not answer; the number may not be contacted.', { result: answers[0] });
    }
    return jsonResponse(200, answers[0]);
  }
  const summary = summarizeContacts(answers);
  if (summary.failed > 0 && summary.failed === answers.length - summary.invalid) {
    throw new DependencyError('The sources of the check did not answer; no number may be contacted.', { summary, results: answers });
  }
  return jsonResponse(200, { summary, results: answers });
}).use(requireApiKey('contact-check'));
