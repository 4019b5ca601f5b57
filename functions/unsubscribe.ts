import type { UnsubscribeAnswer } from '../shared/api/schemas.js';
import { secret, unsubscribeTokenMaxAgeDays } from '../shared/platform/config.js';
import { ConfigurationError, ProblemError } from '../shared/core/errors.js';
import { statusFor, suppressionFor, type PersonRecord, type Status } from '../shared/core/preferences.js';
import { htmlResponse, renderChoicePage, renderDonePage, renderInvalidPage, renderNotChangedPage } from '../shared/intake/email/page.js';
import { parseTokenKeys, verifyUnsubscribeToken, type TokenKey } from '../shared/intake/email/tokens.js';
import { effectivePurpose, readUnsubscribePost, signalsFromUnsubscribe } from '../shared/intake/email/unsubscribe.js';
import { httpHandler, type HttpEvent, type HttpResult } from '../shared/http/middleware.js';
import { jsonResponse } from '../shared/http/problem.js';
import { header, pathParameter, rawBody } from '../shared/http/request.js';
import { logger, redact } from '../shared/platform/logger.js';
import { storeFromEnvironment, type StoreContext } from '../shared/store/clients.js';
import { getSuppression } from '../shared/store/suppressions.js';
import { recordSignal } from '../shared/record/record-signal.js';

async function tokenKeys(): Promise<TokenKey[]> {
  const spec = await secret('UNSUBSCRIBE_TOKEN_KEYS');
  if (!spec) throw new ConfigurationError('UNSUBSCRIBE_TOKEN_KEYS is not configured, so unsubscribe links cannot be checked.');
  return parseTokenKeys(spec);
}

const wantsHtml = (event: HttpEvent) => /\btext\/html\b/i.test(header(event, 'accept') ?? '');

/** The methods /unsubscribe/{token} answers (resources.ts declares a route for each). */
export const UNSUBSCRIBE_METHODS = 'GET, HEAD, POST, OPTIONS';

/** HEAD is GET without the body (RFC 9110 §9.3.2): same status and headers, nothing to download, nothing written. */
function forMethod(event: HttpEvent, response: HttpResult): HttpResult {
  if (event.requestContext.http.method !== 'HEAD') return response;
  const { body: _body, ...head } = response;
  return { ...head, body: '' };
}

/**
 * GET|HEAD|POST|OPTIONS /unsubscribe/{token}. GET shows what the link would do and changes nothing,
 * however often a link scanner fetches it; HEAD answers the same without the page; OPTIONS says
 * which methods there are. POST is the RFC 8058 one-click (or the page's form): it records the
 * opt-out and answers 200 with no redirect and no cookie, saying what is now in effect. A bad link
 * is a 400 page for a browser and problem+json for anything else, and writes nothing.
 */
export function createUnsubscribeHandler(store: StoreContext) {
  return httpHandler(async (event) => {
    const method = event.requestContext.http.method;
    if (method === 'OPTIONS') return { statusCode: 204, headers: { allow: UNSUBSCRIBE_METHODS, 'cache-control': 'no-store' }, body: '' };
    try {
      const token = pathParameter(event, 'token');
      const receivedAt = new Date(event.requestContext.timeEpoch);
      const claims = verifyUnsubscribeToken(await tokenKeys(), token, receivedAt, unsubscribeTokenMaxAgeDays());
      if (method !== 'POST') {
        return forMethod(event, htmlResponse(200, renderChoicePage({ email: claims.email, purpose: effectivePurpose(claims) })));
      }
      const body = rawBody(event);
      const choice = await readUnsubscribePost(header(event, 'content-type') ?? '', body);
      const signals = signalsFromUnsubscribe(token, claims, choice, { receivedAt, rawBody: body, userAgent: header(event, 'user-agent') });
      let recordedAt = receivedAt.toISOString();
      let record: PersonRecord | undefined;
      for (const signal of signals) {
        const outcome = await recordSignal(store, signal);
        recordedAt = outcome.recordedAt;
        record = outcome.record;
        logger.info('email unsubscribe recorded', {
          eventId: outcome.eventId,
          address: redact(claims.email),
          purpose: signal.purpose,
          duplicate: outcome.duplicate,
          effect: outcome.effect,
        });
      }
      const purposes = signals.map((signal) => signal.purpose);
      // What the pre-send check now answers, not what the request asked: a later opt-in (or a
      // repeated POST after one) leaves the address allowed, and the answer must not say otherwise.
      // The record as the last signal left it says so; only a duplicate (nothing written) reads the store.
      const suppression = record ? suppressionFor(record, 'email', claims.email) : await getSuppression(store, 'email', claims.email);
      const current: Record<string, Status> = Object.fromEntries(purposes.map((purpose) => [purpose, statusFor(suppression, purpose)]));
      const stillAllowed = purposes.filter((purpose) => current[purpose] !== 'suppressed');
      if (wantsHtml(event)) {
        const at = new Date(recordedAt);
        return htmlResponse(
          200,
          stillAllowed.length ? renderNotChangedPage({ email: claims.email, stillAllowed, at }) : renderDonePage({ email: claims.email, purposes, at }),
        );
      }
      return jsonResponse(200, {
        status: stillAllowed.length ? 'superseded' : 'unsubscribed',
        channel: 'email',
        purposes,
        current,
        recordedAt,
      } satisfies UnsubscribeAnswer);
    } catch (error) {
      // A person's browser gets a page it can read; mail clients and tools get problem+json.
      if (error instanceof ProblemError && error.status < 500 && wantsHtml(event)) {
        return forMethod(event, htmlResponse(error.status, renderInvalidPage(error.detail)));
      }
      throw error;
    }
  });
}

export const handler = createUnsubscribeHandler(storeFromEnvironment());
