import escapeMarkup from 'escape-html';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { channels, type Channel } from '../core/channels.js';
import type { Classification } from '../core/keywords.js';
import type { Preference, SuppressionView } from '../core/preferences.js';
import type { Identity } from '../core/identity.js';
import type { ChannelTiming, Trace, TracedEvent } from '../audit/trace.js';
import type { ChannelReport } from '../audit/reconcile.js';
import type { StoredApiKey } from '../store/api-keys.js';
import type { ConsoleAction } from '../store/console-log.js';
import { describeDuration, type Propagation } from './propagation.js';
import { can, roles, type Session } from './session.js';

/**
 * The console's pages: server-rendered HTML with one bundled stylesheet, no script and no external
 * resource, so the Content-Security-Policy can forbid both. Every form posts with the session's
 * CSRF token; nothing a person is looked up by goes into a URL.
 */

const html = (value: unknown) => escapeMarkup(String(value ?? ''));

/** The only place a page gets its headers: no cache, no framing, no script, no referrer. */
export function pageResponse(
  statusCode: number,
  body: string,
  extra: { cookies?: string[]; headers?: Record<string, string> } = {},
): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'referrer-policy': 'no-referrer',
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
      'content-security-policy': CONSOLE_CSP,
      ...extra.headers,
    },
    ...(extra.cookies ? { cookies: extra.cookies } : {}),
    body,
  };
}

export const CONSOLE_CSP =
  "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; connect-src 'none'; script-src 'none'";

/** 303 See Other: after a POST, the browser GETs the next page (and a reload does not post again). */
export function seeOther(location: string, cookies?: string[]): APIGatewayProxyStructuredResultV2 {
  return { statusCode: 303, headers: { location, 'cache-control': 'no-store' }, ...(cookies ? { cookies } : {}), body: '' };
}

export const CONSOLE_STYLESHEET = `:root{--ink:#1a1a1a;--muted:#4a4a4a;--line:#c8c8c8;--accent:#0b4fd6;--bad:#9b1c1c;--badbg:#fde2e2;--ok:#14532d;--okbg:#e3f4e8;--warnbg:#fff1c7}
*{box-sizing:border-box}body{margin:0;font:16px/1.5 system-ui,sans-serif;color:var(--ink);background:#fff}
a{color:var(--accent)}a:focus-visible,button:focus-visible,input:focus-visible,select:focus-visible,textarea:focus-visible,[tabindex]:focus-visible{outline:3px solid var(--accent);outline-offset:2px}
.skip{position:absolute;left:-999px}.skip:focus{left:1rem;top:1rem;background:#fff;padding:.5rem;z-index:2}
header{background:#10223f;color:#fff;padding:.5rem 1rem;display:flex;flex-wrap:wrap;gap:.5rem 1.5rem;align-items:center}
header a{color:#fff}header .brand{font-weight:700;text-decoration:none}header nav ul{list-style:none;margin:0;padding:0;display:flex;flex-wrap:wrap;gap:.25rem 1rem}
header nav a[aria-current=page]{text-decoration-thickness:3px}header .who{margin-left:auto;display:flex;gap:.75rem;align-items:center}
header .who button{background:transparent;color:#fff;border-color:#fff}
.devbanner{background:#7a0000;color:#fff;padding:.5rem 1rem;font-weight:700}
main{max-width:72rem;margin:0 auto;padding:1rem}
h1{font-size:1.6rem;margin:.5rem 0 1rem}h2{font-size:1.25rem;margin-top:2rem}
form.card,section.card{border:1px solid var(--line);border-radius:.5rem;padding:1rem;margin:1rem 0}
fieldset{border:1px solid var(--line);border-radius:.375rem;margin:0 0 1rem;padding:.5rem 1rem 1rem}legend{font-weight:600;padding:0 .25rem}
label{display:block;font-weight:600;margin:.5rem 0 .25rem}label.inline{display:inline-flex;gap:.4rem;align-items:center;font-weight:400;margin-right:1rem}
input[type=text],input[type=email],input[type=tel],input[type=date],input[type=datetime-local],select,textarea{font:inherit;width:100%;max-width:32rem;padding:.5rem;border:1px solid #6b6b6b;border-radius:.25rem;min-height:44px}
input[type=checkbox],input[type=radio]{width:1.2rem;height:1.2rem}
button{font:inherit;padding:.6rem 1.1rem;min-height:44px;border-radius:.375rem;border:1px solid var(--ink);background:var(--ink);color:#fff;cursor:pointer}
button.secondary{background:#fff;color:var(--ink)}button.danger{background:var(--bad);border-color:var(--bad)}
.hint{color:var(--muted);font-size:.9rem;margin:.25rem 0}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(16rem,1fr));gap:1rem}
.scroll{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;width:100%;margin:.5rem 0}caption{text-align:left;font-weight:600;padding:.25rem 0}
th,td{border:1px solid var(--line);padding:.4rem .5rem;text-align:left;vertical-align:top;overflow-wrap:anywhere}
thead th{background:#eef1f6}
.suppressed{background:var(--badbg);color:var(--bad);font-weight:600}.allowed{background:var(--okbg);color:var(--ok)}.warn{background:var(--warnbg)}
.notice{border-left:4px solid var(--accent);background:#eef3ff;padding:.75rem 1rem;margin:1rem 0}
.error{border-left:4px solid var(--bad);background:var(--badbg);padding:.75rem 1rem;margin:1rem 0}
.secret{font-family:ui-monospace,monospace;font-size:1.05rem;background:#f4f4f4;padding:.5rem;display:block;overflow-wrap:anywhere}
ol.timeline{padding-left:1.25rem}ol.timeline>li{margin-bottom:1rem}
code{font-size:.9em;overflow-wrap:anywhere}dl{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem}dt{font-weight:600}dd{margin:0;overflow-wrap:anywhere}
figure{margin:1rem 0}figure svg{max-width:100%;height:auto}svg text{font:15px system-ui,sans-serif}
@media (max-width:40rem){header .who{margin-left:0}dl{grid-template-columns:1fr}main{padding:.5rem}}
@media print{header,.devbanner,form,.noprint{display:none}}
`;

