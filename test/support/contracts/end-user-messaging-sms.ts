import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { contractCredentials, sigV4Problem } from './sigv4.js';
import { tokenBucket } from './token-bucket.js';

/**
 * AWS End User Messaging SMS (the SMS and Voice v2 API, `pinpoint-sms-voice-v2`), the two
 * operations optout-hub's `end-user-messaging-sms` connector calls, as the API reference documents
 * them (https://docs.aws.amazon.com/pinpoint/latest/apireference_smsvoicev2/): AWS JSON 1.0, a
 * POST to `/` naming the operation in `X-Amz-Target: PinpointSMSVoiceV2.<Operation>`, signed with
 * SigV4 for the `sms-voice` signing name.
 *
 * - PutOptedOutNumber { OptOutListName, OptedOutNumber } adds the number to the opt-out list.
 * - DeleteOptedOutNumber { OptOutListName, OptedOutNumber } removes it. The reference: "Each
 *   destination phone number can only be deleted once every 30 days"; a number or list that does
 *   not exist is an error (ResourceNotFoundException naming `opted-out-number` or `opt-out-list`).
 *
 * Errors carry `__type` and `Message`: ValidationException (400, with a Reason), ResourceNotFound
 * (400), ThrottlingException (400) when the quota page's 10 requests per second per operation is
 * exceeded (a token bucket) or the test asks, InternalServerException (500) when the test asks.
 */

export interface OptedOutNumber {
  optedOutAt: number;
  /** True when the recipient opted out by replying; false when added through the API. */
  endUserOptedOut: boolean;
}

export interface SmsContract {
  endpoint: string;
  lists: Map<string, Map<string, OptedOutNumber>>;
  /** When each number was last deleted from a list (for the once-per-30-days rule). */
  deletedAt: Map<string, number>;
  calls: string[];
  forged: number;
  throttle(times: number): void;
  fail(times: number): void;
  /** Answer ValidationException (CANNOT_PARSE) for this number. */
  reject(number: string): void;
  close(): Promise<void>;
}

const PHONE_NUMBER = /^\+?[1-9][0-9]{1,18}$/;
const THIRTY_DAYS_MS = 30 * 24 * 3600 * 1000;

export async function startSmsContract(options: { optOutListName: string; requestsPerSecond?: number; now?: () => number }): Promise<SmsContract> {
  const credentials = contractCredentials('sms-voice');
  const now = options.now ?? Date.now;
  const limit = options.requestsPerSecond ?? 10;
  const rejected = new Set<string>();
  let throttleTimes = 0;
  let failTimes = 0;
  // Per operation, as the quota page lists them.
  const buckets = new Map([
    ['PutOptedOutNumber', tokenBucket(limit)],
    ['DeleteOptedOutNumber', tokenBucket(limit)],
  ]);
  const contract = {
    lists: new Map([[options.optOutListName, new Map<string, OptedOutNumber>()]]),
    deletedAt: new Map<string, number>(),
    calls: [] as string[],
    forged: 0,
    throttle: (times: number) => {
      throttleTimes = times;
    },
    fail: (times: number) => {
      failTimes = times;
    },
    reject: (number: string) => rejected.add(number),
  };

  const send = (response: ServerResponse, status: number, body: Record<string, unknown>) => {
    response
      .writeHead(status, {
        'content-type': 'application/x-amz-json-1.0',
        ...(typeof body.__type === 'string' ? { 'x-amzn-errortype': body.__type } : {}),
      })
      .end(JSON.stringify(body));
  };

  function handle(request: IncomingMessage, body: Buffer, response: ServerResponse) {
    const problem = sigV4Problem(request, body, credentials);
    if (problem) {
      contract.forged++;
      send(response, 403, { __type: 'InvalidSignatureException', message: problem });
      return;
    }
    const target = String(request.headers['x-amz-target'] ?? '');
    const operation = target.startsWith('PinpointSMSVoiceV2.') ? target.slice('PinpointSMSVoiceV2.'.length) : '';
    if (request.method !== 'POST' || request.url !== '/' || !String(request.headers['content-type']).startsWith('application/x-amz-json-1.0')) {
      send(response, 404, { __type: 'UnknownOperationException' });
      return;
    }
    if (operation !== 'PutOptedOutNumber' && operation !== 'DeleteOptedOutNumber') {
      send(response, 400, { __type: 'UnknownOperationException', Message: `Unknown operation ${target}` });
      return;
    }
    contract.calls.push(operation);

    if (throttleTimes > 0 || !buckets.get(operation)!()) {
      if (throttleTimes > 0) throttleTimes--;
      send(response, 400, { __type: 'ThrottlingException', Message: 'Rate exceeded' });
      return;
    }
    if (failTimes > 0) {
      failTimes--;
      send(response, 500, { __type: 'InternalServerException', Message: 'Internal server error', RequestId: 'contract' });
      return;
    }

    let input: { OptOutListName?: unknown; OptedOutNumber?: unknown };
    try {
      input = JSON.parse(body.toString('utf8')) as typeof input;
    } catch {
      send(response, 400, { __type: 'ValidationException', Message: 'The body is not JSON.', Reason: 'CANNOT_PARSE' });
      return;
    }
    const listName = input.OptOutListName;
    const number = input.OptedOutNumber;
    if (typeof listName !== 'string' || typeof number !== 'string') {
      send(response, 400, { __type: 'ValidationException', Message: 'OptOutListName and OptedOutNumber are required.', Reason: 'MISSING_PARAMETER' });
      return;
    }
    if (!PHONE_NUMBER.test(number) || rejected.has(number)) {
      send(response, 400, {
        __type: 'ValidationException',
        Message: 'The phone number is not valid.',
        Reason: 'CANNOT_PARSE',
        Fields: [{ Name: 'OptedOutNumber', Message: 'Invalid phone number' }],
      });
      return;
    }
    const list = contract.lists.get(listName.split('/').pop()!);
    if (!list) {
      send(response, 400, {
        __type: 'ResourceNotFoundException',
        Message: 'The opt-out list does not exist.',
        ResourceType: 'opt-out-list',
        ResourceId: listName,
      });
      return;
    }
    const result = (entry: OptedOutNumber) => ({
      OptOutListArn: `arn:aws:sms-voice:us-east-1:111122223333:opt-out-list/${listName}`,
      OptOutListName: listName,
      OptedOutNumber: number,
      OptedOutTimestamp: entry.optedOutAt / 1000,
      EndUserOptedOut: entry.endUserOptedOut,
    });

    if (operation === 'PutOptedOutNumber') {
      const entry = list.get(number) ?? { optedOutAt: now(), endUserOptedOut: false };
      list.set(number, entry);
      send(response, 200, result(entry));
      return;
    }
    const entry = list.get(number);
    if (!entry) {
      send(response, 400, {
        __type: 'ResourceNotFoundException',
        Message: 'The opted out number does not exist.',
        ResourceType: 'opted-out-number',
        ResourceId: number,
      });
      return;
    }
    const lastDeleted = contract.deletedAt.get(number);
    if (lastDeleted !== undefined && now() - lastDeleted < THIRTY_DAYS_MS) {
      send(response, 400, {
        __type: 'ValidationException',
        Message: 'Each destination phone number can only be deleted once every 30 days.',
        Reason: 'PHONE_NUMBER_CANNOT_BE_OPTED_IN',
      });
      return;
    }
    list.delete(number);
    contract.deletedAt.set(number, now());
    send(response, 200, result(entry));
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
