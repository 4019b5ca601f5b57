import { createHmac, timingSafeEqual } from 'node:crypto';
import { BadRequestError, ConfigurationError, InvalidSignatureError } from '../../../core/errors.js';
import { formParams } from '../../../http/request.js';
import { plivoV2SignaturesAllowed } from '../../../platform/config.js';
import type { InboundSms, SmsProvider } from './types.js';
import { acknowledgeOk, escapeXml } from '../../../http/webhook.js';

/**
 * Plivo inbound messages (the application's `message_url`): a form POST, or a GET with the fields
 * in the query. Signed with HMAC-SHA256 under the auth token, base64, in one of two versions:
 * - V3 (`X-Plivo-Signature-V3` + `-V3-Nonce`): the URL with its query sorted, then the POST
 *   parameters, then the nonce. Checked whenever present, since it covers the body.
 * - V2 (`X-Plivo-Signature-V2` + `-V2-Nonce`, the version the messaging docs describe): only the
 *   URL without its query, then the nonce. It does not cover the fields, so anyone who has seen
 *   one signed request can replay its headers with other fields, and stripping the V3 headers
 *   would downgrade a request to it. Refused unless PLIVO_ALLOW_V2_SIGNATURES=true; even then a
 *   V2-verified message is marked `unsignedBody`, so it may opt out or ask for help but never opt
 *   in (shared/intake/sms/inbound.ts): forged fields must not lift a suppression.
 * The `-Ma-` variants are the same signature made with the main account's token: with the token
 * configured here, either header may match. Plivo signs no time, so replays are only deduplicated
 * (by MessageUUID) downstream.
 */

export const PLIVO_SIGNATURE_V2_HEADERS = ['x-plivo-signature-v2', 'x-plivo-signature-ma-v2'] as const;
export const PLIVO_SIGNATURE_V2_NONCE_HEADER = 'x-plivo-signature-v2-nonce';
export const PLIVO_SIGNATURE_V3_HEADERS = ['x-plivo-signature-v3', 'x-plivo-signature-ma-v3'] as const;
export const PLIVO_SIGNATURE_V3_NONCE_HEADER = 'x-plivo-signature-v3-nonce';

type Params = Record<string, string | string[]>;

export interface PlivoRequest {
  method: 'GET' | 'POST';
  /** The public URL Plivo called, query string included. */
  url: string;
  /** The form fields of a POST (empty for a GET, whose fields are in the URL). */
  params: Params;
  /** Lower-cased header names. */
  headers: Record<string, string | undefined>;
}

/** The URL before its query (and any fragment), and the raw query. */
function splitUrl(url: string): { base: string; query: string } {
  const withoutFragment = url.split('#', 1)[0]!;
  const mark = withoutFragment.indexOf('?');
  return mark < 0 ? { base: withoutFragment, query: '' } : { base: withoutFragment.slice(0, mark), query: withoutFragment.slice(mark + 1) };
}

/** Every (name, value), names sorted and a repeated name's values sorted, as Plivo's SDKs order them. */
function sortedPairs(params: Params): [string, string][] {
  return Object.keys(params)
    .sort()
    .flatMap((name) => {
      const value = params[name]!;
      return (Array.isArray(value) ? [...value].sort() : [value]).map((v): [string, string] => [name, v]);
    });
}

function sign(authToken: string, data: string): string {
  return createHmac('sha256', authToken).update(data, 'utf8').digest('base64');
}

/**
 * What V3 signs before `.nonce` (per plivo-node and plivo-python `validateV3Signature`): the URL
 * without its query, then `?` and the query decoded and sorted as `name=value` joined by `&`; for a
 * POST with fields, `?` always, a `.` after a non-empty query, then the fields sorted as
 * `namevalue` with no separators.
 */
export function plivoV3SignedUrl(method: 'GET' | 'POST', url: string, postParams: Params): string {
  const { base, query } = splitUrl(url);
  const sortedQuery = sortedPairs(formParams(query))
    .map(([name, value]) => `${name}=${value}`)
    .join('&');
  const fields = method === 'POST' ? sortedPairs(postParams) : [];
  if (fields.length === 0) return sortedQuery ? `${base}?${sortedQuery}` : base;
  return `${base}?${sortedQuery}${sortedQuery ? '.' : ''}${fields.map(([name, value]) => name + value).join('')}`;
}

/** Compares in constant time; different lengths differ (the length of a signature is no secret). */
function same(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}

function present(value: string | undefined): value is string {
  return value !== undefined && value !== '';
}

export interface PlivoVerifyOptions {
  /** Whether a V2 signature (URL and nonce only, not the fields) is accepted at all. */
  allowV2?: boolean;
}

/**
 * Accepts V3 when its headers are there; otherwise V2 only where allowed; anything else is refused.
 * Says which version verified, since only V3 vouches for the fields.
 */