export interface Frame {
  session?: Session;
  csrf?: string;
  /** The development sign-in is on: every page says so. */
  development: boolean;
  active?: string;
}

const navigation: { href: string; label: string; permission: 'read' | 'record' | 'admin' }[] = [
  { href: '/console', label: 'Search', permission: 'read' },
  { href: '/console/requests/new', label: 'Record a request', permission: 'record' },
  { href: '/console/health', label: 'SLA and health', permission: 'read' },
  { href: '/console/keywords', label: 'Keyword tester', permission: 'read' },
  { href: '/console/api-keys', label: 'API keys', permission: 'admin' },
  { href: '/console/activity', label: 'Console activity', permission: 'read' },
];

/** The hidden field every state-changing form carries. */
export const csrfField = (frame: Frame) => `<input type="hidden" name="csrf" value="${html(frame.csrf)}">`;

export function layout(frame: Frame, title: string, body: string): string {
  const session = frame.session;
  const nav = session
    ? `<nav aria-label="Console"><ul>${navigation
        .filter((item) => can(session.role, item.permission))
        .map((item) => `<li><a href="${item.href}"${frame.active === item.href ? ' aria-current="page"' : ''}>${html(item.label)}</a></li>`)
        .join('')}</ul></nav>
<div class="who"><span>${html(session.name)} (${html(session.role)})</span>
<form method="post" action="/console/sign-out">${csrfField(frame)}<button type="submit" class="secondary">Sign out</button></form></div>`
    : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<title>${html(title)} · optout-hub console</title>
<link rel="stylesheet" href="/console/console.css">
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
${frame.development ? '<p class="devbanner" role="note">Development sign-in: anyone can sign in as anyone with any role. Never enable it where real data is kept.</p>' : ''}
<header><a class="brand" href="/console">optout-hub console</a>${nav}</header>
<main id="main">
<h1>${html(title)}</h1>
${body}
</main>
</body>
</html>
`;
}

export function signInPage(frame: Frame, options: { oidc: boolean; message?: string }): string {
  const message = options.message ? `<p class="error" role="alert">${html(options.message)}</p>` : '';
  const oidc = options.oidc
    ? `<p><a href="/console/sign-in/start">Sign in with your organisation's account</a></p>`
    : frame.development
      ? ''
      : '<p class="error">No sign-in is configured: set CONSOLE_OIDC_ISSUER and CONSOLE_OIDC_CLIENT_ID (docs/console.md).</p>';
  const development = frame.development
    ? `<form class="card" method="post" action="/console/sign-in">
<h2>Development sign-in</h2>
<p class="hint">For <code>npm start</code> only: no password is checked.</p>
<label for="user">User name</label>
<input type="text" id="user" name="user" required maxlength="64" pattern="[A-Za-z0-9][A-Za-z0-9._@-]{0,63}" autocomplete="username">
<label for="role">Role</label>
<select id="role" name="role">${roles.map((role) => `<option value="${role}">${role}</option>`).join('')}</select>
<p><button type="submit">Sign in</button></p>
</form>`
    : '';
  return layout(frame, 'Sign in', `${message}${oidc}${development}`);
}

export function errorPage(frame: Frame, status: number, title: string, detail: string): string {
  return layout(frame, title, `<p class="error" role="alert">${html(detail)}</p><p>Status ${status}. <a href="/console">Back to search</a></p>`);
}

