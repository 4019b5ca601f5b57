import { z } from 'zod';
import { ConfigurationError } from '../core/errors.js';
import { RetryLater, retryAfterMs, type ChangeOutcome, type ConnectorDefinition } from './connector.js';
import { sendIsolatingRefusals, suppressedFor, type GroupAnswer } from './lists.js';

/**
 * `five9`: the Five9 domain's do-not-call list, through the Configuration (Admin) Web Services SOAP
 * API: addNumbersToDnc on an opt-out, removeNumbersFromDnc on an opt-in, each a SOAP 1.1 request
 * with HTTP Basic auth (an administrator's username:password). The envelope is two elements deep,
 * so it is written here rather than through a SOAP library and the WSDL. docs/connectors/five9.md.
 *
 * Five9 accepts addNumbersToDnc only from 11 PM to 6 AM Pacific Time (the window is a setting):
 * outside it an opt-out waits in the queue until the window opens; removals are not restricted.
 */

const NAMESPACE = 'http://service.admin.ws.five9.com/';
const local = (url: URL) => ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
const CLOCK = /^([01]\d|2[0-3]):[0-5]\d$/;

const settings = z
  .object({
    /** The Configuration Web Services endpoint of your data center and API version. */
    endpoint: z
      .string()
      .url()
      .refine((value) => {
        const url = new URL(value);
        return url.protocol === 'https:' || (url.protocol === 'http:' && local(url));
      }, 'must be https (http only for localhost)')
      .default('https://api.five9.com/wsadmin/v13/AdminWebService'),
    /** When Five9 accepts addNumbersToDnc; null when your domain has no such window. */
    addWindow: z
      .object({
        timeZone: z.string().refine((zone) => {
          try {
            new Intl.DateTimeFormat('en-US', { timeZone: zone });
            return true;
          } catch {
            return false;
          }
        }, 'an IANA time zone such as America/Los_Angeles'),
        from: z.string().regex(CLOCK, 'HH:MM'),
        to: z.string().regex(CLOCK, 'HH:MM'),
      })
      .strict()
      .nullable()
      .default({ timeZone: 'America/Los_Angeles', from: '23:00', to: '06:00' }),
    timeoutMs: z.number().int().min(100).max(60_000).default(30_000),
    requestsPerSecond: z.number().positive().max(10).optional(),
  })
  .strict();

export type Five9Settings = z.infer<typeof settings>;
type AddWindow = NonNullable<Five9Settings['addWindow']>;

const E164 = /^\+[1-9]\d{6,14}$/;

/** Five9 writes North American numbers as 10 digits and others with the 011 international prefix. */
export function five9Number(e164: string): string {
  return e164.startsWith('+1') ? e164.slice(2) : `011${e164.slice(1)}`;
}

const minutesOf = (clock: string) => Number(clock.slice(0, 2)) * 60 + Number(clock.slice(3));

/** 0 inside the window; otherwise how long until it opens. */
export function msUntilWindow(window: AddWindow, now: Date): number {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-GB', { timeZone: window.timeZone, hourCycle: 'h23', hour: '2-digit', minute: '2-digit', second: '2-digit' })
      .formatToParts(now)
      .map((part) => [part.type, Number(part.value)]),
  );
  const seconds = (parts.hour ?? 0) * 3600 + (parts.minute ?? 0) * 60 + (parts.second ?? 0);
  const from = minutesOf(window.from) * 60;
  const to = minutesOf(window.to) * 60;
  const inside = from <= to ? seconds >= from && seconds < to : seconds >= from || seconds < to;
  return inside ? 0 : ((((from - seconds) % 86_400) + 86_400) % 86_400) * 1000;
}

const escapeXml = (value: string) => value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const unescapeXml = (value: string) =>
  value
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');

export function soapEnvelope(method: string, inner: string): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>' +
    `<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:ser="${NAMESPACE}">` +
    `<soapenv:Header/><soapenv:Body><ser:${method}>${inner}</ser:${method}></soapenv:Body></soapenv:Envelope>`
  );
}

interface Fault {
  /** The fault's type from its detail (OperationsLimitExceededFault, IncorrectArgumentFault, …). */
  name: string;
  message: string;
  detail: string;
}

function faultOf(xml: string): Fault | undefined {
  if (!/<(?:[\w-]+:)?Fault[\s>]/.test(xml)) return undefined;
  const message = unescapeXml(/<faultstring[^>]*>([\s\S]*?)<\/faultstring>/.exec(xml)?.[1] ?? '').trim();
  const detail = /<detail[^>]*>([\s\S]*?)<\/detail>/.exec(xml)?.[1] ?? '';
  const name = /^\s*<(?:[\w-]+:)?(\w+)[\s>/]/.exec(detail)?.[1] ?? 'Fault';
  return { name, message, detail };
}

/** Faults that say "not now" rather than "never": the chunk is retried with back-off. */
const TRANSIENT = new Set([
  'ServiceUnavailableFault',
  'ServerFault',
  'SessionClosedFault',
  'ConcurrentModificationFault',
  'InternalImportFault',
  'AdminSessionClosedFault',
]);

