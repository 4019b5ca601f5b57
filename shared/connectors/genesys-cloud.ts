import { z } from 'zod';
import { ConfigurationError } from '../core/errors.js';
import { RetryLater, refusalReason, vendorFetch, type ChangeOutcome, type ConnectorDefinition } from './connector.js';
import { sendIsolatingRefusals, suppressedFor, type GroupAnswer } from './lists.js';

/**
 * `genesys-cloud`: a Genesys Cloud outbound DNC list (an internal list, the kind the API may write).
 * An opt-out adds the number (POST /api/v2/outbound/dnclists/{dncListId}/phonenumbers, a JSON array
 * of numbers); an opt-in removes it (PATCH on the same path with `{"action": "Remove", "phoneNumbers"}`),
 * never the whole list (DELETE on that path clears every number). Auth is the OAuth client
 * credentials grant at login.<region>/oauth/token. docs/connectors/genesys-cloud.md.
 *
 * The official SDK (purecloud-platform-client-v2) is not used: it keeps one process-wide ApiClient
 * with its own axios transport (so no injected fetch and no shared Retry-After handling), reads and
 * watches a config file under the home directory, and bundles to about 5 MB whose ESM build fails at
 * load on a dynamic require; the two endpoints it would wrap are plain JSON.
 */

const HOST = /^[a-z0-9-]+(\.[a-z0-9-]+)+$/;
const local = (url: URL) => ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
const baseUrl = z
  .string()
  .url()
  .refine((value) => {
    const url = new URL(value);
    return url.protocol === 'https:' || (url.protocol === 'http:' && local(url));
  }, 'must be https (http only for localhost)')
  .transform((value) => value.replace(/\/+$/, ''));

const settings = z
  .object({
    /** The Genesys Cloud region's domain: mypurecloud.com, usw2.pure.cloud, mypurecloud.ie, … */
    region: z.string().regex(HOST, 'a domain such as mypurecloud.com').default('mypurecloud.com'),
    /** Overrides https://api.<region> (a proxy, or a contract server in tests). */
    apiBaseUrl: baseUrl.optional(),
    /** Overrides https://login.<region>. */
    loginBaseUrl: baseUrl.optional(),
    /** The internal DNC list's id (Admin → Outbound → DNC Lists, or GET /api/v2/outbound/dnclists). */
    dncListId: z.string().min(1),
    timeoutMs: z.number().int().min(100).max(30_000).default(10_000),
    requestsPerSecond: z.number().positive().max(50).optional(),
  })
  .strict();

export type GenesysCloudSettings = z.infer<typeof settings>;

/** Genesys Cloud keeps phone numbers in E.164, which is how optout-hub holds them. */
const E164 = /^\+[1-9]\d{6,14}$/;
/** Renew this long before Genesys says the token expires, so a call never races the expiry. */
const TOKEN_MARGIN_MS = 60_000;

export const genesysCloudConnector: ConnectorDefinition<GenesysCloudSettings> = {
  kind: 'genesys-cloud',
  // Voice campaigns and SMS messaging campaigns both check the phone DNC lists attached to them.
  channels: ['voice', 'sms'],
  settings,
  secret: 'the OAuth client credentials, clientId:clientSecret',
  // Genesys does not publish a per-request maximum for this endpoint; 1000 numbers keep a request small.
  batchSize: 1000,
  // Client credentials tokens are limited to 300 requests a minute.
  requestsPerSecond: 5,
  runsFunction: true,
  create({ integration, settings: { region, apiBaseUrl, loginBaseUrl, dncListId, timeoutMs }, secret, fetch }) {
    const colon = secret?.indexOf(':') ?? -1;
    if (!secret || colon <= 0 || colon === secret.length - 1) {
      throw new ConfigurationError(`INTEGRATION_SECRETS has no clientId:clientSecret for integration "${integration.name}".`);
    }
    const basic = Buffer.from(secret).toString('base64');
    const api = apiBaseUrl ?? `https://api.${region}`;
    const login = loginBaseUrl ?? `https://login.${region}`;
    const path = `/api/v2/outbound/dnclists/${encodeURIComponent(dncListId)}/phonenumbers`;
    let token: { value: string; expiresAt: number } | undefined;

    async function accessToken(renew: boolean): Promise<string> {
      if (token && !renew && Date.now() < token.expiresAt) return token.value;
      const response = await vendorFetch(fetch, `${login}/oauth/token`, {
        method: 'POST',
        timeoutMs,
        headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
        body: 'grant_type=client_credentials',
      });
      if (!response.ok) throw new Error(`Genesys Cloud refused the client credentials (${await refusalReason(response)}).`);
      const body = (await response.json()) as { access_token?: string; expires_in?: number };
      if (!body.access_token) throw new RetryLater('Genesys Cloud answered the token request without a token.');
      token = { value: body.access_token, expiresAt: Date.now() + Math.max(0, (body.expires_in ?? 0) * 1000 - TOKEN_MARGIN_MS) };
      return token.value;
    }

    /** One API call; a 401 (the token expired or was revoked) gets one fresh token and one retry. */
    async function call(method: 'POST' | 'PATCH', body: unknown): Promise<Response> {
      for (let attempt = 0; ; attempt++) {
        const response = await vendorFetch(fetch, `${api}${path}`, {
          method,
          timeoutMs,
          headers: { authorization: `Bearer ${await accessToken(attempt > 0)}`, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
        if (response.status !== 401 || attempt > 0) return response;
        await response.arrayBuffer().catch(() => undefined);
      }
    }

    async function answer(response: Response, group: readonly string[]): Promise<GroupAnswer> {
      if (response.ok) {
        await response.arrayBuffer().catch(() => undefined);
        return { ok: true };
      }
      if (response.status === 400 || response.status === 422) {
        const text = await response.text().catch(() => '');
        // Genesys sometimes names the number in the message; when it does, only that one is refused.
        const culprit = group.find((number) => text.includes(number));
        return { ok: false, reason: `${response.status}: ${text.slice(0, 200)}`, ...(culprit ? { culprit } : {}) };
      }
      // 403 (missing outbound:dnc permission), 404 (no such list): the integration is misconfigured, not the number.
      throw new Error(`Genesys Cloud refused the DNC list update (${await refusalReason(response)}).`);
    }

    return {
      async apply(changes) {
        const outcomes: (ChangeOutcome | undefined)[] = changes.map((change) =>
          E164.test(change.address) ? undefined : { outcome: 'refused', reason: 'not an E.164 phone number' },
        );
        const additions = new Set<string>();
        const removals = new Set<string>();
        changes.forEach((change, index) => {
          if (outcomes[index]) return;
          (suppressedFor(change, integration.purposes) ? additions : removals).add(change.address);
        });
        // One list holds a number for every channel the integration takes: within a batch, suppression wins.
        for (const number of additions) removals.delete(number);
        const refused = new Map<string, string>([
          ...(await sendIsolatingRefusals([...additions], async (group) => answer(await call('POST', group), group))),
          ...(await sendIsolatingRefusals([...removals], async (group) => answer(await call('PATCH', { action: 'Remove', phoneNumbers: group }), group))),
        ]);
        return changes.map((change, index) => {
          const reason = refused.get(change.address);
          return outcomes[index] ?? (reason ? { outcome: 'refused', reason } : { outcome: 'applied' });
        });
      },
    };
  },
};