export function searchPage(frame: Frame, message?: string): string {
  const form = (kind: string, legend: string, fields: string) => `<form class="card" method="post" action="/console/search">
${csrfField(frame)}<input type="hidden" name="kind" value="${kind}">
<fieldset><legend>${legend}</legend>${fields}</fieldset>
<button type="submit">Find by ${legend.toLowerCase()}</button>
</form>`;
  const input = (id: string, label: string, type = 'text', attributes = '') =>
    `<label for="${id}">${label}</label><input type="${type}" id="${id}" name="${id.replace(/^[A-Za-z]+-/, '')}" ${attributes}>`;
  return layout(
    { ...frame, active: '/console' },
    'Find a person',
    `${message ? `<p class="error" role="alert">${html(message)}</p>` : ''}
<p class="hint">Searches are sent in the body of a POST, so numbers and emails never appear in a URL or an access log.</p>
<div class="grid">
${form('phone', 'Phone', input('phone-value', 'Phone number', 'tel', 'required autocomplete="off" placeholder="+14155550100"'))}
${form('email', 'Email', input('email-value', 'Email address', 'email', 'required autocomplete="off"'))}
${form('externalId', 'External id', input('externalId-value', 'External id (CRM)', 'text', 'required autocomplete="off"'))}
${form(
  'postal',
  'Postal address',
  `${input('postal-line1', 'Street line 1', 'text', 'required')}${input('postal-line2', 'Street line 2')}${input('postal-city', 'City', 'text', 'required')}${input('postal-state', 'State')}${input('postal-postalCode', 'Postal code', 'text', 'required')}${input('postal-country', 'Country (two letters)', 'text', 'value="US" maxlength="2"')}`,
)}
</div>`,
  );
}

export interface PersonView {
  personId: string;
  identities: Identity[];
  preferences: Preference[];
  suppressions: SuppressionView[];
  purposes: string[];
  trace: Trace;
  activity: ConsoleAction[];
}

const statusCell = (status: string) => `<td class="${status === 'suppressed' ? 'suppressed' : 'allowed'}">${html(status)}</td>`;

function matrix(view: PersonView): string {
  const purposes = [...new Set([...view.purposes, ...view.preferences.map((preference) => preference.purpose)])];
  const rows = channels.map((channel) => {
    const cells = purposes.map((purpose) => {
      const deciding = view.preferences.filter((preference) => preference.channel === channel && preference.purpose === purpose);
      if (deciding.length === 0) return '<td>no preference</td>';
      const lines = deciding.map(
        (preference) =>
          `<span class="${preference.status}">${html(preference.status)}</span> ${preference.scope === 'person' ? 'person-wide' : `for ${html(preference.address)}`}<br>since <time datetime="${html(preference.since)}">${html(preference.since)}</time><br>event <code>${html(preference.eventId)}</code>`,
      );
      return `<td>${lines.join('<hr>')}</td>`;
    });
    return `<tr><th scope="row">${channel}</th>${cells.join('')}</tr>`;
  });
  return `<div class="scroll" role="region" aria-label="Preferences by channel and purpose" tabindex="0"><table>
<caption>Preferences: channel × purpose (what decides, since when, and the event that set it)</caption>
<thead><tr><th scope="col">channel</th>${purposes.map((purpose) => `<th scope="col">${html(purpose)}</th>`).join('')}</tr></thead>
<tbody>${rows.join('\n')}</tbody></table></div>`;
}

function suppressionTable(view: PersonView): string {
  if (view.suppressions.length === 0) return '<p>No address of this person is on a channel yet.</p>';
  return `<div class="scroll" role="region" aria-label="What the check API answers" tabindex="0"><table>
<caption>What the check API answers per address</caption>
<thead><tr><th scope="col">channel</th><th scope="col">address</th><th scope="col">status</th><th scope="col">per purpose</th><th scope="col">since</th></tr></thead>
<tbody>${view.suppressions
    .map(
      (item) =>
        `<tr><td>${item.channel}</td><td>${html(item.address)}</td>${statusCell(item.status)}<td>${Object.entries(item.purposes)
          .map(([purpose, status]) => `${html(purpose)}: ${html(status)}`)
          .join(', ')}</td><td>${html(item.since)}</td></tr>`,
    )
    .join('')}</tbody></table></div>`;
}

function timingRows(timing: ChannelTiming): string {
  // Each expected integration (pending until it answers) and each that acked or refused, with its key when one was recorded.
  const integrations = (timing.integrations ?? []).length
    ? timing.integrations
        .map(
          (entry) =>
            `${html(entry.integration)}: ${html(entry.state)}${entry.at ? ` at ${html(entry.at)}` : ''}${entry.reason ? ` (${html(entry.reason)})` : ''}${
              timing.acks?.[entry.integration]?.keyId ? `, key ${html(timing.acks[entry.integration]!.keyId)}` : ''
            }`,
        )
        .join('<br>')
    : timing.ackedBy
      ? html(timing.ackedBy)
      : 'none yet';
  const deadline = timing.deadline
    ? `<td class="${timing.deadline === 'missed' ? 'suppressed' : timing.deadline === 'approaching' ? 'warn' : ''}">${html(timing.deadline)}, due ${html(timing.deadlineAt)}${timing.recordedLate ? ' (recorded late)' : ''}</td>`
    : '<td>none (opt-in)</td>';
  return `<tr><td>${timing.channel}</td><td>${html(timing.address)}</td><td>${html(timing.state)}${timing.version ? ` v${timing.version}` : ''}</td><td>${html(timing.enqueuedAt ?? '—')}</td><td>${html(timing.appliedAt ?? '—')}</td><td>${integrations}</td><td>${html(timing.target)}, by ${html(timing.targetAt)}</td>${deadline}</tr>`;
}

