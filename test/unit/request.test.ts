import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { httpEvent } from '../support/http-event.js';
import { describe, expect, it } from 'vitest';
import { BadRequestError } from '../../shared/core/errors.js';
import { formParams, header, pathParameter, publicUrl, rawBody, webhookRequest } from '../../shared/http/request.js';

function event(overrides: Partial<APIGatewayProxyEventV2> = {}): APIGatewayProxyEventV2 {
  return httpEvent('POST', '/webhooks/sms/twilio', { routeKey: 'POST /webhooks/sms/{provider}', headers: {}, ...overrides });
}

describe('rawBody', () => {
  it('returns a plain body as sent', () => {
    expect(rawBody(event({ body: 'From=%2B14155550100&Body=STOP' }))).toBe('From=%2B14155550100&Body=STOP');
  });

  it('decodes a base64 body to its UTF-8 text', () => {
    const text = 'Body=Stop+%E2%9C%8B&Note=日本語 😀';
    expect(rawBody(event({ body: Buffer.from(text, 'utf8').toString('base64'), isBase64Encoded: true }))).toBe(text);
    expect(rawBody(event({ body: 'U1RPUA==', isBase64Encoded: true }))).toBe('STOP');
  });

  it('does not decode a body that is not flagged as base64', () => {
    expect(rawBody(event({ body: 'U1RPUA==', isBase64Encoded: false }))).toBe('U1RPUA==');
  });

  it('returns an empty string when there is no body', () => {
    expect(rawBody(event())).toBe('');
    expect(rawBody(event({ body: undefined, isBase64Encoded: true }))).toBe('');
    expect(rawBody({ ...event(), body: null } as unknown as APIGatewayProxyEventV2)).toBe('');
  });
});

describe('formParams', () => {
  it('reads single fields, decoding + and percent-escapes', () => {
    expect(formParams('From=%2B14155550100&Body=Stop+please&Note=caf%C3%A9')).toEqual({
      From: '+14155550100',
      Body: 'Stop please',
      Note: 'café',
    });
  });

  it('keeps every value of a repeated name, in order', () => {
    expect(formParams('MediaUrl=b&Body=x&MediaUrl=a&MediaUrl=c')).toEqual({ MediaUrl: ['b', 'a', 'c'], Body: 'x' });
    expect(formParams('a=1&a=1')).toEqual({ a: ['1', '1'] });
  });

  it('reads empty values and bare names as empty strings', () => {
    expect(formParams('Body=&flag&x=1')).toEqual({ Body: '', flag: '', x: '1' });
  });

  it('reads an empty body as no fields', () => {
    expect(formParams('')).toEqual({});
  });

  it('round-trips what URLSearchParams encodes', () => {
    const pairs: [string, string][] = [
      ['Body', 'a=b&c=d+e%20 ✋'],
      ['To', '+1 (415)'],
      ['Body', ''],
    ];
    expect(formParams(new URLSearchParams(pairs).toString())).toEqual({ Body: ['a=b&c=d+e%20 ✋', ''], To: '+1 (415)' });
  });

  // The fields are kept in an object without a prototype: a field named like an Object.prototype
  // member is neither merged with the inherited member nor, for __proto__, taken as the prototype.
  it('reads fields named like Object.prototype members as ordinary fields', () => {
    const params = formParams('constructor=a&toString=b&__proto__=c');
    expect(Object.getPrototypeOf(params)).toBeNull();
    expect(Object.entries(params)).toEqual([
      ['constructor', 'a'],
      ['toString', 'b'],
      ['__proto__', 'c'],
    ]);
    expect(formParams('constructor=a&constructor=b').constructor).toEqual(['a', 'b']);
  });
});

describe('header', () => {
  it('finds a header whatever the case of its name', () => {
    const e = event({ headers: { 'X-Twilio-Signature': 'sig', 'content-type': 'text/plain' } });
    expect(header(e, 'x-twilio-signature')).toBe('sig');
    expect(header(e, 'X-TWILIO-SIGNATURE')).toBe('sig');
    expect(header(e, 'Content-Type')).toBe('text/plain');
    expect(header(e, 'authorization')).toBeUndefined();
  });
});

