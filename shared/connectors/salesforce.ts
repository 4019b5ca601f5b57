import { z } from 'zod';
import type { Channel } from '../core/channels.js';
import { ConfigurationError } from '../core/errors.js';
import type { SuppressionMessage } from '../distribution/fanout.js';
import { RetryLater, refusalReason, vendorFetch, type ChangeOutcome, type ConnectorDefinition } from './connector.js';
import { suppressedFor } from './lists.js';

/**
 * `salesforce`: the opt-out fields of the Contacts and Leads that hold an address. Email sets
 * HasOptedOutOfEmail, voice DoNotCall, sms the checkbox field named by settings.smsOptOutField.
 * Records are found with SOQL (GET /services/data/vXX.X/query) and updated with the sObject
 * Collections API (PATCH /services/data/vXX.X/composite/sobjects, up to 200 records a call,
 * allOrNone false, so each record succeeds or fails alone). Auth is the OAuth 2.0 client
 * credentials flow against the org's My Domain. jsforce is community-maintained, not Salesforce's,
 * so this is the documented REST API over vendorFetch. docs/connectors/salesforce.md.
 *
 * An address that no Contact or Lead holds is "applied": the CRM holds nothing that could be
 * contacted there, and nothing is left to do.
 */

const local = (url: URL) => ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
const baseUrl = z
  .string()
  .url()
  .refine((value) => {
    const url = new URL(value);
    return url.protocol === 'https:' || (url.protocol === 'http:' && local(url));
  }, 'must be https (http only for localhost)')
  .transform((value) => value.replace(/\/+$/, ''));
const FIELD = z.string().regex(/^[A-Za-z][A-Za-z0-9_]*$/, 'a field API name such as SMS_Opt_Out__c');

const settings = z
  .object({
    /** The org's My Domain URL, where the client credentials token is issued. */
    loginUrl: baseUrl,
    /** Where the REST API is called; the token's instance_url when absent. */
    instanceUrl: baseUrl.optional(),
    apiVersion: z
      .string()
      .regex(/^\d{2,3}\.0$/, 'a version such as 62.0')
      .default('62.0'),
    /** The checkbox field (on both Contact and Lead) that records an SMS opt-out; needed for the sms channel. */
    smsOptOutField: FIELD.optional(),
    /** Which objects to update. */
    objects: z
      .array(z.enum(['Contact', 'Lead']))
      .min(1)
      .default(['Contact', 'Lead']),
    /** The phone fields a voice or sms address is looked up in (on both objects). */
    phoneFields: z.array(FIELD).min(1).max(4).default(['Phone', 'MobilePhone']),
    timeoutMs: z.number().int().min(100).max(30_000).default(10_000),
    requestsPerSecond: z.number().positive().max(100).optional(),
  })
  .strict();

export type SalesforceSettings = z.infer<typeof settings>;

/** SOQL string literal: backslash and quote escaped, and the control characters SOQL spells with a backslash. */
export function soqlString(value: string): string {
  const escaped = value.replace(/[\\'"\n\r\t\b\f]/g, (character) => {
    const named: Record<string, string> = { '\n': 'n', '\r': 'r', '\t': 't', '\b': 'b', '\f': 'f' };
    return `\\${named[character] ?? character}`;
  });
  return `'${escaped}'`;
}

const E164 = /^\+[1-9]\d{6,14}$/;
const digits = (value: string) => value.replace(/\D/g, '');

/** How a number may be typed into a Salesforce phone field (free text): the forms a lookup tries. */
export function phoneForms(e164: string): string[] {
  const all = e164.slice(1);
  if (e164.startsWith('+1') && all.length === 11) {
    const [area, exchange, line] = [all.slice(1, 4), all.slice(4, 7), all.slice(7)];
    return [
      e164,
      all,
      all.slice(1),
      `(${area}) ${exchange}-${line}`,
      `${area}-${exchange}-${line}`,
      `${area}.${exchange}.${line}`,
      `+1 ${area}-${exchange}-${line}`,
      `+1 (${area}) ${exchange}-${line}`,
      `1-${area}-${exchange}-${line}`,
    ];
  }
  return [e164, all, `00${all}`];
}

/** Whether a stored phone value is this E.164 number (a 10-digit value is read as North American). */
function samePhone(stored: unknown, e164: string): boolean {
  if (typeof stored !== 'string') return false;
  const found = digits(stored.startsWith('00') ? stored.slice(2) : stored);
  const wanted = e164.slice(1);
  return found === wanted || (wanted.length === 11 && wanted.startsWith('1') && found === wanted.slice(1));
}

