import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

/**
 * The pages behind an unsubscribe link. Plain HTML: no JavaScript, no external resources, readable
 * on a phone and by a screen reader. The GET page only offers the choice (link scanners fetch it);
 * the form posts to the same URL.
 */

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char]!);

/** A purpose as people read it. */
export function describePurpose(purpose: string): string {
  if (purpose === 'marketing') return 'all marketing email';
  if (purpose === 'all') return 'all email';
  return `“${purpose}” email`;
}

const STYLE = `body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:2rem auto;padding:0 1rem;color:#1a1a1a;background:#fff}
h1{font-size:1.5rem}button{font:inherit;padding:.75rem 1.25rem;min-height:44px;border-radius:.375rem;border:1px solid #1a1a1a;background:#1a1a1a;color:#fff;cursor:pointer}
button:focus-visible,input:focus-visible{outline:3px solid #0b5fff;outline-offset:2px}fieldset{border:0;padding:0;margin:1rem 0}
label{display:flex;gap:.5rem;align-items:flex-start;padding:.25rem 0}input[type=checkbox]{width:1.25rem;height:1.25rem;margin-top:.15rem}`;

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
${body}
</main>
</body>
</html>
`;
}

/**
 * The unsubscribe link holds a secret, so the page tells browsers not to leak it (no-referrer),
 * not to frame it, and allows no script at all.
 */
export function htmlResponse(statusCode: number, html: string): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'referrer-policy': 'no-referrer',
      'x-content-type-options': 'nosniff',
      'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    },
    body: html,
  };
}

export interface ChoicePage {
  email: string;
  purpose: string;
}

/** GET: what the link would do, and a button that does it. Offers "all marketing email" too, unless that is already the topic. */
export function renderChoicePage({ email, purpose }: ChoicePage): string {
  const broader = purpose !== 'marketing' && purpose !== 'all';
  return page(
    'Unsubscribe',
    `<h1>Unsubscribe</h1>
<p>Stop sending <strong>${escapeHtml(describePurpose(purpose))}</strong> to <strong>${escapeHtml(email)}</strong>?</p>
<form method="post">
<input type="hidden" name="List-Unsubscribe" value="One-Click">
${
  broader
    ? `<fieldset>
<legend>What to stop</legend>
<label><input type="checkbox" name="scope" value="all-marketing"> Also unsubscribe from all marketing email</label>
</fieldset>
`
    : ''
}<button type="submit">Unsubscribe</button>
</form>
<p>Nothing changes until you press the button.</p>`,
  );
}

export interface DonePage {
  email: string;
  purposes: readonly string[];
  at: Date;
}

/** After the POST: what was done, and when. */
export function renderDonePage({ email, purposes, at }: DonePage): string {
  const what = purposes.map(describePurpose).join(' and ');
  return page(
    'Unsubscribed',
    `<h1>You are unsubscribed</h1>
<p><strong>${escapeHtml(email)}</strong> will no longer receive <strong>${escapeHtml(what)}</strong>.</p>
<p>Recorded at <time datetime="${at.toISOString()}">${escapeHtml(at.toUTCString())}</time>.</p>`,
  );
}

export function renderInvalidPage(detail: string): string {
  return page(
    'Unsubscribe link not valid',
    `<h1>This unsubscribe link is not valid</h1>
<p>${escapeHtml(detail)} Nothing was changed.</p>
<p>Use the unsubscribe link in a recent message, or reply to the sender asking to be removed.</p>`,
  );
}

export interface NotChangedPage {
  email: string;
  /** The purposes the link asked to stop that are still allowed, because a later request decides. */
  stillAllowed: readonly string[];
  at: Date;
}

/**
 * After a POST that a later request already outweighs (the person opted back in after the link
 * was used, say): the request is on record, but saying "unsubscribed" would be untrue.
 */
export function renderNotChangedPage({ email, stillAllowed, at }: NotChangedPage): string {
  const what = stillAllowed.map(describePurpose).join(' and ');
  return page(
    'Not unsubscribed',
    `<h1>Your request is recorded, but a later one decides</h1>
<p>A more recent request about <strong>${escapeHtml(email)}</strong> keeps <strong>${escapeHtml(what)}</strong> coming, so that has not changed.</p>
<p>Recorded at <time datetime="${at.toISOString()}">${escapeHtml(at.toUTCString())}</time>. To stop it, use the unsubscribe link in a recent message.</p>`,
  );
}
