import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { BadRequestError, ConfigurationError, InvalidSignatureError } from '../../../core/errors.js';
import { formParams } from '../../../http/request.js';
import type { InboundSms, SmsProvider } from './types.js';
import { type WebhookRequest, acknowledgeOk } from '../../../http/webhook.js';

/**
 * Vonage (formerly Nexmo) inbound texts, from either of its two APIs, both keyed by the account's
 * signature secret:
 * - SMS API: GET query or POST (form or JSON) carrying a `sig` parameter, a hash over the other
 *   parameters sorted by name, made with the method chosen in the dashboard (VONAGE_SIGNATURE_METHOD).
 * - Messages API: POST JSON with `Authorization: Bearer <JWT>`, HS256 whatever the dashboard says;
 *   the JWT's `payload_hash` claim is the SHA-256 of the body, which is how the body is covered.
 * Both signatures stay valid forever, so a signed time (`timestamp`, `iat`) must also be recent.
 */

/** How far a signed time may be from our clock: replays older than this are refused. */
export const VONAGE_REPLAY_WINDOW_SECONDS = 5 * 60;

const HMAC_HASHES = { md5hmac: 'md5', sha1hmac: 'sha1', sha256hmac: 'sha256', sha512hmac: 'sha512' } as const;
export type VonageSignatureMethod = 'md5hash' | keyof typeof HMAC_HASHES;

/**
 * The SMS API signature method as configured. Vonage's default is `md5hash`; the SDK spells the
 * methods `MD5HASH`, the dashboard `SHA-256 HMAC`, so case, spaces, `-` and `_` are ignored.
 */
export function vonageSignatureMethod(configured: string | undefined): VonageSignatureMethod {
  if (configured === undefined || configured.trim() === '') return 'md5hash';
  const name = configured.toLowerCase().replace(/[\s_-]/g, '');
  if (name === 'md5hash' || Object.hasOwn(HMAC_HASHES, name)) return name as VonageSignatureMethod;
  throw new ConfigurationError(`VONAGE_SIGNATURE_METHOD "${configured}" is not one of md5hash, md5hmac, sha1hmac, sha256hmac, sha512hmac.`);
}

/** Compares in constant time; different lengths differ (the length of a hash is no secret). */
function same(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}

/** Refuses a signed time (unix seconds) that is not within the replay window of `now`. */
function assertRecent(seconds: number, now: Date, what: string): void {
  if (Math.abs(now.getTime() / 1000 - seconds) > VONAGE_REPLAY_WINDOW_SECONDS) {
    throw new InvalidSignatureError(`The signed ${what} is more than five minutes from now; the request may be a replay.`);
  }
}

// ---------------------------------------------------------------------------------------------
// SMS API: the `sig` parameter

/** SMS API parameters: one string per name, without a prototype (a name is just a name). */
export type VonageSmsParams = Record<string, string>;

/**
 * What Vonage hashes (per the `@vonage/sms` verifier): every parameter but `sig`, sorted by name,
 * each as `&name=value`, with `&` and `=` inside values replaced by `_` so that a value cannot
 * pose as a parameter boundary.
 */
function signedString(params: VonageSmsParams): string {
  return Object.keys(params)
    .filter((name) => name !== 'sig')
    .sort()
    .map((name) => `&${name}=${params[name]!.replace(/[&=]/g, '_')}`)
    .join('');
}

function expectedSignature(params: VonageSmsParams, secret: string, method: VonageSignatureMethod): string {
  const data = signedString(params);
  // md5hash is the secret appended before hashing (not an HMAC); Vonage still defaults to it.
  if (method === 'md5hash')
    return createHash('md5')
      .update(data + secret, 'utf8')
      .digest('hex');
  return createHmac(HMAC_HASHES[method], secret).update(data, 'utf8').digest('hex');
}

/**
 * Checks `sig`, then that the signed `timestamp` is recent (the signature alone never expires).
 * Vonage writes the hex in either case (md5hash lower, HMACs upper), so case is ignored.
 */
export function verifyVonageSmsSignature(params: VonageSmsParams, secret: string, method: VonageSignatureMethod, now: Date): void {
  const signature = params.sig;
  if (!signature) throw new InvalidSignatureError('The Vonage sig parameter is missing.');
  if (!same(signature.toLowerCase(), expectedSignature(params, secret, method))) {
    throw new InvalidSignatureError('The Vonage sig parameter does not match this request.');
  }
  const timestamp = params.timestamp;
  if (!timestamp || !/^\d{1,12}$/.test(timestamp)) {
    throw new InvalidSignatureError('A signed Vonage request must carry a unix timestamp.');
  }
  assertRecent(Number(timestamp), now, 'timestamp');
}