export const five9Connector: ConnectorDefinition<Five9Settings> = {
  kind: 'five9',
  // Five9 checks its domain DNC list before dialing; its guide does not apply the list to texts.
  channels: ['voice'],
  settings,
  secret: "a Five9 administrator's username:password",
  // The guide's upload limit: up to 50,000 records in each request.
  batchSize: 50_000,
  // addNumbersToDnc is an upload request: 20 a minute (and 400 an hour, 2,000 a day) per domain.
  requestsPerSecond: 1 / 3,
  runsFunction: true,
  create({ integration, settings: { endpoint, addWindow, timeoutMs }, secret, fetch }) {
    const colon = secret?.indexOf(':') ?? -1;
    if (!secret || colon <= 0 || colon === secret.length - 1) {
      throw new ConfigurationError(`INTEGRATION_SECRETS has no username:password for integration "${integration.name}".`);
    }
    const authorization = `Basic ${Buffer.from(secret).toString('base64')}`;

    /** One SOAP call: the response body, or the fault Five9 answered with (on HTTP 500, as SOAP 1.1 does). */
    async function soap(method: string, inner: string): Promise<{ body: string; fault?: Fault }> {
      let response: Response;
      try {
        response = await fetch(endpoint, {
          method: 'POST',
          headers: { 'content-type': 'text/xml;charset=UTF-8', soapaction: '""', authorization },
          body: soapEnvelope(method, inner),
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (error) {
        throw new RetryLater(`Five9 did not answer (${error instanceof Error ? error.name : 'error'}).`);
      }
      if (response.status === 429 || response.status === 408 || response.status === 502 || response.status === 503 || response.status === 504) {
        await response.arrayBuffer().catch(() => undefined);
        throw new RetryLater(`Five9 answered ${response.status}.`, retryAfterMs(response.headers.get('retry-after')));
      }
      const body = await response.text().catch(() => '');
      if (response.status === 401 || response.status === 403) throw new Error(`Five9 refused the credentials (${response.status}).`);
      const fault = faultOf(body);
      if (fault) return { body, fault };
      if (!response.ok) throw new RetryLater(`Five9 answered ${response.status}.`);
      return { body };
    }

    /** How long until the request limit that was hit resets: to the end of its minute or hour, and re-checked at least hourly. */
    async function limitResetMs(operationType: string | undefined): Promise<number> {
      const { body, fault } = await soap('getCallCountersState', '').catch(() => ({ body: '', fault: undefined }));
      let longest = 60;
      if (!fault) {
        for (const period of body.match(/<return>[\s\S]*?<\/return>/g) ?? []) {
          const timeout = Number(/<timeout>(\d+)<\/timeout>/.exec(period)?.[1] ?? 0);
          for (const state of period.match(/<callCounterStates>[\s\S]*?<\/callCounterStates>/g) ?? []) {
            const field = (name: string) => new RegExp(`<${name}>([^<]*)</${name}>`).exec(state)?.[1];
            const type = field('operationType');
            if (operationType && type !== operationType) continue;
            if (Number(field('value')) >= Number(field('limit')) && timeout > longest) longest = timeout;
          }
        }
      }
      const period = Math.min(longest, 3600) * 1000;
      return period - (Date.now() % period);
    }

    async function answer(method: 'addNumbersToDnc' | 'removeNumbersFromDnc', group: readonly string[]): Promise<GroupAnswer> {
      const { fault } = await soap(method, group.map((number) => `<numbers>${escapeXml(number)}</numbers>`).join(''));
      if (!fault) return { ok: true };
      const reason = `${fault.name}: ${fault.message}`.slice(0, 200);
      if (fault.name === 'OperationsLimitExceededFault') {
        throw new RetryLater(reason, await limitResetMs(/<operationType>([^<]*)<\/operationType>/.exec(fault.detail)?.[1]));
      }
      if (fault.name === 'ExecutionRestrictionFault' && method === 'addNumbersToDnc') {
        // Outside the upload window Five9 refuses additions; they wait for it to open. When the
        // configured window says it is open, it is a little off (a clock change): look again soon.
        throw new RetryLater(reason, addWindow ? msUntilWindow(addWindow, new Date()) || 900_000 : 3_600_000);
      }
      if (TRANSIENT.has(fault.name)) throw new RetryLater(reason);
      if (fault.name === 'IncorrectArgumentFault') {
        const culprit = group.find((number) => fault.message.includes(number));
        return { ok: false, reason, ...(culprit ? { culprit } : {}) };
      }
      // AccessDisallowedFault and the like: the domain or the user is misconfigured, not the number.
      throw new Error(`Five9 refused ${method} (${reason}).`);
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
          (suppressedFor(change, integration.purposes) ? additions : removals).add(five9Number(change.address));
        });
        const waitMs = addWindow && additions.size ? msUntilWindow(addWindow, new Date()) : 0;
        const refused = new Map<string, string>();
        if (additions.size && !waitMs) {
          for (const [number, reason] of await sendIsolatingRefusals([...additions], (group) => answer('addNumbersToDnc', group))) refused.set(number, reason);
        }
        if (removals.size) {
          for (const [number, reason] of await sendIsolatingRefusals([...removals], (group) => answer('removeNumbersFromDnc', group)))
            refused.set(number, reason);
        }
        return changes.map((change, index) => {
          if (outcomes[index]) return outcomes[index];
          const number = five9Number(change.address);
          if (waitMs && additions.has(number)) return { outcome: 'retry', reason: 'Five9 accepts DNC additions only in its upload window', afterMs: waitMs };
          const reason = refused.get(number);
          return reason ? { outcome: 'refused', reason } : { outcome: 'applied' };
        });
      },
    };
  },
};
