import type { Reassigned } from '../core/contact-decision.js';
import type { ReassignedAnswerCache } from '../store/registries.js';
import type { ReassignedQuery } from './contact-check.js';

/**
 * The reassigned-numbers query (the FCC Reassigned Numbers Database: a number and a consent date
 * → yes, no or no data; 47 CFR 64.1200(m)) over HTTP, as the RND query services document it:
 *
 *   GET {REASSIGNED_NUMBERS_URL}?phoneNumber=NPANXXXXXX&date=YYYYMMDD
 *   loginId: {REASSIGNED_NUMBERS_API_KEY}
 *   → 200 { "PhoneNumber": "…", "IsReassigned": true | false | null }
 *
 * (DNCScrub's RNDBasic, https://docs.dncscrub.com/api-reference/reassigned/rnd-basic-get;
 * `null` is the database's "no data".) Answers are cached per number and consent date for a
 * day, in the instance and, when given, in the reassigned-answers table shared by every
 * instance: the database changes monthly and each query is paid for. A cache that cannot be read
 * or written only costs a query. A 429 is retried once after its Retry-After (at most 2 s);
 * anything else that is not an answer throws, and the check fails closed.
 */

const CACHE_MS = 24 * 3_600_000;
const CACHE_LIMIT = 100_000;
const TIMEOUT_MS = 2_000;

export interface ReassignedClientOptions {
  url: string;
  apiKey: string | undefined;
  fetch?: typeof fetch;
  now?: () => number;
  /** The answers every instance shares. */
  shared?: ReassignedAnswerCache;
}

export function reassignedNumbersClient(options: ReassignedClientOptions): ReassignedQuery & { cacheSize(): number } {
  const cache = new Map<string, { answer: Reassigned; until: number }>();
  const now = options.now ?? Date.now;
  const doFetch = options.fetch ?? fetch;
  const query = async (digits: string, consentDate: string): Promise<Reassigned> => {
    const key = `${digits}#${consentDate}`;
    const cached = cache.get(key);
    if (cached && cached.until > now()) return cached.answer;
    const remember = (answer: Reassigned, until: number) => {
      if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value!);
      cache.set(key, { answer, until });
    };
    const stored = await options.shared?.get(digits, consentDate, now()).catch(() => undefined);
    if (stored === 'yes' || stored === 'no' || stored === 'no-data') {
      remember(stored, now() + CACHE_MS);
      return stored;
    }
    const url = new URL(options.url);
    url.searchParams.set('phoneNumber', digits);
    url.searchParams.set('date', consentDate.replaceAll('-', ''));
    for (let attempt = 0; ; attempt++) {
      const response = await doFetch(url, {
        headers: { accept: 'application/json', ...(options.apiKey ? { loginId: options.apiKey } : {}) },
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      if (response.status === 429 && attempt === 0) {
        const wait = Math.min(2, Number(response.headers.get('retry-after') ?? '1') || 1);
        await response.body?.cancel();
        await new Promise((resolve) => setTimeout(resolve, wait * 1000));
        continue;
      }
      if (!response.ok) {
        await response.body?.cancel();
        throw new Error(`it answered ${response.status}`);
      }
      const body = (await response.json()) as { IsReassigned?: unknown };
      const answer: Reassigned =
        body.IsReassigned === true ? 'yes' : body.IsReassigned === false ? 'no' : body.IsReassigned === null ? 'no-data' : 'not-checked';
      if (answer === 'not-checked') throw new Error('its answer has no IsReassigned');
      remember(answer, now() + CACHE_MS);
      await options.shared?.put(digits, consentDate, answer, now() + CACHE_MS).catch(() => undefined);
      return answer;
    }
  };
  return Object.assign(query, { cacheSize: () => cache.size });
}
