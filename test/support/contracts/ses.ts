import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { contractCredentials, sigV4Problem } from './sigv4.js';
import { tokenBucket } from './token-bucket.js';

/**
 * Amazon SES API v2, the operations optout-hub's `ses` connector calls, as the SES v2 API
 * reference documents them (https://docs.aws.amazon.com/ses/latest/APIReference-V2/), REST-JSON:
 *
 * - UpdateContact: PUT /v2/email/contact-lists/{ContactListName}/contacts/{EmailAddress}
 * - CreateContact: POST /v2/email/contact-lists/{ContactListName}/contacts
 * - PutSuppressedDestination: PUT /v2/email/suppression/addresses
 * - GetSuppressedDestination: GET /v2/email/suppression/addresses/{EmailAddress}
 * - DeleteSuppressedDestination: DELETE /v2/email/suppression/addresses/{EmailAddress}
 *
 * Every request must carry a valid SigV4 signature for the `ses` signing name. Errors are the
 * documented ones, named in `x-amzn-ErrorType` with a JSON `message`: BadRequestException (400),
 * NotFoundException (404), AlreadyExistsException (400), TooManyRequestsException (429, with no
 * Retry-After: SES sends none) and 5xx when the test asks. A contact list holds at most 20 topics,
 * and only topics of the list may be named in TopicPreferences.
 */

export type TopicStatus = 'OPT_IN' | 'OPT_OUT';

export interface SesContact {
  topics: Record<string, TopicStatus>;
  unsubscribeAll: boolean;
}

export interface SesSuppressed {
  reason: 'BOUNCE' | 'COMPLAINT';
  /** Set for entries SES added itself after a bounce or complaint; absent for entries put through the API. */
  messageId?: string;
  feedbackId?: string;
}

export interface SesContract {
  endpoint: string;
  contactListName: string;
  contacts: Map<string, SesContact>;
  suppressed: Map<string, SesSuppressed>;
  /** Operation names in arrival order, throttled and failed ones included. */
  calls: string[];
  /** Requests refused for a bad signature. */
  forged: number;
  /** The next `times` requests get 429 TooManyRequestsException. */
  throttle(times: number): void;
  /** The next `times` requests get this 5xx. */
  fail(times: number, status?: number): void;
  /** SES answers BadRequestException for this address (one it will not take). */
  reject(address: string): void;
  close(): Promise<void>;
}

