import { UsageError, parseOptions, type Command } from '../command.js';
import { assertPurpose, localSystemEndpoints, publicBaseUrl, purposes, secret } from '../../shared/platform/config.js';
import { formatHeaders, unsubscribeHeaders } from '../../shared/intake/email/headers.js';
import { localDevUnsubscribeKeys, parseTokenKeys } from '../../shared/intake/email/tokens.js';

const usage = `usage: optout-hub unsubscribe-headers --email ADDRESS --topic PURPOSE [--mailto MAILBOX] [--base-url URL]

Prints the List-Unsubscribe and List-Unsubscribe-Post headers (RFC 8058) for one message to
ADDRESS about PURPOSE (marketing, or a topic in PURPOSES), and the link for the message body.

  --email     the recipient
  --topic     what the link unsubscribes from: marketing, all, or a topic named in PURPOSES
              (set PURPOSES for this command as for the deployment, e.g. PURPOSES=newsletter)
  --mailto    also offer unsubscribing by mail to this mailbox
  --base-url  where /unsubscribe/{token} is served (default PUBLIC_BASE_URL, else http://localhost:$PORT)

Keys come from UNSUBSCRIBE_TOKEN_KEYS (environment, or the secret UNSUBSCRIBE_TOKENS_SECRET_ARN names,
or CONFIG_SECRET_ARN); without them, the
development key that \`npm start\` uses. Sign the message with DKIM covering both headers.`;

export const unsubscribeHeadersCommand: Command = {
  summary: 'print RFC 8058 one-click List-Unsubscribe headers for an address and topic',
  usage,
  async run(args) {
    const { values } = parseOptions({
      args,
      options: { email: { type: 'string' }, topic: { type: 'string' }, mailto: { type: 'string' }, 'base-url': { type: 'string' } },
      strict: true,
    });
    if (!values.email) throw new UsageError('--email is required.');
    if (!values.topic) throw new UsageError('--topic is required.');
    try {
      assertPurpose(values.topic);
    } catch {
      // The command reads PURPOSES like the deployed functions do; an operator who has not set it here needs to be told so.
      throw new UsageError(
        `Unknown purpose "${values.topic}": known are ${purposes().join(', ')}. Topics come from PURPOSES, which must be set for this command too, e.g. PURPOSES=${values.topic} npx optout-hub unsubscribe-headers …`,
      );
    }
    const configured = await secret('UNSUBSCRIBE_TOKEN_KEYS');
    if (!configured) console.error('UNSUBSCRIBE_TOKEN_KEYS is not set: using the local development key (links work only with `npm start`).');
    const baseUrl = values['base-url'] ?? publicBaseUrl() ?? localSystemEndpoints().http;
    const headers = unsubscribeHeaders({
      email: values.email,
      purpose: values.topic,
      baseUrl,
      keys: parseTokenKeys(configured ?? localDevUnsubscribeKeys),
      ...(values.mailto ? { mailto: values.mailto } : {}),
    });
    console.log(formatHeaders(headers));
    console.log('');
    console.log(`# Link for the message body: ${headers.url}`);
    console.log('# DKIM must sign both List-Unsubscribe and List-Unsubscribe-Post (h=...:list-unsubscribe:list-unsubscribe-post).');
    return 0;
  },
};