export function distributionTable(event: TracedEvent, label: string): string {
  if (event.distribution.length === 0) return '<p>Nothing to distribute for this request.</p>';
  return `<div class="scroll" role="region" aria-label="${html(label)}" tabindex="0"><table>
<caption>${html(label)}</caption>
<thead><tr><th scope="col">channel</th><th scope="col">address</th><th scope="col">state</th><th scope="col">enqueued</th><th scope="col">applied</th><th scope="col">per integration</th><th scope="col">target</th><th scope="col">deadline</th></tr></thead>
<tbody>${event.distribution.map(timingRows).join('\n')}</tbody></table></div>`;
}

function evidence(event: TracedEvent): string {
  const entries = Object.entries(event.evidence).filter(([, value]) => typeof value === 'string');
  return entries.length ? entries.map(([name, value]) => `${html(name)}: ${html(value)}`).join('; ') : 'none recorded';
}

function timeline(trace: Trace): string {
  if (trace.events.length === 0) return '<p>No requests recorded.</p>';
  return `<ol class="timeline">${trace.events
    .map(
      (
        event,
        index,
      ) => `<li><h3>${html(event.kind)} on ${html(event.channels.join(', ') || 'no channel')}${event.purpose ? `, purpose ${html(event.purpose)}` : ''}${event.scope ? `, scope ${html(event.scope)}` : ''}${event.effect ? ` [${html(event.effect)}]` : ''}</h3>
<dl><dt>event</dt><dd><code>${html(event.eventId)}</code></dd>
<dt>source</dt><dd>${html([event.source?.type, event.source?.provider].filter(Boolean).join(' via ') || 'unknown')}</dd>
<dt>acted</dt><dd>${html(event.occurredAt)}</dd>
${event.receivedOn ? `<dt>received</dt><dd>${html(event.receivedOn)} (deadlines run from here)</dd>` : ''}
<dt>recorded</dt><dd>${html(event.recordedAt)}</dd>
<dt>evidence</dt><dd>${evidence(event)}</dd></dl>
${distributionTable(event, `Distribution of request ${index + 1}`)}</li>`,
    )
    .join('\n')}</ol>`;
}

function activityTable(actions: readonly ConsoleAction[], caption: string): string {
  if (actions.length === 0) return '<p>No console actions recorded.</p>';
  return `<div class="scroll" role="region" aria-label="${html(caption)}" tabindex="0"><table><caption>${html(caption)}</caption>
<thead><tr><th scope="col">at</th><th scope="col">user</th><th scope="col">role</th><th scope="col">action</th><th scope="col">person</th><th scope="col">detail</th><th scope="col">outcome</th></tr></thead>
<tbody>${actions
    .map(
      (action) =>
        `<tr><td>${html(action.at)}</td><td>${html(action.userName)} (${html(action.userId)}, ${html(action.via)})</td><td>${html(action.role)}</td><td>${html(action.action)}</td><td>${action.personId ? `<a href="/console/people/${encodeURIComponent(action.personId)}">${html(action.personId)}</a>` : ''}</td><td>${html(action.detail ?? '')}</td><td>${html(action.outcome)}</td></tr>`,
    )
    .join('')}</tbody></table></div>`;
}

export function personPage(frame: Frame, view: PersonView): string {
  const admin = frame.session && can(frame.session.role, 'admin');
  return layout(
    frame,
    `Person ${view.personId}`,
    `<section aria-labelledby="identities"><h2 id="identities">Identities</h2>
<ul>${view.identities.map((identity) => `<li>${html(identity.type)}: ${html(identity.value)}</li>`).join('')}</ul></section>
<section aria-labelledby="matrix"><h2 id="matrix">Preferences</h2>${matrix(view)}${suppressionTable(view)}</section>
<section aria-labelledby="timeline"><h2 id="timeline">History</h2>
<p class="hint">Each request in the order the person acted, with its evidence, and per channel and integration when it was enqueued, applied and acked, against its target and deadline.</p>
${timeline(view.trace)}</section>
<section aria-labelledby="proof" class="noprint"><h2 id="proof">Proof</h2>
${
  admin
    ? `<ul><li><a href="/console/people/${encodeURIComponent(view.personId)}/proof" download="optout-proof-${html(view.personId)}.html">Export the proof as HTML</a>: the same document as <code>optout-hub trace --format html</code>.</li>
<li><a href="/console/people/${encodeURIComponent(view.personId)}/proof?format=pdf" download="optout-proof-${html(view.personId)}.pdf">Export the proof as PDF</a>: the same proof as text, page by page.</li></ul>`
    : '<p>Exporting the proof needs the compliance-admin role.</p>'
}</section>
<section aria-labelledby="activity"><h2 id="activity">Console access</h2>${activityTable(view.activity, 'Console actions about this person')}</section>`,
  );
}