export function verifyPlivoSignature(authToken: string, request: PlivoRequest, options: PlivoVerifyOptions = {}): 'v3' | 'v2' {
  const v3 = PLIVO_SIGNATURE_V3_HEADERS.map((name) => request.headers[name]).filter(present);
  if (v3.length > 0) {
    const nonce = request.headers[PLIVO_SIGNATURE_V3_NONCE_HEADER];
    if (!present(nonce)) throw new InvalidSignatureError('The X-Plivo-Signature-V3-Nonce header is missing.');
    const expected = sign(authToken, `${plivoV3SignedUrl(request.method, request.url, request.params)}.${nonce}`);
    // A V3 header may list several signatures, comma-separated (one per token Plivo signed with).
    const candidates = v3.flatMap((header) => header.split(',')).map((signature) => signature.trim());
    if (!candidates.some((signature) => same(signature, expected))) {
      throw new InvalidSignatureError('The X-Plivo-Signature-V3 does not match this request.');
    }
    return 'v3';
  }
  const v2 = PLIVO_SIGNATURE_V2_HEADERS.map((name) => request.headers[name]).filter(present);
  if (v2.length === 0) throw new InvalidSignatureError('No X-Plivo-Signature-V3 or X-Plivo-Signature-V2 header.');
  if (!options.allowV2) {
    throw new InvalidSignatureError(
      'Only X-Plivo-Signature-V3 is accepted: V2 does not cover the message. Set PLIVO_ALLOW_V2_SIGNATURES=true to accept V2 for opt-outs and help.',
    );
  }
  const nonce = request.headers[PLIVO_SIGNATURE_V2_NONCE_HEADER];
  if (!present(nonce)) throw new InvalidSignatureError('The X-Plivo-Signature-V2-Nonce header is missing.');
  const expected = sign(authToken, splitUrl(request.url).base + nonce);
  if (!v2.some((signature) => same(signature.trim(), expected))) {
    throw new InvalidSignatureError('The X-Plivo-Signature-V2 does not match this request.');
  }
  return 'v2';
}

function single(params: Params, name: string): string | undefined {
  const value = params[name];
  return Array.isArray(value) ? value[0] : value;
}

const INTENTS = { optout: 'opt-out', optin: 'opt-in', help: 'help' } as const;

/** Message types that are texts to a phone number; WhatsApp (or anything new) is not an SMS. */
const TEXT_TYPES = new Set(['sms', 'mms']);

/**
 * Reads a verified inbound message; call only after verifyPlivoSignature. `Text` carries an SMS
 * (Plivo joins multipart texts), `Body` an MMS. `MessageIntent` is Plivo's own opt-out detection.
 */
export function parsePlivoInbound(params: Params): InboundSms[] {
  const type = single(params, 'Type')?.toLowerCase();
  if (type && !TEXT_TYPES.has(type)) return [];
  const messageId = single(params, 'MessageUUID');
  const from = single(params, 'From');
  const to = single(params, 'To');
  if (!messageId) throw new BadRequestError('MessageUUID is missing.');
  if (!from) throw new BadRequestError('From is missing.');
  if (!to) throw new BadRequestError('To is missing.');
  const intent = single(params, 'MessageIntent')?.toLowerCase();
  const providerIntent = intent && Object.hasOwn(INTENTS, intent) ? INTENTS[intent as keyof typeof INTENTS] : undefined;
  const text = single(params, 'Text') ?? single(params, 'Body') ?? '';
  return [{ provider: 'plivo', messageId, from, to, text, providerIntent }];
}

export const plivo: SmsProvider = {
  secrets: ['PLIVO_AUTH_TOKEN'],
  read(request, secrets) {
    const authToken = secrets.PLIVO_AUTH_TOKEN;
    if (!authToken) throw new ConfigurationError('PLIVO_AUTH_TOKEN is not configured, so Plivo webhooks are refused.');
    const method = request.method.toUpperCase();
    let fields: Params;
    let postParams: Params = Object.create(null) as Params;
    if (method === 'GET') {
      // The fields are read from the URL, which is what V3 signs, rather than from a parsed copy.
      fields = formParams(splitUrl(request.url).query);
    } else if (method === 'POST') {
      if (!request.contentType.toLowerCase().startsWith('application/x-www-form-urlencoded')) {
        throw new BadRequestError('Plivo webhooks are POSTed as application/x-www-form-urlencoded.');
      }
      fields = postParams = formParams(request.rawBody);
    } else {
      throw new BadRequestError(`Plivo calls with GET or POST, not ${request.method}.`);
    }
    const version = verifyPlivoSignature(
      authToken,
      { method, url: request.url, params: postParams, headers: request.headers },
      { allowV2: plivoV2SignaturesAllowed() },
    );
    const messages = parsePlivoInbound(fields);
    return version === 'v3' ? messages : messages.map((message) => ({ ...message, unsignedBody: true as const }));
  },
  // Plivo XML answers the message in the response: <Message> from the number they texted.
  acknowledge: (reply) =>
    reply
      ? {
          statusCode: 200,
          headers: { 'content-type': 'text/xml' },
          body: `<Response><Message src="${escapeXml(reply.message.to)}" dst="${escapeXml(reply.message.from)}" type="sms">${escapeXml(reply.text)}</Message></Response>`,
        }
      : acknowledgeOk(),
};
