import { randomUUID } from 'node:crypto';
import {
  assertPurpose,
  channelSlas,
  consoleDevSignIn,
  consoleOidc,
  defaultPhoneRegion,
  expectedIntegrations,
  publicBaseUrl,
  purposes,
  secret,
  smsKeywords,
} from '../shared/platform/config.js';
import { channels } from '../shared/core/channels.js';
import { BadRequestError, ConfigurationError, ForbiddenError, NotFoundError, ProblemError, UnauthenticatedError } from '../shared/core/errors.js';
import { MAX_PERSON_ID_LENGTH } from '../shared/core/identity.js';
import { keyText } from '../shared/core/text.js';
import { httpHandler, type HttpEvent, type HttpResult } from '../shared/http/middleware.js';
import { formParams, header, pathParameter, rawBody } from '../shared/http/request.js';
import { apiKeyStoreFromEnvironment } from '../shared/http/authenticate.js';
import { logger } from '../shared/platform/logger.js';
import { storeFromEnvironment } from '../shared/store/clients.js';
import { getPerson } from '../shared/store/people.js';
import { createApiKey, listApiKeys, parseScopes, revokeApiKey } from '../shared/store/api-keys.js';
import { consoleActionsOn, recordConsoleAction, type ConsoleAction } from '../shared/store/console-log.js';
import { readTrace, traceHtml } from '../shared/audit/trace.js';
import { tracePdf } from '../shared/audit/trace-pdf.js';
import { reconcileChannel } from '../shared/audit/reconcile.js';
import {
  personView,
  readHealth,
  readPropagation,
  recordConsoleRequest,
  requestFromForm,
  searchPerson,
  testKeywords,
  type Form,
} from '../shared/console/actions.js';
import { finishSignIn, openPending, PENDING_SECONDS, sealPending, startSignIn } from '../shared/console/oidc.js';
import {
  activityPage,
  apiKeysPage,
  CONSOLE_STYLESHEET,
  errorPage,
  healthPage,
  keywordPage,
  pageResponse,
  personPage,
  receiptPage,
  requestFormPage,
  searchPage,
  seeOther,
  signInPage,
  type Frame,
} from '../shared/console/pages.js';
import {
  assertCsrf,
  clearedSessionCookie,
  cookieValue,
  csrfToken,
  isRole,
  newSession,
  openSession,
  requirePermission,
  sealSession,
  sessionCookie,
  sessionCookieName,
  SESSION_SECONDS,
  type Permission,
  type Session,
} from '../shared/console/session.js';

const store = storeFromEnvironment();

/** Served over HTTPS (always on AWS, where PUBLIC_BASE_URL is https or unset): Secure, `__Host-` cookies. */
const secure = () => !(publicBaseUrl() ?? '').startsWith('http://');
const PENDING_COOKIE = 'optout-console-oidc';
/** The propagation charts cover the last week. */
const PROPAGATION_DAYS = 7;

async function sessionKey(): Promise<string> {
  const key = await secret('CONSOLE_SESSION_KEY');
  if (!key || key.length < 32)
    throw new ConfigurationError('CONSOLE_SESSION_KEY (at least 32 characters) is not configured, so nobody can sign in to the console.');
  return key;
}

function baseUrl(event: HttpEvent): string {
  return (publicBaseUrl() ?? `https://${event.requestContext.domainName}`).replace(/\/+$/, '');
}

async function oidcSettings() {
  const settings = consoleOidc();
  return settings ? { ...settings, clientSecret: await secret('CONSOLE_OIDC_CLIENT_SECRET') } : undefined;
}

/** A POST from a page of another origin is refused whatever it carries (defence beside the CSRF token). */
function assertSameOrigin(event: HttpEvent): void {
  const origin = header(event, 'origin');
  if (!origin || origin === 'null') return;
  let host: string;
  try {
    host = new URL(origin).host;
  } catch {
    throw new ForbiddenError('The request comes from an origin that is not the console.');
  }
  if (host !== header(event, 'host') && host !== new URL(baseUrl(event)).host)
    throw new ForbiddenError('The request comes from an origin that is not the console.');
}

function readForm(event: HttpEvent): Form {
  const type = (header(event, 'content-type') ?? '').toLowerCase();
  if (!type.startsWith('application/x-www-form-urlencoded')) throw new BadRequestError('Send the form as application/x-www-form-urlencoded.');
  return formParams(rawBody(event));
}

const field = (form: Form, name: string) => {
  const value = form[name];
  return (Array.isArray(value) ? value[0] : value)?.trim() || undefined;
};

interface Signed {
  session: Session;
  key: string;
  frame: Frame;
  log: (entry: Pick<ConsoleAction, 'action'> & Partial<Pick<ConsoleAction, 'personId' | 'detail' | 'outcome'>>) => Promise<void>;
}