export interface RequestFormValues {
  requestId: string;
  now: string;
  purposes: string[];
  error?: string;
  errors?: { path: string; message: string }[];
}

export function requestFormPage(frame: Frame, values: RequestFormValues): string {
  const errors = values.error
    ? `<div class="error" role="alert"><p>${html(values.error)}</p>${
        values.errors?.length ? `<ul>${values.errors.map((error) => `<li>${html(error.path || 'body')}: ${html(error.message)}</li>`).join('')}</ul>` : ''
      }<p>Nothing was recorded.</p></div>`
    : '';
  const text = (id: string, label: string, attributes = '') => `<label for="${id}">${label}</label><input type="text" id="${id}" name="${id}" ${attributes}>`;
  return layout(
    { ...frame, active: '/console/requests/new' },
    'Record a request',
    `${errors}<p class="hint">Recorded through the same rules as <code>POST /v1/requests</code>, with you as the one who collected it.</p>
<form class="card" method="post" action="/console/requests">
${csrfField(frame)}<input type="hidden" name="requestId" value="${html(values.requestId)}">
<fieldset><legend>What the person asks</legend>
<label class="inline"><input type="radio" name="kind" value="opt-out" checked> Stop contacting (opt-out)</label>
<label class="inline"><input type="radio" name="kind" value="opt-in"> Contact again (opt-in)</label>
</fieldset>
<fieldset><legend>Channels</legend>${channels.map((channel) => `<label class="inline"><input type="checkbox" name="channels" value="${channel}"> ${channel}</label>`).join('')}</fieldset>
<fieldset><legend>Purpose and scope</legend>
<label for="purpose">Purpose</label><select id="purpose" name="purpose">${values.purposes.map((purpose) => `<option value="${html(purpose)}">${html(purpose)}</option>`).join('')}</select>
<p><label class="inline"><input type="radio" name="scope" value="address" checked> These addresses only</label>
<label class="inline"><input type="radio" name="scope" value="person"> Everything this person has on those channels</label></p>
</fieldset>
<fieldset><legend>Who</legend>
<label for="phone">Phone number</label><input type="tel" id="phone" name="phone" autocomplete="off">
<label for="email">Email address</label><input type="email" id="email" name="email" autocomplete="off">
${text('externalId', 'External id (CRM)', 'autocomplete="off"')}
${text('line1', 'Street line 1')}${text('line2', 'Street line 2')}${text('city', 'City')}${text('state', 'State')}${text('postalCode', 'Postal code')}${text('country', 'Country (two letters)', 'value="US" maxlength="2"')}
</fieldset>
<fieldset><legend>When</legend>
<label for="occurredAt">When the person made the request (UTC)</label><input type="datetime-local" id="occurredAt" name="occurredAt" required value="${html(values.now)}">
<label for="receivedOn">Date the organisation received it, if later (a letter's arrival date)</label><input type="date" id="receivedOn" name="receivedOn">
<p class="hint">The deadline runs from the received date when given.</p>
</fieldset>
<fieldset><legend>Evidence</legend>
<label for="method">How it was made</label><select id="method" name="method">${['letter', 'phone-call', 'email', 'in-person', 'web-form', 'other']
      .map((method) => `<option value="${method}">${method}</option>`)
      .join('')}</select>
${text('reference', "Reference (a scanned letter's id, a ticket, a recording)", 'maxlength="1024"')}
<label for="note">Note</label><textarea id="note" name="note" rows="3" maxlength="2000"></textarea>
</fieldset>
<button type="submit">Record the request</button>
</form>`,
  );
}

export interface Receipt {
  eventId: string;
  personId: string;
  duplicate: boolean;
  effect: string;
  suppressions: { channel: Channel; address: string; status: string; version: number }[];
  traced?: TracedEvent;
}

export function receiptPage(frame: Frame, receipt: Receipt): string {
  return layout(
    { ...frame, active: '/console/requests/new' },
    'Request recorded',
    `<p class="notice" role="status">${
      receipt.duplicate ? 'This request had already been recorded; nothing changed.' : `Recorded: ${html(receipt.effect)}.`
    }</p>
<dl><dt>event</dt><dd><code>${html(receipt.eventId)}</code></dd>
<dt>person</dt><dd><a href="/console/people/${encodeURIComponent(receipt.personId)}">${html(receipt.personId)}</a></dd></dl>
<h2>What changed</h2>${
      receipt.suppressions.length
        ? `<div class="scroll" role="region" aria-label="Changed suppressions" tabindex="0"><table><caption>Changed suppressions</caption><thead><tr><th scope="col">channel</th><th scope="col">address</th><th scope="col">status</th><th scope="col">version</th></tr></thead><tbody>${receipt.suppressions
            .map((item) => `<tr><td>${item.channel}</td><td>${html(item.address)}</td>${statusCell(item.status)}<td>${item.version}</td></tr>`)
            .join('')}</tbody></table></div>`
        : '<p>No suppression changed.</p>'
    }
<h2>Deadlines</h2>${receipt.traced ? distributionTable(receipt.traced, 'Target and deadline per channel') : '<p>No deadline applies.</p>'}
<p class="hint">Fan-out puts the change on each channel's queue within seconds of recording; the person's page shows when it was enqueued and acked.</p>
<p><a href="/console/requests/new">Record another request</a></p>`,
  );
}

