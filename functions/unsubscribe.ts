import { secret, unsubscribeTokenMaxAgeDays } from '../shared/platform/config.js';
import { ConfigurationError, ProblemError } from '../shared/core/errors.js';
import { htmlResponse, renderChoicePage, renderDonePage, renderInvalidPage } from '../shared/intake/email/page.js';
import { parseTokenKeys, verifyUnsubscribeToken, type TokenKey } from '../shared/intake/email/tokens.js';
import { effectivePurpose, readUnsubscribePost, signalsFromUnsubscribe } from '../shared/intake/email/unsubscribe.js';
import { httpHandler, type HttpEvent } from '../shared/http/middleware.js';
import { jsonResponse } from '../shared/http/problem.js';
import { header, pathParameter, rawBody } from '../shared/http/request.js';
import { logger, redact } from '../shared/platform/logger.js';
import { storeFromEnvironment, type StoreContext } from '../shared/store/clients.js';
import { recordSignal } from '../shared/record/record-signal.js';

async function tokenKeys(): Promise<TokenKey[]> {
  const spec = await secret('UNSUBSCRIBE_TOKEN_KEYS');
  if (!spec) throw new ConfigurationError('UNSUBSCRIBE_TOKEN_KEYS is not configured, so unsubscribe links cannot be checked.');
  return parseTokenKeys(spec);
}

const wantsHtml = (event: HttpEvent) => /\btext\/html\b/i.test(header(event, 'accept') ?? '');

/**
 * GET|POST /unsubscribe/{token}. GET shows what the link would do and changes nothing, however
 * often a link scanner fetches it. POST is the RFC 8058 one-click (or the page's form): it records
 * the opt-out and answers 200 with no redirect and no cookie. A bad link is a 400 page for a
 * browser and problem+json for anything else, and writes nothing.
 */
export function createUnsubscribeHandler(store: StoreContext) {
  return httpHandler(async (event) => {
    try {
      const token = pathParameter(event, 'token');
      const receivedAt = new Date(event.requestContext.timeEpoch);
      const claims = verifyUnsubscribeToken(await tokenKeys(), token, receivedAt, unsubscribeTokenMaxAgeDays());
      if (event.requestContext.http.method !== 'POST') {
        return htmlResponse(200, renderChoicePage({ email: claims.email, purpose: effectivePurpose(claims) }));
      }
      const body = rawBody(event);
      const choice = await readUnsubscribePost(header(event, 'content-type') ?? '', body);
      const signals = signalsFromUnsubscribe(token, claims, choice, { receivedAt, rawBody: body, userAgent: header(event, 'user-agent') });
      let recordedAt = receivedAt.toISOString();
      for (const signal of signals) {
        const outcome = await recordSignal(store, signal);
        recordedAt = outcome.recordedAt;
        logger.info('email unsubscribe recorded', {
          eventId: outcome.eventId,
          address: redact(claims.email),
          purpose: signal.purpose,
          duplicate: outcome.duplicate,
          effect: outcome.effect,
        });
      }
      const purposes = signals.map((signal) => signal.purpose);
      if (wantsHtml(event)) return htmlResponse(200, renderDonePage({ email: claims.email, purposes, at: new Date(recordedAt) }));
      return jsonResponse(200, { status: 'unsubscribed', channel: 'email', purposes, recordedAt });
    } catch (error) {
      // A person's browser gets a page it can read; mail clients and tools get problem+json.
      if (error instanceof ProblemError && error.status < 500 && wantsHtml(event)) {
        return htmlResponse(error.status, renderInvalidPage(error.detail));
      }
      throw error;
    }
  });
}

export const handler = createUnsubscribeHandler(storeFromEnvironment());
