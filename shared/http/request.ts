import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { z } from 'zod';
import { BadRequestError } from '../core/errors.js';
import type { WebhookRequest } from './webhook.js';

/** The exact bytes the caller sent, as a string: signatures are computed over these. */
export function rawBody(event: APIGatewayProxyEventV2): string {
  if (event.body === undefined || event.body === null) return '';
  return event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
}

/** API Gateway v2 lower-cases header names; local callers may not. */
export function header(event: APIGatewayProxyEventV2, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(event.headers ?? {})) {
    if (key.toLowerCase() === wanted) return value;
  }
  return undefined;
}

/** Form fields; a name sent more than once keeps every value, as signature schemes expect. */
export function formParams(body: string): Record<string, string | string[]> {
  // No prototype: a field named `constructor` or `__proto__` is just a field.
  const params: Record<string, string | string[]> = Object.create(null);
  for (const [key, value] of new URLSearchParams(body)) {
    const existing = params[key];
    if (existing === undefined) params[key] = value;
    else params[key] = Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  return params;
}

/**
 * The URL the provider called, as it saw it: providers sign the public URL (custom domain,
 * stage, query string), which is configuration, not the internal host the request arrived on.
 */
export function publicUrl(event: APIGatewayProxyEventV2, publicBaseUrl: string | undefined): string {
  const base = (publicBaseUrl ?? `https://${event.requestContext.domainName}`).replace(/\/+$/, '');
  const query = event.rawQueryString ? `?${event.rawQueryString}` : '';
  return `${base}${event.rawPath}${query}`;
}

/** A path parameter, percent-decoded (`%2B` in a phone number is its `+`). */
export function pathParameter(event: APIGatewayProxyEventV2, name: string): string {
  const value = event.pathParameters?.[name];
  if (value === undefined || value === '') throw new BadRequestError(`Missing path parameter "${name}".`);
  try {
    return decodeURIComponent(value);
  } catch {
    throw new BadRequestError(`Path parameter "${name}" is not valid percent-encoding.`);
  }
}

/** What a signature scheme sees of a request: the public URL, headers and the exact body. */
export function webhookRequest(event: APIGatewayProxyEventV2, publicBaseUrl: string | undefined): WebhookRequest {
  const headers: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(event.headers ?? {})) headers[key.toLowerCase()] = value;
  return {
    method: event.requestContext.http.method,
    url: publicUrl(event, publicBaseUrl),
    query: Object.fromEntries(new URLSearchParams(event.rawQueryString ?? '')),
    headers,
    contentType: headers['content-type'] ?? '',
    rawBody: rawBody(event),
  };
}

/** A JSON body read through `schema`; anything else is a 400 that says what is wrong. */
export function jsonBody<T extends z.ZodType>(event: APIGatewayProxyEventV2, schema: T): z.infer<T> {
  const type = (header(event, 'content-type') ?? '').toLowerCase();
  if (!type.startsWith('application/json')) throw new BadRequestError('Send the body as application/json.');
  let parsed: unknown;
  try {
    parsed = JSON.parse(rawBody(event));
  } catch {
    throw new BadRequestError('The body is not valid JSON.');
  }
  const result = schema.safeParse(parsed);
  if (!result.success) {
    throw new BadRequestError('The body does not match the expected shape.', {
      errors: result.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message })),
    });
  }
  return result.data;
}