export function keywordPage(frame: Frame, tested?: { text: string; result: Classification; languages: string[] }): string {
  const result = tested
    ? `<section class="card" aria-labelledby="verdict" role="status"><h2 id="verdict">What the SMS engine would do</h2>
<p><strong>${html(describeIntent(tested.result.intent))}</strong></p>
<p>${html(describeMatch(tested.result))}</p></section>`
    : '';
  return layout(
    { ...frame, active: '/console/keywords' },
    'Keyword tester',
    `<p class="hint">Languages in use: ${html(tested?.languages.join(', ') ?? '')}. Nothing is recorded.</p>
<form class="card" method="post" action="/console/keywords">${csrfField(frame)}
<label for="text">Text message</label><textarea id="text" name="text" rows="3" maxlength="2048" required>${html(tested?.text ?? '')}</textarea>
<p><button type="submit">Test</button></p></form>${result}`,
  );
}

function describeIntent(intent: Classification['intent']): string {
  return {
    'opt-out': 'Opt-out: the number is suppressed for SMS.',
    'opt-in': 'Opt-in: the number is allowed again for SMS (this number only).',
    help: 'Help: recorded, nothing changes.',
    none: 'Nothing: not a keyword; nothing is recorded.',
  }[intent];
}

function describeMatch(result: Classification): string {
  const match = result.match;
  if (!match) return 'No keyword, phrase or provider opt-out matched.';
  switch (match.kind) {
    case 'keyword':
      return `The whole message is the keyword ${match.keyword}.`;
    case 'phrase':
      return `It contains the revocation phrase "${match.phrase}".`;
    case 'edge-word':
      return `The keyword ${match.keyword} is at the ${match.position} of a short message.`;
    case 'sentence':
      return `A sentence of the message is the keyword ${match.keyword}.`;
    case 'typo':
      return `"${match.typed}" is read as a typo of ${match.keyword}.`;
    case 'provider':
      return `The provider ${match.provider} flagged it as an opt-out.`;
  }
}

export function apiKeysPage(frame: Frame, keys: readonly StoredApiKey[], created?: StoredApiKey & { key: string }): string {
  const shown = created
    ? `<section class="notice" role="status" aria-labelledby="created"><h2 id="created">Key ${html(created.name)} created</h2>
<p>Copy it now: it is shown once and never stored.</p><code class="secret">${html(created.key)}</code></section>`
    : '';
  const rows = keys
    .map(
      (key) =>
        `<tr><td>${html(key.name)}</td><td><code>${html(key.id)}</code></td><td>${html(key.scopes.join(', '))}</td><td>${html(key.createdAt)}</td><td>${html(key.expiresAt ?? 'never')}</td><td>${html(key.lastUsedAt ?? '—')}</td><td>${
          key.revokedAt
            ? `revoked ${html(key.revokedAt)}`
            : `<form method="post" action="/console/api-keys/${encodeURIComponent(key.id)}/revoke">${csrfField(frame)}<button type="submit" class="danger" aria-label="Revoke ${html(key.name)}">Revoke</button></form>`
        }</td></tr>`,
    )
    .join('');
  return layout(
    { ...frame, active: '/console/api-keys' },
    'API keys',
    `${shown}<div class="scroll" role="region" aria-label="Issued API keys" tabindex="0"><table><caption>Issued keys (the api-keys table)</caption>
<thead><tr><th scope="col">name</th><th scope="col">id</th><th scope="col">scopes</th><th scope="col">created</th><th scope="col">expires</th><th scope="col">last used</th><th scope="col">state</th></tr></thead>
<tbody>${rows || '<tr><td colspan="7">No keys issued yet.</td></tr>'}</tbody></table></div>
<p class="hint">Keys in API_KEYS (the bootstrap keys, in the api-keys secret) are not listed here; change those in the secret.</p>
<form class="card" method="post" action="/console/api-keys">${csrfField(frame)}<h2>Create a key</h2>
<label for="name">Name</label><input type="text" id="name" name="name" required maxlength="64" pattern="[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}">
<fieldset><legend>Scopes</legend>${['ingest', 'check', 'ack', 'admin'].map((scope) => `<label class="inline"><input type="checkbox" name="scopes" value="${scope}"> ${scope}</label>`).join('')}</fieldset>
<label for="expiresOn">Expires on (optional)</label><input type="date" id="expiresOn" name="expiresOn">
<p><button type="submit">Create</button></p></form>`,
  );
}