describe('publicUrl', () => {
  it('uses the API Gateway domain when no base URL is configured', () => {
    expect(publicUrl(event(), undefined)).toBe('https://abc123.execute-api.us-east-1.amazonaws.com/webhooks/sms/twilio');
  });

  it.each([
    ['https://sms.example.com', 'https://sms.example.com/webhooks/sms/twilio'],
    ['https://sms.example.com/', 'https://sms.example.com/webhooks/sms/twilio'],
    ['https://sms.example.com///', 'https://sms.example.com/webhooks/sms/twilio'],
    ['https://example.com/prod', 'https://example.com/prod/webhooks/sms/twilio'],
    ['https://example.com/prod/', 'https://example.com/prod/webhooks/sms/twilio'],
    ['http://localhost:3000/', 'http://localhost:3000/webhooks/sms/twilio'],
  ])('joins the configured base %j with the path', (base, url) => {
    expect(publicUrl(event(), base)).toBe(url);
  });

  it('appends the query string exactly as received', () => {
    const e = event({ rawQueryString: 'tenant=acme&label=caf%C3%A9&flag' });
    expect(publicUrl(e, 'https://sms.example.com/')).toBe('https://sms.example.com/webhooks/sms/twilio?tenant=acme&label=caf%C3%A9&flag');
    expect(publicUrl(e, undefined)).toBe('https://abc123.execute-api.us-east-1.amazonaws.com/webhooks/sms/twilio?tenant=acme&label=caf%C3%A9&flag');
  });

  it('adds no "?" without a query string', () => {
    expect(publicUrl(event({ rawQueryString: '' }), 'https://sms.example.com')).not.toContain('?');
  });
});

describe('pathParameter', () => {
  it.each([
    ['%2B14155550100', '+14155550100'],
    ['+14155550100', '+14155550100'],
    ['person%40example.com', 'person@example.com'],
    ['sms', 'sms'],
    ['caf%C3%A9', 'café'],
    ['a%2Fb', 'a/b'],
  ])('decodes %j to %j', (raw, decoded) => {
    expect(pathParameter(event({ pathParameters: { address: raw } }), 'address')).toBe(decoded);
  });

  it.each(['%', '%2', '%ZZ', '%E0%A4%A', '%C3', '%FF'])('refuses the bad encoding %j with BadRequestError', (raw) => {
    expect(() => pathParameter(event({ pathParameters: { address: raw } }), 'address')).toThrow(BadRequestError);
  });

  it('refuses a missing or empty parameter with BadRequestError naming it', () => {
    expect(() => pathParameter(event(), 'address')).toThrow(BadRequestError);
    expect(() => pathParameter(event({ pathParameters: { channel: 'sms' } }), 'address')).toThrow(/"address"/);
    expect(() => pathParameter(event({ pathParameters: { address: '' } }), 'address')).toThrow(BadRequestError);
  });
});

describe('webhookRequest', () => {
  it('reduces an event to the public URL, lower-cased headers, content type and exact body', () => {
    const body = 'MessageSid=SM1&Body=STOP';
    const e = event({
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'X-Twilio-Signature': 'sig' },
      rawQueryString: 'tenant=acme',
      body: Buffer.from(body).toString('base64'),
      isBase64Encoded: true,
    });
    expect(webhookRequest(e, 'https://sms.example.com/')).toEqual({
      method: 'POST',
      url: 'https://sms.example.com/webhooks/sms/twilio?tenant=acme',
      query: { tenant: 'acme' },
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': 'sig' },
      contentType: 'application/x-www-form-urlencoded',
      rawBody: body,
    });
  });

  it('has an empty content type when the header is absent', () => {
    expect(webhookRequest(event(), undefined).contentType).toBe('');
  });
});