/** Copies name/value pairs into VonageSmsParams; Vonage sends each name once, as a string. */
function smsParams(entries: [string, unknown][]): VonageSmsParams {
  // An unsigned request is refused as unsigned, whatever else is wrong with it (an unsigned
  // Messages API callback, with its nested objects, included).
  if (!entries.some(([name, value]) => name === 'sig' && value !== '')) {
    throw new InvalidSignatureError('The Vonage sig parameter is missing.');
  }
  const params: VonageSmsParams = Object.create(null) as VonageSmsParams;
  for (const [name, value] of entries) {
    if (typeof value === 'string') params[name] = value;
    // POST-JSON could carry numbers or booleans; they are signed as the text they would be in a form.
    else if (typeof value === 'number' || typeof value === 'boolean') params[name] = String(value);
    else if (Array.isArray(value)) throw new BadRequestError(`"${name}" is sent more than once; Vonage sends each name once.`);
    else throw new BadRequestError(`"${name}" is not a text value.`);
  }
  return params;
}

function jsonBody(rawBody: string): unknown {
  try {
    return JSON.parse(rawBody);
  } catch {
    throw new BadRequestError('The body is not valid JSON.');
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The SMS API parameters of a request: the query for GET, the form or JSON body for POST. */
export function vonageSmsParams(request: WebhookRequest): VonageSmsParams {
  const method = request.method.toUpperCase();
  if (method === 'GET') return smsParams(Object.entries(request.query));
  if (method !== 'POST') throw new BadRequestError(`Vonage calls with GET or POST, not ${request.method}.`);
  const type = request.contentType.toLowerCase();
  if (type.startsWith('application/x-www-form-urlencoded')) return smsParams(Object.entries(formParams(request.rawBody)));
  if (type.startsWith('application/json')) {
    const body = jsonBody(request.rawBody);
    if (!isObject(body)) throw new BadRequestError('The JSON body is not an object.');
    return smsParams(Object.entries(body));
  }
  throw new BadRequestError('Vonage SMS API webhooks are application/x-www-form-urlencoded or application/json.');
}

/** `YYYY-MM-DD HH:MM:SS` in UTC, as ISO 8601; anything else is left out rather than guessed. */
function smsApiTime(value: string | undefined): string | undefined {
  const match = value === undefined ? null : /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})$/.exec(value);
  if (!match) return undefined;
  const at = Date.parse(`${match[1]}T${match[2]}Z`);
  return Number.isNaN(at) ? undefined : new Date(at).toISOString();
}

/**
 * Reads a verified SMS API message; call only after verifyVonageSmsSignature. A long text arrives
 * as several parts (`concat=true`, `concat-ref`, `concat-part`), each its own message with its own
 * messageId; a STOP fits in one part.
 */
export function parseVonageSmsInbound(params: VonageSmsParams): InboundSms {
  const messageId = params.messageId;
  const from = params.msisdn;
  const to = params.to;
  if (!messageId) throw new BadRequestError('messageId is missing.');
  if (!from) throw new BadRequestError('msisdn is missing.');
  if (!to) throw new BadRequestError('to is missing.');
  return { provider: 'vonage', messageId, from, to, text: params.text ?? '', occurredAt: smsApiTime(params['message-timestamp']) };
}

// ---------------------------------------------------------------------------------------------
// Messages API: the bearer JWT

function jwtPart(part: string, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch {
    value = undefined;
  }
  if (!isObject(value)) throw new InvalidSignatureError(`The bearer token's ${what} is not a JSON object.`);
  return value;
}

/**
 * Verifies a Messages API bearer token by hand (HS256 is one HMAC; a library would be a second
 * JWT implementation to trust): the header must say HS256, so `none` or RS256 cannot be slipped
 * in; the signature must match; `iat` must be recent; `exp`/`nbf`, if present, hold (with the same
 * leeway); and `payload_hash` must be the SHA-256 of the exact body, which is what ties the token
 * to this body rather than to any body.
 */
