import { GetQueueUrlCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, ProblemResponseError, type OptoutHubClient } from '../../client/index.js';
import { consumeBatch, memoryVersions, type BatchReport, type SuppressionMessage } from '../../client/queue-consumer.js';
import { localClientOptions } from '../../infra/local/services.js';
import { openApiDocument } from '../../shared/api/openapi.js';
import { channelQueues, routes } from '../../shared/platform/resources.js';
import { launchChromium, seriousViolations, type RunningBrowser } from '../support/browser.js';
import { contractSeen } from '../support/contract.js';
import { phoneNumbers } from '../support/phones.js';
import { startSystem, type RunningSystem } from '../support/system.js';

/**
 * The contract an integration developer works from, on the local system: the OpenAPI document and
 * its reference page, the typed client, and the example queue consumer (apply by version, ack).
 */

const dataDir = mkdtempSync(join(tmpdir(), 'optout-hub-contract-'));
const KEY = 'integration-key-0123456789';
const INTEGRATION = 'dialer-east';
const phone = phoneNumbers('917');
let system: RunningSystem;
let client: OptoutHubClient;
let sqs: SQSClient;
let queueUrl: string;
let browser: RunningBrowser | undefined;

beforeAll(async () => {
  system = await startSystem({ dataDir, env: { API_KEYS: `${INTEGRATION}:${KEY}:ingest+check+ack+admin` } });
  client = createClient({ baseUrl: system.url, apiKey: KEY });
  sqs = new SQSClient(localClientOptions(`http://127.0.0.1:${system.ports.sqs}`));
  ({ QueueUrl: queueUrl } = (await sqs.send(new GetQueueUrlCommand({ QueueName: channelQueues.sms.name }))) as { QueueUrl: string });
});

