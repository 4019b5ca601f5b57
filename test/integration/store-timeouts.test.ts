import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DependencyError } from '../../shared/core/errors.js';
import { localAwsEnvironment } from '../../shared/platform/local-defaults.js';
import { httpEvent } from '../support/http-event.js';

/**
 * A frozen store: a TCP server that accepts every connection and never answers. With the
 * default timeouts and tries, a store call and a handler behind it must fail with a 503 the
 * caller can retry, not hang. Bounded by vitest's timeout, not by measuring time.
 */

const KEY = 'frozen-store-key';
let server: Server;
const sockets: Socket[] = [];
let connections = 0;

beforeAll(async () => {
  server = createServer((socket) => {
    connections++;
    sockets.push(socket);
    // Read and ignore the request: the connection stays open with no answer.
    socket.on('data', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  Object.assign(process.env, localAwsEnvironment, {
    AWS_ENDPOINT_URL_DYNAMODB: `http://127.0.0.1:${port}`,
    AWS_ENDPOINT_URL_S3: `http://127.0.0.1:${port}`,
    PREFERENCES_TABLE: 'frozen-preferences',
    SUPPRESSIONS_TABLE: 'frozen-suppressions',
    API_KEYS: `reader:${KEY}:check`,
  });
  // The stream client follows AWS_ENDPOINT_URL_DYNAMODB when no streams endpoint of its own is set.
  for (const name of ['STORE_CONNECT_TIMEOUT_MS', 'STORE_REQUEST_TIMEOUT_MS', 'STORE_MAX_ATTEMPTS', 'AWS_ENDPOINT_URL_DYNAMODB_STREAMS'])
    delete process.env[name];
});

afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('a store that accepts connections and never answers', () => {
  it('fails a store read with a DependencyError (503) after the configured tries', { timeout: 15_000 }, async () => {
    const [{ storeFromEnvironment }, { getSuppression }] = await Promise.all([
      import('../../shared/store/clients.js'),
      import('../../shared/store/suppressions.js'),
    ]);
    const before = connections;
    const failure = await getSuppression(storeFromEnvironment(), 'sms', '+14155550100').catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(DependencyError);
    expect((failure as DependencyError).status).toBe(503);
    // STORE_MAX_ATTEMPTS defaults to 2: one try and one retry, each on a connection of its own
    // (the first is never answered, so it cannot be reused).
    expect(connections - before).toBe(2);
  });

  it('answers the pre-send check with a 503 problem', { timeout: 15_000 }, async () => {
    const { handler } = (await import('../../functions/check.js')) as unknown as {
      handler: (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;
    };
    const base = httpEvent('GET', '/v1/suppressions/sms/+14155550100', {
      routeKey: 'GET /v1/suppressions/{channel}/{address}',
      pathParameters: { channel: 'sms', address: '+14155550100' },
    });
    const response = await handler({ ...base, headers: { ...base.headers, 'x-api-key': KEY } });
    expect(response.statusCode).toBe(503);
    expect(JSON.parse(response.body ?? '{}')).toMatchObject({ status: 503 });
  });

  it('fails a snapshot write to S3 after the configured tries', { timeout: 15_000 }, async () => {
    const { snapshotClient, writeReport } = await import('../../shared/store/snapshots.js');
    const before = connections;
    const s3 = snapshotClient();
    const failure = await writeReport(s3, 'frozen-snapshots', { channel: 'sms', startedAt: '2026-06-01T00:00:00.000Z' }).catch((error: unknown) => error);
    s3.destroy();
    expect(failure).toBeInstanceOf(Error);
    expect(connections - before).toBe(2);
  });

  it('fails a read of the DynamoDB stream (redrive, replay-dlq) after the configured tries', { timeout: 15_000 }, async () => {
    const { streamsClient, keysOfStreamFailure } = await import('../../shared/store/stream-records.js');
    const before = connections;
    const streams = streamsClient();
    const failure = await keysOfStreamFailure(streams, {
      DDBStreamBatchInfo: {
        shardId: 'shardId-00000001',
        startSequenceNumber: '100',
        endSequenceNumber: '200',
        streamArn: 'arn:aws:dynamodb:us-east-1:000000000000:table/frozen-suppressions/stream/2026-06-01T00:00:00.000',
      },
    }).catch((error: unknown) => error);
    streams.destroy();
    expect(failure).toBeInstanceOf(Error);
    expect(connections - before).toBe(2);
  });
});
