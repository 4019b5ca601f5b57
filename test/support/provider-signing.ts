import { createHash, createHmac, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import twilioWebhooks from 'twilio/lib/webhooks/webhooks.js';

/**
 * Inbound SMS requests signed the way each provider documents it, with node:crypto alone (never
 * with optout-hub's own verifiers), for end-to-end tests.
 */

export interface SignedRequest {
  method: 'GET' | 'POST';
  /** Path and query, relative to the system's base URL. */
  path: string;
  headers: Record<string, string>;
  body?: string;
}

/**
 * A Twilio inbound SMS to `baseUrl`'s webhook, signed with Twilio's own SDK (X-Twilio-Signature
 * over the URL and the sorted form parameters) with the auth token given.
 */
export function twilioSms(authToken: string, baseUrl: string, from: string, text: string): { url: string; init: RequestInit } {
  const url = `${baseUrl}/webhooks/sms/twilio`;
  const params = { MessageSid: `SM${randomBytes(16).toString('hex')}`, From: from, To: '+15005550006', Body: text, AccountSid: `AC${'0'.repeat(32)}` };
  return {
    url,
    init: {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilioWebhooks.getExpectedTwilioSignature(authToken, url, params) },
      body: new URLSearchParams(params).toString(),
    },
  };
}

const unix = (at: Date) => String(Math.floor(at.getTime() / 1000));

/** Vonage SMS API, GET, `sig` = md5(sorted `&key=value` string + signature secret). */
export function vonageSms(secret: string, from: string, text: string, at = new Date()): SignedRequest {
  const params: Record<string, string> = {
    msisdn: from.replace(/^\+/, ''),
    to: '447700900000',
    messageId: randomBytes(8).toString('hex').toUpperCase(),
    text,
    type: 'text',
    keyword: text.split(' ')[0]!.toUpperCase(),
    'message-timestamp': at.toISOString().slice(0, 19).replace('T', ' '),
    timestamp: unix(at),
    nonce: randomBytes(16).toString('hex'),
  };
  const canonical = Object.keys(params)
    .sort()
    .map((key) => `&${key}=${params[key]!.replace(/[&=]/g, '_')}`)
    .join('');
  params.sig = createHash('md5')
    .update(canonical + secret)
    .digest('hex');
  return { method: 'GET', path: `/webhooks/sms/vonage?${new URLSearchParams(params)}`, headers: {} };
}

/** A Telnyx account key pair; the public key as Telnyx shows it (base64 of the raw 32 bytes). */
export function telnyxKeys() {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
  return { publicKey: raw.toString('base64'), privateKey };
}

/** Telnyx `message.received`, Ed25519 over `timestamp|body`. */
export function telnyxMessage(keys: ReturnType<typeof telnyxKeys>, from: string, text: string, at = new Date()): SignedRequest {
  const body = JSON.stringify({
    data: {
      record_type: 'event',
      id: randomBytes(16).toString('hex'),
      event_type: 'message.received',
      occurred_at: at.toISOString(),
      payload: {
        record_type: 'message',
        direction: 'inbound',
        id: randomBytes(16).toString('hex'),
        type: 'SMS',
        from: { phone_number: from },
        to: [{ phone_number: '+18445550001' }],
        text,
        received_at: at.toISOString(),
      },
    },
    meta: { attempt: 1 },
  });
  const timestamp = unix(at);
  const signature = sign(null, Buffer.from(`${timestamp}|${body}`), keys.privateKey).toString('base64');
  return {
    method: 'POST',
    path: '/webhooks/sms/telnyx',
    headers: { 'content-type': 'application/json', 'telnyx-timestamp': timestamp, 'telnyx-signature-ed25519': signature },
    body,
  };
}

/**
 * Plivo V3 (it covers the fields; V2 signs only the URL and nonce): base64 HMAC-SHA256(auth
 * token, URL + `?` + the POST fields sorted by name as `namevalue`, then `.` + nonce), as
 * Plivo's SDKs compute it for a POST without a query string.
 */
export function plivoMessage(authToken: string, baseUrl: string, from: string, text: string): SignedRequest {
  const path = '/webhooks/sms/plivo';
  const nonce = randomBytes(10).toString('hex');
  const fields: Record<string, string> = {
    From: from.replace(/^\+/, ''),
    To: '14155550199',
    Type: 'sms',
    Text: text,
    MessageUUID: crypto.randomUUID(),
    Units: '1',
  };
  const signedFields = Object.keys(fields)
    .sort()
    .map((name) => `${name}${fields[name]}`)
    .join('');
  const signature = createHmac('sha256', authToken).update(`${baseUrl}${path}?${signedFields}.${nonce}`).digest('base64');
  return {
    method: 'POST',
    path,
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-plivo-signature-v3': signature, 'x-plivo-signature-v3-nonce': nonce },
    body: new URLSearchParams(fields).toString(),
  };
}

/**
 * Plivo V2, as the messaging docs describe it: base64 HMAC-SHA256(auth token, the URL without its
 * query + nonce). It covers no field, which is why optout-hub refuses it unless told otherwise.
 */
export function plivoV2Headers(authToken: string, url: string, nonce = randomBytes(10).toString('hex')): Record<string, string> {
  const signature = createHmac('sha256', authToken)
    .update(url.split('?')[0]! + nonce)
    .digest('base64');
  return { 'x-plivo-signature-v2': signature, 'x-plivo-signature-v2-nonce': nonce };
}

/** Bandwidth `message-received`: a JSON array, HTTP Basic credentials. */
export function bandwidthMessage(username: string, password: string, from: string, text: string, at = new Date()): SignedRequest {
  const body = JSON.stringify([
    {
      type: 'message-received',
      time: at.toISOString(),
      description: 'Incoming message received',
      to: '+12345678902',
      message: {
        id: randomBytes(12).toString('hex'),
        time: at.toISOString(),
        to: ['+12345678902'],
        from,
        text,
        applicationId: crypto.randomUUID(),
        media: [],
        owner: '+12345678902',
        direction: 'in',
        segmentCount: 1,
      },
    },
  ]);
  return {
    method: 'POST',
    path: '/webhooks/sms/bandwidth',
    headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}` },
    body,
  };
}

/** Sinch MO text, HMAC-SHA256 over `body.nonce.timestamp`. */
export function sinchMessage(secret: string, from: string, text: string, at = new Date()): SignedRequest {
  const body = JSON.stringify({
    type: 'mo_text',
    id: randomBytes(13).toString('hex').toUpperCase(),
    from: from.replace(/^\+/, ''),
    to: '12017777777',
    body: text,
    received_at: at.toISOString(),
    operator_id: '310260',
  });
  const nonce = randomBytes(12).toString('hex');
  const timestamp = unix(at);
  const signature = createHmac('sha256', secret).update(`${body}.${nonce}.${timestamp}`).digest('base64');
  return {
    method: 'POST',
    path: '/webhooks/sms/sinch',
    headers: {
      'content-type': 'application/json',
      'x-sinch-webhook-signature': signature,
      'x-sinch-webhook-signature-nonce': nonce,
      'x-sinch-webhook-signature-timestamp': timestamp,
    },
    body,
  };
}
