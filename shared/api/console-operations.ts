/**
 * The console's routes in the OpenAPI document: pages and forms for a browser (docs/console.md),
 * listed so the document names every declared route. Bodies are HTML forms and answers are pages
 * (`text`); a caller that does not accept HTML gets every refusal as problem+json.
 */

type Text = Record<string, 'text' | 'Problem'>;

interface ConsoleOperation {
  tag: 'Console';
  summary: string;
  description: string;
  query?: { name: string; description: string; required?: boolean }[];
  body?: { description?: string; content: Text };
  responses: Record<string, { description: string; content?: Text; headers?: Record<string, string> }>;
}

const page = (description: string) => ({ description, content: { 'text/html': 'text' } as Text });
/** A refusal: a page for a browser (a request accepting text/html), problem+json for anything else. */
const refusal = (description: string) => ({ description, content: { 'text/html': 'text', 'application/problem+json': 'Problem' } as Text });
const form = (description: string) => ({ description, content: { 'application/x-www-form-urlencoded': 'text' } as Text });
const seeOther = (to: string) => ({ description: `Done: the browser is sent to ${to}.`, headers: { location: to } });
const refusals = {
  '401': refusal('Not signed in, or the session expired (a GET is sent to the sign-in page instead).'),
  '403': refusal('The role may not do this, or a POST lacks this session’s CSRF token or comes from another site. Nothing was written.'),
};

