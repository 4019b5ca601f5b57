import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { startDynamoDbLocal } from '../../infra/local/services.js';
import { dynamoDbLocalPid, startSystem } from '../support/system.js';
import { isRunning } from '../support/processes.js';

/**
 * DynamoDB Local is a JVM in a process of its own: it must end with whatever started it, however
 * that ends (a test run once left one running for 12 minutes after `npm test`).
 */

const dataDir = mkdtempSync(join(tmpdir(), 'optout-hub-java-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('the DynamoDB Local JVM', () => {
  it('is gone once stop() resolves', async () => {
    const dynamodb = await startDynamoDbLocal({ port: 0 });
    const pid = dynamodb.pid!;
    expect(isRunning(pid)).toBe(true);
    await dynamodb.stop();
    expect(isRunning(pid)).toBe(false);
  });

  it('goes when npm start is killed without a chance to stop it (SIGKILL)', async () => {
    const system = await startSystem({ dataDir });
    const java = dynamoDbLocalPid(system.ports.dynamodb);
    expect(java).toBeTypeOf('number');
    system.child.kill('SIGKILL');
    await system.exited;
    await vi.waitFor(() => expect(isRunning(java!)).toBe(false), { timeout: 20_000, interval: 100 });
  });
});
