import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isRunning } from './processes.js';

/** The local system exactly as `npm start` runs it, in a child process, for end-to-end tests. */

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
// As `npm start` runs it: one Node process with tsx's loader, not the tsx CLI, whose parent
// process SIGKILLs a child that takes more than 60 ms to answer a relayed Ctrl-C. Node itself by
// absolute path, so a test may take PATH away (to hide Java) and still start.
const startArgs = ['--import', 'tsx', 'infra/local/start.ts'];

// A system a test file did not stop (a failed or timed-out hook) ends with its worker.
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** The pid of the DynamoDB Local JVM listening on `port`, if one runs. */
export function dynamoDbLocalPid(port: number): number | undefined {
  try {
    return Number(
      execFileSync('pgrep', ['-f', `DynamoDBLocal.jar.*-port ${port}( |$)`], { encoding: 'utf8' })
        .trim()
        .split('\n')[0],
    );
  } catch {
    return undefined; // pgrep exits 1 when nothing matches
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}

/**
 * Origins of the systems these tests started: the e2e setup (contract-setup.ts) checks every
 * answer from them against the OpenAPI document.
 */
export const systemOrigins = new Set<string>();

export interface RunningSystem {
  url: string;
  ports: { http: number; dynamodb: number; sqs: number };
  child: ChildProcess;
  output: () => string;
  /** Resolves with the exit code once the process ends, whatever ended it. */
  exited: Promise<number | null>;
  /** Ctrl-C, then the exit code. */
  interrupt(): Promise<number | null>;
}

export interface SystemOptions {
  dataDir: string;
  ports?: Partial<RunningSystem['ports']>;
  env?: Record<string, string>;
}

/** Spawns `npm start`'s entry point and waits for its banner (or its exit). */
export async function startSystem(options: SystemOptions): Promise<RunningSystem> {
  const ports = {
    http: options.ports?.http ?? (await freePort()),
    dynamodb: options.ports?.dynamodb ?? (await freePort()),
    sqs: options.ports?.sqs ?? (await freePort()),
  };
  const child = spawn(process.execPath, startArgs, {
    cwd: root,
    env: {
      ...process.env,
      PORT: String(ports.http),
      DYNAMODB_PORT: String(ports.dynamodb),
      SQS_PORT: String(ports.sqs),
      DATA_DIR: options.dataDir,
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  running.add(child);
  const exited = new Promise<number | null>((resolveExit) =>
    child.once('exit', (code) => {
      running.delete(child);
      resolveExit(code);
    }),
  );

  await new Promise<void>((resolveReady, reject) => {
    const check = setInterval(() => {
      if (output.includes('optout-hub is running')) {
        clearInterval(check);
        resolveReady();
      }
    }, 50);
    void exited.then((code) => {
      clearInterval(check);
      reject(Object.assign(new Error(`npm start exited with ${code}: ${output}`), { code, output }));
    });
  });

  const java = dynamoDbLocalPid(ports.dynamodb);
  systemOrigins.add(`http://localhost:${ports.http}`);
  return {
    url: `http://localhost:${ports.http}`,
    ports,
    child,
    output: () => output,
    exited,
    async interrupt() {
      let code = child.exitCode;
      if (code === null) {
        child.kill('SIGINT');
        code = await exited;
      }
      // Every file's teardown checks that the system left no Java behind.
      if (java !== undefined && isRunning(java)) {
        process.kill(java, 'SIGKILL');
        throw new Error(`DynamoDB Local (pid ${java}) was still running after npm start exited with ${code}.`);
      }
      return code;
    },
  };
}

/** Runs `npm start`'s entry point expecting it to fail; resolves with its exit code and output. */
export async function failedStart(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, startArgs, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolveExit) => child.once('exit', (exitCode) => resolveExit(exitCode)));
  return { code, output };
}

/** Sends a request signed by test/support/provider-signing.ts to the running system. */
export async function sendSigned(system: RunningSystem, request: { method: string; path: string; headers: Record<string, string>; body?: string }) {
  const response = await fetch(`${system.url}${request.path}`, { method: request.method, headers: request.headers, body: request.body });
  return { status: response.status, body: await response.text() };
}

/** Whether the check API says `number` is suppressed for SMS. */
export async function smsSuppressed(system: RunningSystem, number: string, apiKey: string): Promise<boolean> {
  const response = await fetch(`${system.url}/v1/suppressions/sms/${encodeURIComponent(number)}`, { headers: { 'x-api-key': apiKey } });
  return ((await response.json()) as { suppressed: boolean }).suppressed;
}