export const consoleOperations: Record<string, ConsoleOperation> = {
  'GET /console': {
    tag: 'Console',
    summary: 'Search page',
    description: 'Find a person by phone, email, external id or postal address.',
    responses: { '200': page('The page.'), '303': seeOther('/console/sign-in'), ...refusals },
  },
  'GET /console/console.css': {
    tag: 'Console',
    summary: 'The console’s stylesheet',
    description: 'The one stylesheet every page uses; nothing else is loaded.',
    responses: { '200': { description: 'CSS.', content: { 'text/css': 'text' } } },
  },
  'GET /console/sign-in': {
    tag: 'Console',
    summary: 'Sign-in page',
    description: 'The OIDC link, or the development sign-in under `npm start`.',
    responses: { '200': page('The page.') },
  },
  'POST /console/sign-in': {
    tag: 'Console',
    summary: 'Development sign-in',
    description: 'Any `user` with any `role`, no password: only where CONSOLE_DEV_SIGN_IN is on (never in Lambda).',
    body: form('`user`, `role` (`viewer`, `agent` or `compliance-admin`)'),
    responses: { '303': seeOther('/console'), '400': refusal('No user name or no known role.'), '404': refusal('The development sign-in is off.') },
  },
  'GET /console/sign-in/start': {
    tag: 'Console',
    summary: 'Start the OIDC sign-in',
    description: 'Redirects to the provider with PKCE, a state and a nonce.',
    responses: {
      '302': { description: 'To the provider.', headers: { location: 'https://provider.example/authorize?…' } },
      '404': refusal('No provider is configured.'),
    },
  },
  'GET /console/callback': {
    tag: 'Console',
    summary: 'The provider’s return',
    description: 'Exchanges the code, checks the ID token and starts a session.',
    query: [
      { name: 'code', description: 'The authorization code.' },
      { name: 'state', description: 'The state this sign-in started with.' },
      { name: 'error', description: 'The provider’s refusal, if any.' },
    ],
    responses: {
      '303': seeOther('/console'),
      '401': refusal('The answer does not match this sign-in, or the token is not valid.'),
      '403': refusal('The user has no console role.'),
    },
  },
  'POST /console/sign-out': {
    tag: 'Console',
    summary: 'Sign out',
    description: 'Ends the session in this browser.',
    body: form('`csrf`'),
    responses: { '303': seeOther('/console/sign-in'), ...refusals },
  },
  'POST /console/search': {
    tag: 'Console',
    summary: 'Find a person',
    description: 'The searched value travels in the body, never in a URL.',
    body: form('`csrf`, `kind` (`phone`, `email`, `externalId`, `postal`), `value` or `line1`, `line2`, `city`, `state`, `postalCode`, `country`'),
    responses: {
      '303': seeOther('/console/people/{id}'),
      '400': refusal('Not a phone, email, external id or address that can be read.'),
      '404': refusal('Nobody has it.'),
      ...refusals,
    },
  },
  'GET /console/people/{id}': {
    tag: 'Console',
    summary: 'Person page',
    description: 'Identities, the channel × purpose matrix, history, distribution per channel and integration, deadlines, console actions.',
    responses: { '200': page('The page.'), '404': refusal('No such person.'), ...refusals },
  },
  'GET /console/people/{id}/proof': {
    tag: 'Console',
    summary: 'Export the proof',
    description: 'The trace of the person as an HTML file, or a PDF with `format=pdf`; compliance-admin only.',
    query: [{ name: 'format', description: '`pdf` for a PDF; HTML otherwise.' }],
    responses: {
      '200': { description: 'The proof, as an attachment.', content: { 'text/html': 'text', 'application/pdf': 'text' } },
      '404': refusal('No such person.'),
      ...refusals,
    },
  },
  'GET /console/requests/new': {
    tag: 'Console',
    summary: 'Record-a-request form',
    description: 'For agents and admins.',
    responses: { '200': page('The form.'), ...refusals },
  },
  'POST /console/requests': {
    tag: 'Console',
    summary: 'Record a request',
    description: 'The same schema, rules and transaction as `POST /v1/requests`, with the signed-in user as `evidence.collectedBy`.',
    body: form(
      '`csrf`, `requestId`, `kind`, `channels` (repeated), `purpose`, `scope`, `phone`, `email`, `externalId`, `line1`…`country`, `occurredAt`, `receivedOn`, `method`, `reference`, `note`',
    ),
    responses: {
      '201': page('Recorded: the receipt with each channel’s target and deadline.'),
      '200': page('Already recorded: the receipt, nothing changed.'),
      '400': refusal('The form again, with what is wrong. Nothing was written.'),
      ...refusals,
    },
  },
  'GET /console/health': {
    tag: 'Console',
    summary: 'SLA and health page',
    description: 'Tables, queues and dead-letter depths; with `sla=run`, the SLA and drift check and the propagation charts.',
    query: [{ name: 'sla', description: '`run` runs the SLA and drift check now.' }],
    responses: { '200': page('The page.'), ...refusals },
  },
  'GET /console/keywords': { tag: 'Console', summary: 'Keyword tester', description: 'Paste a text.', responses: { '200': page('The page.'), ...refusals } },
  'POST /console/keywords': {
    tag: 'Console',
    summary: 'Test a text',
    description: 'What the SMS engine would do with it, and why; nothing is recorded.',
    body: form('`csrf`, `text`'),
    responses: { '200': page('The verdict.'), '400': refusal('Longer than 2,048 characters.'), ...refusals },
  },
  'GET /console/api-keys': {
    tag: 'Console',
    summary: 'API keys page',
    description: 'Compliance-admin only.',
    responses: { '200': page('The page.'), ...refusals },
  },
  'POST /console/api-keys': {
    tag: 'Console',
    summary: 'Create an API key',
    description: 'Shown once, on the page that answers.',
    body: form('`csrf`, `name`, `scopes` (repeated), `expiresOn`'),
    responses: { '201': page('The key, once.'), '400': refusal('A bad name, no or unknown scopes, or a past expiry.'), ...refusals },
  },
  'POST /console/api-keys/{id}/revoke': {
    tag: 'Console',
    summary: 'Revoke an API key',
    description: 'Refused from its next call.',
    body: form('`csrf`'),
    responses: { '303': seeOther('/console/api-keys'), '404': refusal('No such key.'), ...refusals },
  },
  'GET /console/activity': {
    tag: 'Console',
    summary: 'Console activity page',
    description: 'A day’s console log.',
    query: [{ name: 'day', description: 'YYYY-MM-DD (UTC); today when absent.' }],
    responses: { '200': page('The page.'), '400': refusal('Not a date.'), ...refusals },
  },
};