export interface HealthView {
  store: Record<string, 'ok' | 'unavailable'>;
  queues: Record<string, 'ok' | 'unavailable'>;
  /** Messages waiting on each dead-letter queue (undefined: it did not answer). */
  deadLetters: { name: string; depth: number | undefined }[];
  reports?: ChannelReport[];
  propagation?: Propagation & { truncated: boolean };
}

/** A horizontal bar chart as inline SVG (presentation attributes only: the CSP allows no inline style). */
export function barChart(title: string, bars: { label: string; value: number }[]): string {
  const width = 600;
  const barHeight = 24;
  const labelWidth = 200;
  const max = Math.max(1, ...bars.map((bar) => bar.value));
  const height = bars.length * (barHeight + 8) + 8;
  const rows = bars
    .map((bar, index) => {
      const y = 8 + index * (barHeight + 8);
      const length = Math.round(((width - labelWidth - 60) * bar.value) / max);
      return `<text x="0" y="${y + 17}" fill="#1a1a1a">${html(bar.label)}</text><rect x="${labelWidth}" y="${y}" width="${Math.max(length, 1)}" height="${barHeight}" fill="${bar.value ? '#9b1c1c' : '#4a4a4a'}"></rect><text x="${labelWidth + Math.max(length, 1) + 6}" y="${y + 17}" fill="#1a1a1a">${bar.value}</text>`;
    })
    .join('');
  return `<figure><svg role="img" aria-label="${html(`${title}: ${bars.map((bar) => `${bar.label} ${bar.value}`).join(', ')}`)}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}">${rows}</svg><figcaption>${html(title)}</figcaption></figure>`;
}

const reportKinds: [keyof ChannelReport['counts'], string][] = [
  ['past-target', 'past target'],
  ['approaching-deadline', 'approaching deadline'],
  ['past-deadline', 'past deadline'],
  ['state-differs', 'drift: differs from record'],
  ['person-missing', 'drift: person missing'],
  ['delivery-missing', 'drift: never enqueued'],
  ['item-missing', 'drift: suppression missing'],
];

export function healthPage(frame: Frame, view: HealthView): string {
  const checks = (caption: string, entries: Record<string, string>) =>
    `<table><caption>${html(caption)}</caption><thead><tr><th scope="col">name</th><th scope="col">state</th></tr></thead><tbody>${Object.entries(entries)
      .map(([name, state]) => `<tr><td>${html(name)}</td><td class="${state === 'ok' ? 'allowed' : 'suppressed'}">${html(state)}</td></tr>`)
      .join('')}</tbody></table>`;
  const depths = view.deadLetters.map((queue) => ({ label: queue.name, value: queue.depth ?? 0 }));
  const reports = view.reports
    ? `<div class="scroll" role="region" aria-label="SLA and drift per channel" tabindex="0"><table><caption>SLA and drift per channel (reconciliation, run now)</caption>
<thead><tr><th scope="col">channel</th><th scope="col">items</th>${reportKinds.map(([, label]) => `<th scope="col">${label}</th>`).join('')}</tr></thead>
<tbody>${view.reports
        .map(
          (report) =>
            `<tr><th scope="row">${report.channel}</th><td>${report.items}</td>${reportKinds
              .map(([kind]) => `<td class="${report.counts[kind] ? 'suppressed' : ''}">${report.counts[kind]}</td>`)
              .join('')}</tr>`,
        )
        .join('')}</tbody></table></div>
${barChart(
  'Changes past target or deadline per channel',
  view.reports.map((report) => ({
    label: report.channel,
    value: report.counts['past-target'] + report.counts['past-deadline'] + report.counts['approaching-deadline'],
  })),
)}
${
  view.reports.some((report) => report.findings.length)
    ? `<div class="scroll" role="region" aria-label="Findings" tabindex="0"><table><caption>Findings (first of each kind)</caption><thead><tr><th scope="col">kind</th><th scope="col">channel</th><th scope="col">address</th><th scope="col">recorded</th><th scope="col">deadline</th><th scope="col">awaiting</th></tr></thead><tbody>${view.reports
        .flatMap((report) => report.findings)
        .map(
          (finding) =>
            `<tr><td>${html(finding.kind)}</td><td>${html(finding.channel)}</td><td>${html(finding.address)}</td><td>${html(finding.recordedAt)}</td><td>${html(finding.deadlineAt ?? '')}</td><td>${html(finding.awaiting?.join(', ') ?? '')}</td></tr>`,
        )
        .join('')}</tbody></table></div>`
    : '<p>No findings.</p>'
}`
    : `<form method="get" action="/console/health"><input type="hidden" name="sla" value="run"><button type="submit">Run the SLA and drift check now</button></form>
<p class="hint">It reads every suppression of every channel, as the daily reconciliation does: on a large table it takes a while.</p>`;
  const propagation = view.propagation ? propagationSection(view.propagation) : '';
  return layout(
    { ...frame, active: '/console/health' },
    'SLA and health',
    `<div class="grid">${checks('Tables', view.store)}${checks('Channel queues', view.queues)}</div>
<h2>Dead-letter queues</h2>
${barChart('Messages waiting on each dead-letter queue', depths)}
<p class="hint">Replay them with <code>optout-hub replay-dlq</code> (docs/distribution-and-enforcement.md).</p>
<h2>SLA and drift</h2>${reports}${propagation}`,
  );
}