afterAll(async () => {
  await browser?.close();
  await system?.interrupt();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('GET /v1/openapi.json and GET /v1/docs', () => {
  it('serves the document generated from the code, without credentials', async () => {
    const response = await fetch(`${system.url}/v1/openapi.json`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(await response.json()).toEqual(JSON.parse(JSON.stringify(openApiDocument())));
    expect((await client.openApi()).openapi).toBe('3.1.0');
  });

  it('serves a reference page with every route, nothing fetched from elsewhere, and no serious accessibility violation', async () => {
    browser = await launchChromium();
    const page = await browser.context.newPage();
    const requested: string[] = [];
    page.on('request', (request) => requested.push(request.url()));
    const response = await page.goto(`${system.url}/v1/docs`);
    expect(response?.status()).toBe(200);
    expect(requested).toEqual([`${system.url}/v1/docs`]);
    const headings = await page.locator('section.operation h3').allTextContents();
    expect(headings.map((text) => text.replace(/\s+/g, ' ').trim()).toSorted()).toEqual(routes.map((route) => `${route.method} ${route.path}`).toSorted());
    expect(await seriousViolations(page)).toEqual([]);
    await page.setViewportSize({ width: 400, height: 800 });
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(400);
  });
});

describe('the typed client and the example queue consumer', () => {
  it('records, checks, consumes by version and acks, and a late older message is dropped', async () => {
    const number = phone();
    const request = (kind: 'opt-out' | 'opt-in', occurredAt: string) =>
      client.recordRequest({
        requestId: `${kind}-${number.slice(1)}`,
        kind,
        channels: ['sms'],
        subject: { phone: number },
        occurredAt,
        source: 'crm',
        evidence: { collectedBy: 'crm-sync', method: 'web-form' },
      });
    const optOut = await request('opt-out', '2026-06-01T09:30:00Z');
    expect(optOut).toMatchObject({
      duplicate: false,
      effect: 'applied',
      suppressions: [{ channel: 'sms', address: number, status: 'suppressed', version: 1 }],
    });
    const optIn = await request('opt-in', '2026-06-02T09:30:00Z');
    expect(optIn.suppressions).toEqual([expect.objectContaining({ status: 'allowed', version: 2 })]);
    expect(await client.check('sms', number)).toMatchObject({ suppressed: false, status: 'allowed', version: 2 });

    // The integration's own list, and the versions it holds.
    const doNotCall = new Map<string, SuppressionMessage>();
    const versions = memoryVersions();
    const applyLog: number[] = [];
    const consumer = {
      sqs,
      queueUrl,
      client,
      integration: INTEGRATION,
      versions,
      waitTimeSeconds: 1,
      apply: async (message: SuppressionMessage) => {
        if (message.address === number) applyLog.push(message.version);
        doNotCall.set(message.address, message);
      },
    };
    const reports: BatchReport[] = [];
    for (let polls = 0; polls < 60 && versions.entries.get(`sms#${number}`) !== 2; polls++) reports.push(await consumeBatch(consumer));
    expect(versions.entries.get(`sms#${number}`)).toBe(2);
    expect(doNotCall.get(number)).toMatchObject({ status: 'allowed', suppressed: false, version: 2 });
    // Versions only go up: v1 was applied before v2 or dropped as older, never after it.
    expect(applyLog).toEqual(applyLog.toSorted((a, b) => a - b));
    expect(applyLog.at(-1)).toBe(2);
    const acked = reports.flatMap((report) => report.acks?.results ?? []).filter((result) => result.address === number);
    expect(acked.at(-1)).toMatchObject({ version: 2, status: 'acked' });

    // An older message arriving late (queues do not keep order) is dropped, acked as what is held, and deleted.
    const [v1] = reports
      .flatMap((report) => [...report.applied, ...report.dropped.map((dropped) => dropped.message)])
      .filter((m) => m.address === number && m.version === 1);
    expect(v1).toBeDefined();
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(v1) }));
    let late: BatchReport | undefined;
    for (let polls = 0; polls < 20 && !late; polls++) {
      const report = await consumeBatch(consumer);
      if (report.dropped.some(({ message }) => message.address === number)) late = report;
    }
    expect(late?.dropped).toContainEqual({ message: expect.objectContaining({ version: 1 }), reason: 'stale' });
    expect(late?.applied.filter((message) => message.address === number)).toEqual([]);
    expect(late?.acks?.results).toContainEqual(expect.objectContaining({ address: number, version: 2, status: 'already-acked' }));
    expect(doNotCall.get(number)).toMatchObject({ version: 2 });

    // Both versions are acked by this integration: the history says so.
    const history = await client.history(optOut.personId);
    const distributions = history.events.flatMap((event) => event.distribution).filter((timing) => timing.channel === 'sms');
    expect(distributions.map((timing) => timing.version).toSorted()).toEqual([1, 2]);
    for (const timing of distributions) expect(timing.acks?.[INTEGRATION]).toBeDefined();
  });

  it('turns a refusal into a ProblemResponseError carrying the problem', async () => {
    const refused = await client.check('sms', 'not a phone').catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ProblemResponseError);
    expect(refused).toMatchObject({ status: 400, retryable: false, problem: { status: 400, type: 'https://optout-hub.dev/problems/invalid-address' } });
    expect((await client.health()).status).toBe('ok');
  });

  it('runs the documented example consumer against the system: applied, acked, and Ctrl-C stops it', async () => {
    const number = phone();
    const example = spawn(process.execPath, ['--import', 'tsx', 'client/example-consumer.ts'], {
      env: { ...process.env, PORT: String(system.ports.http), SQS_PORT: String(system.ports.sqs), OPTOUT_HUB_API_KEY: KEY, INTEGRATION: 'example-e2e' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    example.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    example.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolveExit) => example.once('exit', (code) => resolveExit(code)));
    try {
      await client.recordRequest({
        requestId: `example-${number.slice(1)}`,
        kind: 'opt-out',
        channels: ['sms'],
        subject: { phone: number },
        occurredAt: '2026-06-03T09:30:00Z',
        source: 'crm',
      });
      for (let waited = 0; waited < 300 && !output.includes(`ack sms ${number} v1 acked`); waited++)
        await new Promise((resolveWait) => setTimeout(resolveWait, 100));
      expect(output).toContain(`applied sms ${number} v1 suppressed`);
      expect(output).toContain(`ack sms ${number} v1 acked`);
    } finally {
      example.kill('SIGINT');
    }
    expect(await exited, output).toBe(0);
  });

  it('checked every answer of this file against the document', () => {
    expect(contractSeen().get('GET /v1/suppressions/{channel}/{address}')).toBeGreaterThan(0);
    expect(contractSeen().get('POST /v1/acks')).toBeGreaterThan(0);
    expect(contractSeen().get('GET /v1/openapi.json')).toBeGreaterThan(0);
  });
});
