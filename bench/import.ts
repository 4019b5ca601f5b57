import './environment.js';
import { spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { startLocalRuntime } from '../infra/local/runtime.js';
import { resourceEnvironment } from '../infra/local/provision.js';
import { localAwsEnvironment } from '../infra/local/services.js';

/**
 * `optout-hub import` against the local stack: a generated file of IMPORT_BENCH_ROWS rows
 * (default 1,000,000), imported by the real CLI in its own process for at most
 * IMPORT_BENCH_SECONDS (default 60), then interrupted (Ctrl-C, as an operator would; the
 * checkpoint keeps the place). Reported: rows/s over the rows it recorded, the process's peak
 * RSS (VmHWM) while streaming the full-size file, and, when the window ends before the file
 * does, the time the whole file would take at that rate, labelled as an extrapolation.
 */

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

async function generate(file: string, rows: number): Promise<void> {
  const out = createWriteStream(file);
  out.write('request_id,phone,channels,occurred_at,source\n');
  for (let row = 1; row <= rows; row++) {
    const line = `bench-${row},+1${String(2_000_000_000 + row)},${row % 2 ? 'sms' : 'sms;voice'},2026-01-01T00:00:00Z,bench\n`;
    if (!out.write(line)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

/** Peak resident set of a live process, from Linux's /proc (VmHWM); undefined elsewhere. */
function peakRssMb(pid: number): number | undefined {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

export async function benchImport(): Promise<string[]> {
  const rows = Number(process.env.IMPORT_BENCH_ROWS ?? 1_000_000);
  const seconds = Number(process.env.IMPORT_BENCH_SECONDS ?? 60);
  const concurrency = process.env.IMPORT_BENCH_CONCURRENCY ?? '16';
  const dir = mkdtempSync(join(tmpdir(), 'optout-import-bench-'));
  const file = join(dir, 'requests.csv');
  const runtime = await startLocalRuntime({ port: 0, dynamodbPort: 0, sqsPort: 0 });
  try {
    const generatedAt = performance.now();
    await generate(file, rows);
    const generateSeconds = (performance.now() - generatedAt) / 1000;
    const child = spawn(process.execPath, ['bin/optout-hub.mjs', 'import', file, '--no-progress', '--concurrency', concurrency], {
      cwd: root,
      env: {
        ...process.env,
        ...localAwsEnvironment,
        AWS_ENDPOINT_URL_DYNAMODB: runtime.endpoints.dynamodb,
        AWS_ENDPOINT_URL_SQS: runtime.endpoints.sqs,
        ...resourceEnvironment(runtime.resources),
        POWERTOOLS_LOG_LEVEL: 'ERROR',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = once(child, 'exit');
    const started = performance.now();
    let peak = 0;
    const sampler = setInterval(() => (peak = Math.max(peak, peakRssMb(child.pid!) ?? 0)), 250);
    const timer = setTimeout(() => child.kill('SIGINT'), seconds * 1000);
    await exited;
    clearTimeout(timer);
    clearInterval(sampler);
    const elapsed = (performance.now() - started) / 1000;
    const checkpoint = JSON.parse(readFileSync(`${file}.checkpoint.json`, 'utf8')) as { rowsDone: number; finished: boolean };
    const rate = checkpoint.rowsDone / elapsed;
    const lines = [
      `import (optout-hub import, local stack; DynamoDB Local; ${concurrency} rows in flight)`,
      `  file                                  ${rows.toLocaleString('en-US')} rows, ${(statSync(file).size / 1e6).toFixed(1)} MB (generated in ${generateSeconds.toFixed(1)} s)`,
      `  imported                              ${checkpoint.rowsDone.toLocaleString('en-US')} rows in ${elapsed.toFixed(1)} s (includes hashing the whole file first)`,
      `  rate                                  ${rate.toFixed(0)} rows/s`,
      `  peak RSS of the import process        ${peak ? `${peak.toFixed(0)} MB` : 'not measurable on this OS'} (streaming the ${rows.toLocaleString('en-US')}-row file)`,
    ];
    if (!checkpoint.finished) {
      lines.push(
        `  EXTRAPOLATED, not measured: the whole file at ${rate.toFixed(0)} rows/s would take ${(rows / rate / 60).toFixed(0)} min (stopped after ${seconds} s; IMPORT_BENCH_SECONDS to run longer)`,
      );
    }
    if (child.exitCode !== null && child.exitCode !== 0 && child.exitCode !== 1 && checkpoint.rowsDone === 0)
      lines.push(`  import failed: ${output.slice(-500)}`);
    return lines;
  } finally {
    await runtime.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const line of await benchImport()) console.log(line);
}