async function signedIn(event: HttpEvent, now: Date): Promise<Signed> {
  const key = await sessionKey();
  const session = openSession(cookieValue(event.cookies, sessionCookieName({ secure: secure() })), key, now);
  return {
    session,
    key,
    frame: { session, csrf: csrfToken(session, key), development: consoleDevSignIn() },
    log: (entry) =>
      recordConsoleAction(store, {
        at: new Date().toISOString(),
        userId: session.id,
        userName: session.name,
        role: session.role,
        via: session.via,
        outcome: 'done',
        ...entry,
      }),
  };
}

/** A state change: same origin, this session's CSRF token, and a role that allows it; a refusal is logged too. */
async function authorizeChange(event: HttpEvent, signed: Signed, form: Form, permission: Permission, action: string): Promise<void> {
  try {
    assertSameOrigin(event);
    assertCsrf(signed.session, signed.key, field(form, 'csrf'));
    requirePermission(signed.session, permission);
  } catch (error) {
    await signed.log({ action, outcome: 'refused', detail: error instanceof ProblemError ? error.detail : 'refused' });
    throw error;
  }
}

async function authorizeRead(signed: Signed, permission: Permission, action: string, personId?: string): Promise<void> {
  try {
    requirePermission(signed.session, permission);
  } catch (error) {
    await signed.log({ action, outcome: 'refused', ...(personId ? { personId } : {}) });
    throw error;
  }
}

const traceSettings = () => ({ policy: channelSlas(), expected: expectedIntegrations });

function personId(event: HttpEvent): string {
  return keyText('id', pathParameter(event, 'id'), MAX_PERSON_ID_LENGTH);
}

