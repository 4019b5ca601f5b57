import { BadRequestError } from '../../core/errors.js';
import { createUnsubscribeToken, type TokenKey } from './tokens.js';

/**
 * The headers a sender puts on a message so Gmail, Yahoo and Apple Mail offer one-click
 * unsubscribe (RFC 8058): one HTTPS URI (and optionally a mailto:) in List-Unsubscribe, and
 * List-Unsubscribe-Post. The DKIM signature must cover both, or mailbox providers ignore them.
 */

export const ONE_CLICK = 'List-Unsubscribe=One-Click';

export interface UnsubscribeHeaderRequest {
  email: string;
  purpose: string;
  /** PUBLIC_BASE_URL: where /unsubscribe/{token} is served. */
  baseUrl: string;
  keys: readonly TokenKey[];
  /** An address that takes unsubscribe requests by mail, if the sender has one. */
  mailto?: string;
  issuedAt?: Date;
}

export interface UnsubscribeHeaders {
  /** The link, also for the visible unsubscribe link in the body. */
  url: string;
  'List-Unsubscribe': string;
  'List-Unsubscribe-Post': typeof ONE_CLICK;
}

export function unsubscribeUrl(baseUrl: string, token: string): string {
  let base: URL;
  try {
    base = new URL(baseUrl);
  } catch {
    throw new BadRequestError(`The public base URL "${baseUrl}" is not a URL.`);
  }
  return `${base.origin}${base.pathname.replace(/\/+$/, '')}/unsubscribe/${token}`;
}

export function unsubscribeHeaders(request: UnsubscribeHeaderRequest): UnsubscribeHeaders {
  const url = unsubscribeUrl(request.baseUrl, createUnsubscribeToken(request.keys, request.email, request.purpose, request.issuedAt));
  const uris = [`<${url}>`];
  if (request.mailto) {
    const mailbox = request.mailto.replace(/^mailto:/i, '');
    if (!/^[^\s@<>,]+@[^\s@<>,]+$/.test(mailbox)) throw new BadRequestError(`"${request.mailto}" is not a mailbox for a mailto: URI.`);
    uris.push(`<mailto:${mailbox}?subject=unsubscribe>`);
  }
  return { url, 'List-Unsubscribe': uris.join(', '), 'List-Unsubscribe-Post': ONE_CLICK };
}

/** The two header lines, ready to paste into a message. */
export function formatHeaders(headers: UnsubscribeHeaders): string {
  return [`List-Unsubscribe: ${headers['List-Unsubscribe']}`, `List-Unsubscribe-Post: ${headers['List-Unsubscribe-Post']}`].join('\n');
}