const TOPIC_NAME = /^[A-Za-z0-9_-]{1,64}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export async function startSesContract(options: { contactListName: string; topics: string[]; requestsPerSecond?: number }): Promise<SesContract> {
  if (options.topics.length > 20) throw new Error('An SES contact list holds at most 20 topics.');
  const credentials = contractCredentials('ses');
  const topics = new Set(options.topics);
  const rejected = new Set<string>();
  let throttleTimes = 0;
  let failure: { times: number; status: number } = { times: 0, status: 500 };
  const admit = options.requestsPerSecond === undefined ? () => true : tokenBucket(options.requestsPerSecond);

  const contract = {
    contactListName: options.contactListName,
    contacts: new Map<string, SesContact>(),
    suppressed: new Map<string, SesSuppressed>(),
    calls: [] as string[],
    forged: 0,
    throttle: (times: number) => {
      throttleTimes = times;
    },
    fail: (times: number, status = 500) => {
      failure = { times, status };
    },
    reject: (address: string) => rejected.add(address),
  };

  const error = (response: ServerResponse, status: number, type: string, message: string) => {
    response.writeHead(status, { 'content-type': 'application/json', 'x-amzn-errortype': type }).end(JSON.stringify({ message }));
  };
  const ok = (response: ServerResponse, body: unknown = {}) => {
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };

  /** Checks TopicPreferences against the list; a string is the BadRequest/NotFound message. */
  function preferences(raw: unknown): Record<string, TopicStatus> | { notFound: string } | { bad: string } {
    if (raw === undefined) return {};
    if (!Array.isArray(raw)) return { bad: 'TopicPreferences must be a list.' };
    const result: Record<string, TopicStatus> = {};
    for (const entry of raw as { TopicName?: unknown; SubscriptionStatus?: unknown }[]) {
      if (typeof entry.TopicName !== 'string' || !TOPIC_NAME.test(entry.TopicName)) return { bad: 'Invalid TopicName.' };
      if (entry.SubscriptionStatus !== 'OPT_IN' && entry.SubscriptionStatus !== 'OPT_OUT') return { bad: 'Invalid SubscriptionStatus.' };
      if (!topics.has(entry.TopicName)) return { notFound: `List ${options.contactListName} doesn't contain topic ${entry.TopicName}` };
      result[entry.TopicName] = entry.SubscriptionStatus;
    }
    return result;
  }

  function handle(request: IncomingMessage, body: Buffer, response: ServerResponse) {
    const problem = sigV4Problem(request, body, credentials);
    if (problem) {
      contract.forged++;
      error(response, 403, 'SignatureDoesNotMatch', problem);
      return;
    }
    const url = new URL(request.url ?? '/', 'http://contract');
    const segments = url.pathname.split('/').map((segment) => decodeURIComponent(segment));
    const route = `${request.method} ${segments.slice(0, 5).join('/')}`;
    const operation =
      request.method === 'PUT' && segments[3] === 'contact-lists' && segments[5] === 'contacts' && segments.length === 7
        ? 'UpdateContact'
        : request.method === 'POST' && segments[3] === 'contact-lists' && segments[5] === 'contacts' && segments.length === 6
          ? 'CreateContact'
          : request.method === 'PUT' && route === 'PUT /v2/email/suppression/addresses' && segments.length === 5
            ? 'PutSuppressedDestination'
            : route === 'GET /v2/email/suppression/addresses' && segments.length === 6
              ? 'GetSuppressedDestination'
              : route === 'DELETE /v2/email/suppression/addresses' && segments.length === 6
                ? 'DeleteSuppressedDestination'
                : undefined;
    if (!operation) {
      error(response, 404, 'UnknownOperationException', `No operation at ${request.method} ${url.pathname}`);
      return;
    }
    contract.calls.push(operation);

    if (throttleTimes > 0 || !admit()) {
      if (throttleTimes > 0) throttleTimes--;
      error(response, 429, 'TooManyRequestsException', 'Too many requests have been made to the operation.');
      return;
    }
    if (failure.times > 0) {
      failure.times--;
      error(response, failure.status, 'InternalFailure', 'The request processing has failed because of an unknown error.');
      return;
    }

    let input: Record<string, unknown> = {};
    if (body.length) {
      try {
        input = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
      } catch {
        error(response, 400, 'BadRequestException', 'The request body is not JSON.');
        return;
      }
    }
    const invalidAddress = (address: unknown) => typeof address !== 'string' || !EMAIL.test(address) || rejected.has(address);

    if (operation === 'UpdateContact' || operation === 'CreateContact') {
      if (segments[4] !== options.contactListName) {
        error(response, 404, 'NotFoundException', `List ${segments[4]} does not exist.`);
        return;
      }
      const address = operation === 'UpdateContact' ? segments[6] : input.EmailAddress;
      if (invalidAddress(address)) {
        error(response, 400, 'BadRequestException', 'Invalid email address.');
        return;
      }
      const email = String(address);
      const existing = contract.contacts.get(email);
      if (operation === 'UpdateContact' && !existing) {
        error(response, 404, 'NotFoundException', `Contact ${'<redacted>'} does not exist in list ${options.contactListName}.`);
        return;
      }
      if (operation === 'CreateContact' && existing) {
        error(response, 400, 'AlreadyExistsException', 'Contact already exists.');
        return;
      }
      const topicPreferences = preferences(input.TopicPreferences);
      if ('bad' in topicPreferences) {
        error(response, 400, 'BadRequestException', String(topicPreferences.bad));
        return;
      }
      if ('notFound' in topicPreferences) {
        error(response, 404, 'NotFoundException', String(topicPreferences.notFound));
        return;
      }
      if (input.UnsubscribeAll !== undefined && typeof input.UnsubscribeAll !== 'boolean') {
        error(response, 400, 'BadRequestException', 'UnsubscribeAll must be a boolean.');
        return;
      }
      // Only the topics named are updated; the others keep their preference.
      contract.contacts.set(email, {
        topics: { ...(existing?.topics ?? {}), ...(topicPreferences as Record<string, TopicStatus>) },
        unsubscribeAll: (input.UnsubscribeAll as boolean | undefined) ?? existing?.unsubscribeAll ?? false,
      });
      ok(response);
      return;
    }

    if (operation === 'PutSuppressedDestination') {
      if (invalidAddress(input.EmailAddress)) {
        error(response, 400, 'BadRequestException', 'Invalid email address.');
        return;
      }
      if (input.Reason !== 'BOUNCE' && input.Reason !== 'COMPLAINT') {
        error(response, 400, 'BadRequestException', 'Reason must be BOUNCE or COMPLAINT.');
        return;
      }
      contract.suppressed.set(String(input.EmailAddress), { reason: input.Reason });
      ok(response);
      return;
    }

    const email = segments[5]!;
    const entry = contract.suppressed.get(email);
    if (operation === 'GetSuppressedDestination') {
      if (!entry) {
        error(response, 404, 'NotFoundException', 'Email address is not on the suppression list for your account.');
        return;
      }
      ok(response, {
        SuppressedDestination: {
          EmailAddress: email,
          Reason: entry.reason,
          LastUpdateTime: Math.floor(Date.now() / 1000),
          ...(entry.messageId ? { Attributes: { MessageId: entry.messageId, FeedbackId: entry.feedbackId } } : {}),
        },
      });
      return;
    }
    // DeleteSuppressedDestination
    if (!entry) {
      error(response, 404, 'NotFoundException', 'Email address is not on the suppression list for your account.');
      return;
    }
    contract.suppressed.delete(email);
    ok(response);
  }

  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => handle(request, Buffer.concat(chunks), response));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return Object.assign(contract, {
    endpoint: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  });
}