/** A vertical bar chart of values over days, as inline SVG. */
function dayChart(title: string, bars: { day: string; value: number }[]): string {
  const barWidth = 44;
  const gap = 12;
  const chartHeight = 140;
  const max = Math.max(1, ...bars.map((bar) => bar.value));
  const width = bars.length * (barWidth + gap) + gap;
  const columns = bars
    .map((bar, index) => {
      const x = gap + index * (barWidth + gap);
      const height = Math.max(1, Math.round((chartHeight * bar.value) / max));
      return `<rect x="${x}" y="${20 + chartHeight - height}" width="${barWidth}" height="${height}" fill="#0b4fd6"></rect><text x="${x + barWidth / 2}" y="${14 + chartHeight - height}" text-anchor="middle" fill="#1a1a1a">${bar.value}</text><text x="${x + barWidth / 2}" y="${chartHeight + 38}" text-anchor="middle" fill="#1a1a1a">${html(bar.day.slice(5))}</text>`;
    })
    .join('');
  return `<figure><svg role="img" aria-label="${html(`${title}: ${bars.map((bar) => `${bar.day} ${bar.value}`).join(', ')}`)}" viewBox="0 0 ${width} ${chartHeight + 48}" width="${width}" height="${chartHeight + 48}">${columns}</svg><figcaption>${html(title)}</figcaption></figure>`;
}

function integrationTable(propagation: Propagation): string {
  if (propagation.integrations.length === 0) return '<p>No integration has acked a change in this window, and none is named in ACK_INTEGRATIONS.</p>';
  return `<div class="scroll" role="region" aria-label="Acks per integration" tabindex="0"><table><caption>Acks per channel and integration</caption>
<thead><tr><th scope="col">channel</th><th scope="col">integration</th><th scope="col">acked</th><th scope="col">not acked yet</th><th scope="col">arrival → ack (median / 95th)</th></tr></thead>
<tbody>${propagation.integrations
    .map(
      (entry) =>
        `<tr><td>${entry.channel}</td><td>${html(entry.integration)}${entry.expected ? ' (expected)' : ''}</td><td>${entry.acked}</td><td class="${entry.waiting && entry.expected ? 'warn' : ''}">${entry.waiting}</td><td>${entry.ack ? `${describeDuration(entry.ack.median)} / ${describeDuration(entry.ack.p95)}` : '—'}</td></tr>`,
    )
    .join('')}</tbody></table></div>`;
}

function propagationSection(propagation: Propagation & { truncated: boolean }): string {
  const seconds = (ms: number | undefined) => (ms === undefined ? 0 : Math.round(ms / 1000));
  const rows = propagation.channels
    .map(
      (channel) =>
        `<tr><th scope="row">${channel.channel}</th><td>${channel.changes}</td><td>${channel.enqueued ? `${describeDuration(channel.enqueued.median)} / ${describeDuration(channel.enqueued.p95)}` : '—'}</td><td>${channel.applied ? `${describeDuration(channel.applied.median)} / ${describeDuration(channel.applied.p95)}` : '—'}</td><td class="${channel.waiting ? 'warn' : ''}">${channel.waiting}</td></tr>`,
    )
    .join('');
  return `<h2>Propagation since ${html(propagation.since.slice(0, 10))}</h2>
<p class="hint">From a request's arrival to its change being enqueued on the channel queue, and to its being applied (acked by the integrations that must ack it)${propagation.truncated ? '; the oldest changes of a busy channel only' : ''}.</p>
<div class="scroll" role="region" aria-label="Propagation latency per channel" tabindex="0"><table><caption>Latency per channel (median / 95th percentile)</caption>
<thead><tr><th scope="col">channel</th><th scope="col">changes</th><th scope="col">arrival → enqueued</th><th scope="col">arrival → applied</th><th scope="col">not applied yet</th></tr></thead>
<tbody>${rows}</tbody></table></div>
${integrationTable(propagation)}
${barChart(
  'Median seconds from arrival to applied, per channel',
  propagation.channels.map((channel) => ({ label: channel.channel, value: seconds(channel.applied?.median) })),
)}
${dayChart(
  'Backlog: changes enqueued and not yet applied at the end of each day (UTC)',
  propagation.backlog.map((entry) => ({ day: entry.day, value: entry.waiting })),
)}`;
}

export function activityPage(frame: Frame, day: string, actions: readonly ConsoleAction[]): string {
  return layout(
    { ...frame, active: '/console/activity' },
    'Console activity',
    `<form method="get" action="/console/activity"><label for="day">Day (UTC)</label><input type="date" id="day" name="day" value="${html(day)}"> <button type="submit" class="secondary">Show</button></form>
${activityTable(actions, `Console actions on ${day}`)}`,
  );
}