async function route(event: HttpEvent, now: Date): Promise<HttpResult> {
  const development = consoleDevSignIn();
  switch (event.routeKey) {
    case 'GET /console/console.css':
      return {
        statusCode: 200,
        headers: { 'content-type': 'text/css; charset=utf-8', 'cache-control': 'public, max-age=3600', 'x-content-type-options': 'nosniff' },
        body: CONSOLE_STYLESHEET,
      };
    case 'GET /console/sign-in':
      return pageResponse(200, signInPage({ development }, { oidc: Boolean(consoleOidc()) }));
    case 'POST /console/sign-in': {
      // The development sign-in only: no password, any role. Refused unless CONSOLE_DEV_SIGN_IN is on (never in Lambda).
      if (!development) throw new NotFoundError('The development sign-in is not enabled here.');
      assertSameOrigin(event);
      const form = readForm(event);
      const user = field(form, 'user') ?? '';
      const role = field(form, 'role');
      if (!/^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/.test(user) || !isRole(role)) throw new BadRequestError('Give a user name and one of the roles.');
      const key = await sessionKey();
      const session = newSession({ id: user, name: user, role, via: 'development' }, now);
      await recordConsoleAction(store, { at: now.toISOString(), userId: user, userName: user, role, via: 'development', action: 'sign-in', outcome: 'done' });
      return seeOther('/console', [sessionCookie(sealSession(session, key), { secure: secure(), maxAgeSeconds: SESSION_SECONDS })]);
    }
    case 'GET /console/sign-in/start': {
      const settings = await oidcSettings();
      if (!settings) throw new NotFoundError('No sign-in provider is configured (CONSOLE_OIDC_ISSUER).');
      const { location, pending } = await startSignIn(settings, `${baseUrl(event)}/console/callback`, now);
      const cookie = [
        `${PENDING_COOKIE}=${sealPending(pending, await sessionKey())}`,
        'Path=/console/callback',
        'HttpOnly',
        'SameSite=Lax',
        `Max-Age=${PENDING_SECONDS}`,
      ];
      if (secure()) cookie.push('Secure');
      return { statusCode: 302, headers: { location, 'cache-control': 'no-store' }, cookies: [cookie.join('; ')], body: '' };
    }
    case 'GET /console/callback': {
      const settings = await oidcSettings();
      if (!settings) throw new NotFoundError('No sign-in provider is configured (CONSOLE_OIDC_ISSUER).');
      const key = await sessionKey();
      const pending = openPending(cookieValue(event.cookies, PENDING_COOKIE), key, now);
      const query = event.queryStringParameters ?? {};
      const user = await finishSignIn(
        settings,
        pending,
        { code: query.code, state: query.state, error: query.error },
        `${baseUrl(event)}/console/callback`,
        now,
      );
      const session = newSession(user, now);
      await recordConsoleAction(store, {
        at: now.toISOString(),
        userId: user.id,
        userName: user.name,
        role: user.role,
        via: 'oidc',
        action: 'sign-in',
        outcome: 'done',
      });
      const cleared = `${PENDING_COOKIE}=; Path=/console/callback; HttpOnly; SameSite=Lax; Max-Age=0${secure() ? '; Secure' : ''}`;
      return seeOther('/console', [sessionCookie(sealSession(session, key), { secure: secure(), maxAgeSeconds: SESSION_SECONDS }), cleared]);
    }
  }

  const signed = await signedIn(event, now);
  const { frame } = signed;
  switch (event.routeKey) {
    case 'POST /console/sign-out': {
      await authorizeChange(event, signed, readForm(event), 'read', 'sign-out');
      await signed.log({ action: 'sign-out' });
      return seeOther('/console/sign-in', [clearedSessionCookie({ secure: secure() })]);
    }
    case 'GET /console':
      return pageResponse(200, searchPage(frame));
    case 'POST /console/search': {
      const form = readForm(event);
      await authorizeChange(event, signed, form, 'read', 'search');
      const { kind, person } = await searchPerson(store, form, defaultPhoneRegion());
      // The searched value is never logged: only its kind and whom it found.
      await signed.log({ action: 'search', detail: `by ${kind}${person ? '' : ': nobody found'}`, ...(person ? { personId: person.personId } : {}) });
      if (!person) return pageResponse(404, searchPage(frame, `Nobody has that ${kind}.`));
      return seeOther(`/console/people/${encodeURIComponent(person.personId)}`);
    }
    case 'GET /console/people/{id}': {
      const found = await getPerson(store, personId(event));
      if (!found) throw new NotFoundError('No such person.');
      await signed.log({ action: 'view-person', personId: found.personId });
      const view = await personView(store, found, { ...traceSettings(), purposes: purposes() });
      return pageResponse(200, personPage(frame, view));
    }
    case 'GET /console/people/{id}/proof': {
      const id = personId(event);
      await authorizeRead(signed, 'admin', 'export-proof', id);
      const found = await getPerson(store, id);
      if (!found) throw new NotFoundError('No such person.');
      const trace = await readTrace(store, found, traceSettings());
      const pdf = event.queryStringParameters?.format === 'pdf';
      await signed.log({ action: 'export-proof', personId: found.personId, detail: `${pdf ? 'PDF' : 'HTML'}, ${trace.events.length} requests` });
      if (pdf) {
        return {
          statusCode: 200,
          headers: {
            'content-type': 'application/pdf',
            'content-disposition': `attachment; filename="optout-proof-${found.personId}.pdf"`,
            'cache-control': 'no-store',
            'x-content-type-options': 'nosniff',
          },
          isBase64Encoded: true,
          body: tracePdf(trace, `person ${found.personId}`).toString('base64'),
        };
      }
      return {
        statusCode: 200,
        headers: {
          'content-type': 'text/html; charset=utf-8',
          'content-disposition': `attachment; filename="optout-proof-${found.personId}.html"`,
          'cache-control': 'no-store',
          'x-content-type-options': 'nosniff',
          // The proof is one self-contained file with its own inline styles, and no script.
          'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'",
        },
        body: traceHtml(trace, `person ${found.personId}`),
      };
    }
    case 'GET /console/requests/new':
      await authorizeRead(signed, 'record', 'open-request-form');
      return pageResponse(200, requestFormPage(frame, { requestId: `console-${randomUUID()}`, now: now.toISOString().slice(0, 16), purposes: purposes() }));
    case 'POST /console/requests': {
      const form = readForm(event);
      await authorizeChange(event, signed, form, 'record', 'record-request');
      try {
        const receipt = await recordConsoleRequest(store, requestFromForm(form, signed.session), {
          ...traceSettings(),
          receivedAt: new Date(event.requestContext.timeEpoch),
          region: defaultPhoneRegion(),
          assertPurpose,
        });
        await signed.log({ action: 'record-request', personId: receipt.personId, detail: `${receipt.eventId}${receipt.duplicate ? ' (duplicate)' : ''}` });
        logger.info('console request recorded', {
          eventId: receipt.eventId,
          personId: receipt.personId,
          user: signed.session.id,
          duplicate: receipt.duplicate,
        });
        return pageResponse(receipt.duplicate ? 200 : 201, receiptPage(frame, receipt));
      } catch (error) {
        if (!(error instanceof ProblemError) || error.status >= 500) throw error;
        await signed.log({ action: 'record-request', outcome: 'refused', detail: error.detail });
        const errors = (error.extensions.errors as { path: string; message: string }[] | undefined) ?? [];
        return pageResponse(
          error.status,
          requestFormPage(frame, {
            requestId: `console-${randomUUID()}`,
            now: now.toISOString().slice(0, 16),
            purposes: purposes(),
            error: error.detail,
            errors,
          }),
        );
      }
    }
    case 'GET /console/keywords':
      return pageResponse(200, keywordPage(frame, undefined));
    case 'POST /console/keywords': {
      const form = readForm(event);
      await authorizeChange(event, signed, form, 'read', 'test-keywords');
      const text = (Array.isArray(form.text) ? form.text[0] : form.text) ?? '';
      const lists = smsKeywords();
      const result = testKeywords(text, lists);
      await signed.log({ action: 'test-keywords', detail: result.intent });
      const languages = (process.env.SMS_KEYWORD_LANGUAGES ?? 'en,es,fr').split(',').map((language) => language.trim());
      return pageResponse(200, keywordPage(frame, { text, result, languages }));
    }
    case 'GET /console/health': {
      const view = await readHealth(process.env);
      if (event.queryStringParameters?.sla === 'run') {
        const options = { ...traceSettings(), exampleLimit: 10 };
        view.reports = [];
        for (const channel of channels) view.reports.push(await reconcileChannel(store, channel, options));
        view.propagation = await readPropagation(store, { expected: expectedIntegrations, now, days: PROPAGATION_DAYS });
        await signed.log({ action: 'run-sla-check' });
      }
      return pageResponse(200, healthPage(frame, view));
    }
    case 'GET /console/api-keys': {
      await authorizeRead(signed, 'admin', 'list-api-keys');
      return pageResponse(200, apiKeysPage(frame, await listApiKeys(apiKeys())));
    }
    case 'POST /console/api-keys': {
      const form = readForm(event);
      await authorizeChange(event, signed, form, 'admin', 'create-api-key');
      const scopes = Array.isArray(form.scopes) ? form.scopes : form.scopes ? [form.scopes] : [];
      const expiresOn = field(form, 'expiresOn');
      if (expiresOn && !/^\d{4}-\d{2}-\d{2}$/.test(expiresOn)) throw new BadRequestError('Give the expiry as a date (YYYY-MM-DD).');
      const created = await createApiKey(apiKeys(), {
        name: field(form, 'name') ?? '',
        scopes: parseScopes(scopes.join(',')),
        ...(expiresOn ? { expiresAt: new Date(`${expiresOn}T00:00:00Z`) } : {}),
      });
      await signed.log({ action: 'create-api-key', detail: `${created.id} (${created.name}: ${created.scopes.join('+')})` });
      return pageResponse(201, apiKeysPage(frame, await listApiKeys(apiKeys()), created));
    }
    case 'POST /console/api-keys/{id}/revoke': {
      const form = readForm(event);
      await authorizeChange(event, signed, form, 'admin', 'revoke-api-key');
      const id = pathParameter(event, 'id');
      if (!/^[0-9a-f]{16}$/.test(id)) throw new NotFoundError(`No API key ${id}.`);
      const revoked = await revokeApiKey(apiKeys(), id);
      await signed.log({ action: 'revoke-api-key', detail: `${revoked.id} (${revoked.name})` });
      return seeOther('/console/api-keys');
    }
    case 'GET /console/activity': {
      const day = event.queryStringParameters?.day ?? now.toISOString().slice(0, 10);
      if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) throw new BadRequestError('Give the day as YYYY-MM-DD.');
      return pageResponse(200, activityPage(frame, day, await consoleActionsOn(store, day)));
    }
    default:
      throw new NotFoundError(`No console page for ${event.routeKey}.`);
  }
}