export function verifyVonageJwt(token: string, secret: string, rawBody: string, now: Date): void {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts.every((part) => /^[A-Za-z0-9_-]+$/.test(part))) {
    throw new InvalidSignatureError('The bearer token is not a signed JWT.');
  }
  const [encodedHeader, encodedClaims, signature] = parts as [string, string, string];
  const header = jwtPart(encodedHeader, 'header');
  if (header.alg !== 'HS256') throw new InvalidSignatureError('The bearer token is not signed with HS256.');
  // A critical extension we do not implement must not be ignored (RFC 7515 §4.1.11).
  if (header.crit !== undefined) throw new InvalidSignatureError('The bearer token names critical extensions.');
  const expected = createHmac('sha256', secret).update(`${encodedHeader}.${encodedClaims}`, 'utf8').digest('base64url');
  if (!same(signature, expected)) throw new InvalidSignatureError('The bearer token signature does not match.');

  const claims = jwtPart(encodedClaims, 'claims');
  if (typeof claims.iat !== 'number' || !Number.isFinite(claims.iat)) {
    throw new InvalidSignatureError('The bearer token has no iat.');
  }
  assertRecent(claims.iat, now, 'iat');
  const seconds = now.getTime() / 1000;
  if (claims.exp !== undefined && !(typeof claims.exp === 'number' && seconds <= claims.exp + VONAGE_REPLAY_WINDOW_SECONDS)) {
    throw new InvalidSignatureError('The bearer token has expired.');
  }
  if (claims.nbf !== undefined && !(typeof claims.nbf === 'number' && seconds >= claims.nbf - VONAGE_REPLAY_WINDOW_SECONDS)) {
    throw new InvalidSignatureError('The bearer token is not valid yet.');
  }
  const bodyHash = createHash('sha256').update(rawBody, 'utf8').digest('hex');
  if (typeof claims.payload_hash !== 'string' || !same(claims.payload_hash.toLowerCase(), bodyHash)) {
    throw new InvalidSignatureError('The body does not match the bearer token payload_hash.');
  }
}

function isoTime(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : new Date(at).toISOString();
}

/**
 * Reads a verified Messages API callback; call only after verifyVonageJwt. Other channels
 * (WhatsApp, MMS, RCS …) and status callbacks are not inbound SMS: nothing to read.
 */
export function parseVonageMessage(body: unknown): InboundSms[] {
  if (!isObject(body)) throw new BadRequestError('The JSON body is not an object.');
  if (body.channel !== 'sms' || body.status !== undefined) return [];
  const { message_uuid: messageId, from, to, text } = body;
  if (typeof messageId !== 'string' || !messageId) throw new BadRequestError('message_uuid is missing.');
  if (typeof from !== 'string' || !from) throw new BadRequestError('from is missing.');
  if (typeof to !== 'string' || !to) throw new BadRequestError('to is missing.');
  return [{ provider: 'vonage', messageId, from, to, text: typeof text === 'string' ? text : '', occurredAt: isoTime(body.timestamp) }];
}

/** The token of an `Authorization: Bearer …` header, or undefined for any other header. */
function bearerToken(authorization: string | undefined): string | undefined {
  const match = authorization === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  return match ? match[1] : undefined;
}

export const vonage: SmsProvider = {
  secrets: ['VONAGE_SIGNATURE_SECRET', 'VONAGE_SIGNATURE_METHOD'],
  read(request, secrets, now) {
    const secret = secrets.VONAGE_SIGNATURE_SECRET;
    if (!secret) {
      throw new ConfigurationError('VONAGE_SIGNATURE_SECRET is not configured, so Vonage webhooks are refused.');
    }
    // A bearer token means the Messages API; without one, the request must be SMS API-signed.
    const token = bearerToken(request.headers.authorization);
    if (token !== undefined) {
      if (request.method.toUpperCase() !== 'POST' || !request.contentType.toLowerCase().startsWith('application/json')) {
        throw new BadRequestError('Vonage Messages API webhooks are POSTed as application/json.');
      }
      verifyVonageJwt(token, secret, request.rawBody, now);
      return parseVonageMessage(jsonBody(request.rawBody));
    }
    const method = vonageSignatureMethod(secrets.VONAGE_SIGNATURE_METHOD);
    const params = vonageSmsParams(request);
    verifyVonageSmsSignature(params, secret, method, now);
    return [parseVonageSmsInbound(params)];
  },
  // Vonage wants 200 or 204 and reads nothing from the body: a reply (the opt-out confirmation)
  // can only be sent through its API, so none is sent from here.
  acknowledge: acknowledgeOk,
};