type SObject = 'Contact' | 'Lead';
interface SalesforceRecord {
  attributes: { type: string };
  Id: string;
  [field: string]: unknown;
}
interface RecordResult {
  id?: string;
  success: boolean;
  errors?: { statusCode?: string; message?: string }[];
}

/** Record errors that say "not now": the change is retried. */
const TRANSIENT_RECORD_ERRORS = new Set(['UNABLE_TO_LOCK_ROW', 'REQUEST_LIMIT_EXCEEDED', 'SERVER_UNAVAILABLE']);
/** Salesforce's API request allocation is a rolling 24 hours: look again in an hour. */
const REQUEST_LIMIT_RETRY_MS = 3_600_000;
/** Characters of SOQL per query, so the URL stays well under the REST API's 16,384-byte URI limit once encoded. */
const QUERY_BUDGET = 4000;

export const salesforceConnector: ConnectorDefinition<SalesforceSettings> = {
  kind: 'salesforce',
  channels: ['email', 'voice', 'sms'],
  settings,
  secret: "the connected app's consumer key and secret, clientId:clientSecret",
  // A change may match several records; an sObject Collections call takes 200, and the lookups stay short.
  batchSize: 50,
  // Salesforce meters a daily allocation, not a rate; 10 calls a second stays well inside it.
  requestsPerSecond: 10,
  runsFunction: true,
  create({ integration, settings: { loginUrl, instanceUrl, apiVersion, smsOptOutField, objects, phoneFields, timeoutMs }, secret, fetch }) {
    const colon = secret?.indexOf(':') ?? -1;
    if (!secret || colon <= 0 || colon === secret.length - 1) {
      throw new ConfigurationError(`INTEGRATION_SECRETS has no clientId:clientSecret for integration "${integration.name}".`);
    }
    if (integration.channels.includes('sms') && !smsOptOutField) {
      throw new ConfigurationError(`integration "${integration.name}" takes sms: settings.smsOptOutField must name the SMS opt-out field.`);
    }
    const [clientId, clientSecret] = [secret.slice(0, colon), secret.slice(colon + 1)];
    const fieldOf: Record<Channel, string | undefined> = { email: 'HasOptedOutOfEmail', voice: 'DoNotCall', sms: smsOptOutField, mail: undefined };
    let session: { token: string; instance: string } | undefined;

    async function login(): Promise<{ token: string; instance: string }> {
      const response = await vendorFetch(fetch, `${loginUrl}/services/oauth2/token`, {
        method: 'POST',
        timeoutMs,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret }).toString(),
      });
      if (!response.ok) throw new Error(`Salesforce refused the client credentials (${await refusalReason(response)}).`);
      const body = (await response.json()) as { access_token?: string; instance_url?: string };
      if (!body.access_token) throw new RetryLater('Salesforce answered the token request without a token.');
      session = { token: body.access_token, instance: instanceUrl ?? (body.instance_url ?? loginUrl).replace(/\/+$/, '') };
      return session;
    }

    /** One REST call; a 401 (the session expired) gets one new token and one retry. REQUEST_LIMIT_EXCEEDED waits. */
    async function call(method: 'GET' | 'PATCH', path: string, body?: unknown): Promise<unknown> {
      for (let attempt = 0; ; attempt++) {
        const current = attempt === 0 && session ? session : await login();
        const response = await vendorFetch(fetch, `${current.instance}${path}`, {
          method,
          timeoutMs,
          headers: { authorization: `Bearer ${current.token}`, accept: 'application/json', ...(body ? { 'content-type': 'application/json' } : {}) },
          ...(body ? { body: JSON.stringify(body) } : {}),
        });
        if (response.ok) return response.json();
        const text = await response.text().catch(() => '');
        if (response.status === 401 && attempt === 0) continue;
        if (response.status === 403 && text.includes('REQUEST_LIMIT_EXCEEDED')) {
          throw new RetryLater('Salesforce: the org has used its API request allocation.', REQUEST_LIMIT_RETRY_MS);
        }
        throw new Error(`Salesforce answered ${response.status} to ${method} ${path.split('?')[0]}: ${text.slice(0, 200)}`);
      }
    }

    async function query(soql: string): Promise<SalesforceRecord[]> {
      const records: SalesforceRecord[] = [];
      let page = (await call('GET', `/services/data/v${apiVersion}/query?q=${encodeURIComponent(soql)}`)) as {
        records?: SalesforceRecord[];
        nextRecordsUrl?: string;
      };
      records.push(...(page.records ?? []));
      while (page.nextRecordsUrl) {
        page = (await call('GET', page.nextRecordsUrl)) as typeof page;
        records.push(...(page.records ?? []));
      }
      return records;
    }

    /** The records of one object holding any of these addresses, in as few queries as the URL allows. */
    async function lookup(object: SObject, emails: string[], phones: string[]): Promise<SalesforceRecord[]> {
      const conditions = [
        ...emails.map((email) => ({ field: 'Email', values: [soqlString(email)] })),
        ...phones.flatMap((phone) => phoneFields.map((field) => ({ field, values: phoneForms(phone).map(soqlString) }))),
      ];
      const select = `SELECT Id, Email, ${phoneFields.join(', ')} FROM ${object} WHERE `;
      const suffix = object === 'Lead' ? ' AND IsConverted = false' : '';
      const found = new Map<string, SalesforceRecord>();
      let group: typeof conditions = [];
      const flush = async () => {
        if (!group.length) return;
        const byField = new Map<string, string[]>();
        for (const { field, values } of group) byField.set(field, [...(byField.get(field) ?? []), ...values]);
        const where = [...byField].map(([field, values]) => `${field} IN (${values.join(', ')})`).join(' OR ');
        for (const record of await query(`${select}(${where})${suffix}`)) found.set(record.Id, record);
        group = [];
      };
      let length = 0;
      for (const condition of conditions) {
        const size = condition.values.join(', ').length + condition.field.length + 10;
        if (length + size > QUERY_BUDGET) {
          await flush();
          length = 0;
        }
        group.push(condition);
        length += size;
      }
      await flush();
      return [...found.values()];
    }

    return {
      async apply(changes) {
        const outcomes: (ChangeOutcome | undefined)[] = changes.map((change) => {
          if (change.channel === 'email') return change.address.includes('@') ? undefined : { outcome: 'refused', reason: 'not an email address' };
          if (!fieldOf[change.channel]) return { outcome: 'refused', reason: `the salesforce connector does not hold ${change.channel}` };
          return E164.test(change.address) ? undefined : { outcome: 'refused', reason: 'not an E.164 phone number' };
        });
        const live = changes.filter((_, index) => !outcomes[index]);
        const emails = [...new Set(live.filter((change) => change.channel === 'email').map((change) => change.address.toLowerCase()))];
        const phones = [...new Set(live.filter((change) => change.channel !== 'email').map((change) => change.address))];

        // Which records each change touches, and the value each (record, field) gets: suppression wins within a batch.
        const touched = new Map<SuppressionMessage, string[]>();
        const updates = new Map<string, { type: SObject; fields: Record<string, boolean> }>();
        for (const object of objects) {
          const records = emails.length || phones.length ? await lookup(object, emails, phones) : [];
          for (const change of live) {
            const field = fieldOf[change.channel]!;
            const holders = records.filter((record) =>
              change.channel === 'email'
                ? typeof record.Email === 'string' && record.Email.toLowerCase() === change.address.toLowerCase()
                : phoneFields.some((phoneField) => samePhone(record[phoneField], change.address)),
            );
            for (const record of holders) {
              const update = updates.get(record.Id) ?? { type: object, fields: {} };
              update.fields[field] = update.fields[field] === true || suppressedFor(change, integration.purposes);
              updates.set(record.Id, update);
            }
            touched.set(change, [...(touched.get(change) ?? []), ...holders.map((record) => record.Id)]);
          }
        }

        const results = new Map<string, RecordResult>();
        const pending = [...updates];
        for (let start = 0; start < pending.length; start += 200) {
          const slice = pending.slice(start, start + 200);
          const answered = (await call('PATCH', `/services/data/v${apiVersion}/composite/sobjects`, {
            allOrNone: false,
            records: slice.map(([id, { type, fields }]) => ({ attributes: { type }, id, ...fields })),
          })) as RecordResult[];
          for (const [index, [id]] of slice.entries()) results.set(id, answered[index] ?? { success: false, errors: [{ statusCode: 'NO_RESULT' }] });
        }

        return changes.map((change, index) => {
          if (outcomes[index]) return outcomes[index];
          const failures = (touched.get(change) ?? []).flatMap((id) =>
            results.get(id)?.success ? [] : (results.get(id)?.errors ?? [{ statusCode: 'UNKNOWN' }]),
          );
          if (!failures.length) return { outcome: 'applied' };
          const codes = [...new Set(failures.map((error) => error.statusCode ?? 'UNKNOWN'))];
          const reason = `${codes.join(', ')}: ${failures[0]?.message ?? ''}`.slice(0, 200);
          return codes.some((code) => TRANSIENT_RECORD_ERRORS.has(code)) ? { outcome: 'retry', reason } : { outcome: 'refused', reason };
        });
      },
    };
  },
};