function apiKeys() {
  const keys = apiKeyStoreFromEnvironment();
  if (!keys) throw new ConfigurationError('The api-keys table is not configured (API_KEYS_TABLE).');
  return keys;
}

const wantsHtml = (event: HttpEvent) => /\btext\/html\b/i.test(header(event, 'accept') ?? '');

/**
 * Every /console route: the pages, sign-in and the actions behind the forms. A browser gets each
 * refusal as a page with the same status (a GET without a session is sent to sign in); anything
 * else gets problem+json.
 */
export const handler = httpHandler(async (event) => {
  const now = new Date(event.requestContext.timeEpoch);
  try {
    return await route(event, now);
  } catch (error) {
    if (!(error instanceof ProblemError) || error.status >= 500 || !wantsHtml(event)) throw error;
    if (error instanceof UnauthenticatedError && event.requestContext.http.method === 'GET' && event.routeKey !== 'GET /console/callback') {
      return seeOther('/console/sign-in');
    }
    if (error instanceof UnauthenticatedError) {
      const frame: Frame = { development: consoleDevSignIn() };
      return pageResponse(401, signInPage(frame, { oidc: Boolean(consoleOidc()), message: error.detail }));
    }
    // The refusal inside the console's own frame, with its navigation, for whoever is signed in.
    const frame = await signedIn(event, now).then(
      (signed) => signed.frame,
      (): Frame => ({ development: consoleDevSignIn() }),
    );
    return pageResponse(error.status, errorPage(frame, error.status, error.title, error.detail));
  }
});
