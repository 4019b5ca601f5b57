import './environment.js';
import { BatchGetItemCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { resourceEnvironment } from '../infra/local/provision.js';
import { localDefaults, startLocalRuntime } from '../infra/local/runtime.js';
import { localAwsEnvironment, localClientOptions } from '../infra/local/services.js';
import { writeSyntheticRegistry } from './synthetic-registry.js';

/**
 * Registry figures on the local runtime (DynamoDB Local), printed, never asserted:
 * - `registry load` of a synthetic national registry of BENCH_REGISTRY_NUMBERS numbers (default
 *   10,000,000, 1,250 per block) by the real CLI in its own process: numbers/s and peak memory;
 * - stored bytes per million numbers, from the stored blocks' item sizes;
 * - one POST /v1/contact-check at a time, p50 and p99, beside the raw reads of the same shape
 *   (BatchGetItem of the suppression, BatchGetItem of one block per list and the exemptions);
 * - batches of 1,000 checks over BENCH_CONTACT_NUMBERS numbers (default 100,000): numbers/s, and
 *   that rate ÷ raw BatchGetItem keys/s over the same keys in the same run.
 */

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

function peakRssMb(pid: number): number | undefined {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

export async function benchRegistries(): Promise<string[]> {
  const numbers = Number(process.env.BENCH_REGISTRY_NUMBERS ?? 10_000_000);
  const contactNumbers = Number(process.env.BENCH_CONTACT_NUMBERS ?? 100_000);
  const singles = Number(process.env.BENCH_CONTACT_SINGLES ?? 300);
  const lines: string[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'optout-registry-bench-'));
  const runtime = await startLocalRuntime({ port: 0, dynamodbPort: 0, sqsPort: 0, onFatal: console.error });
  const dynamodb = new DynamoDBClient(localClientOptions(runtime.endpoints.dynamodb));
  const env = {
    ...process.env,
    ...localAwsEnvironment,
    AWS_ENDPOINT_URL_DYNAMODB: runtime.endpoints.dynamodb,
    AWS_ENDPOINT_URL_SQS: runtime.endpoints.sqs,
    ...resourceEnvironment(runtime.resources),
    POWERTOOLS_LOG_LEVEL: 'ERROR',
  };
  const cli = async (args: string[]) => {
    const child = spawn(process.execPath, ['bin/optout-hub.mjs', 'registry', ...args], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    let peak = 0;
    const sampler = setInterval(() => (peak = Math.max(peak, peakRssMb(child.pid!) ?? 0)), 100);
    const started = performance.now();
    const [code] = await once(child, 'exit');
    clearInterval(sampler);
    if (code !== 0) throw new Error(`registry ${args[0]} failed (${code}): ${output}`);
    return { output, seconds: (performance.now() - started) / 1000, peakMb: peak };
  };
  try {
    // 1. Load rate and memory.
    const file = join(dir, 'national.txt');
    const generated = await writeSyntheticRegistry(file, numbers, 1250, 7);
    const load = await cli(['load', '--list', 'national', '--as-of', '2026-06-01', '--no-progress', file]);
    lines.push(`registry bench: a synthetic national registry of ${generated.numbers} numbers in ${generated.blocks} blocks, local runtime`);
    lines.push(
      `${'registry load (CLI process)'.padEnd(34)} ${(generated.numbers / load.seconds).toFixed(0).padStart(9)} numbers/s   (${load.seconds.toFixed(1)} s, peak RSS ${load.peakMb.toFixed(0)} MB)`,
    );
    // Two small lists beside it, so a check reads three blocks and the exemptions.
    await writeSyntheticRegistry(join(dir, 'fl.txt'), 20_000, 50, 8);
    await cli(['load', '--list', 'state:FL', '--as-of', '2026-06-01', '--no-progress', join(dir, 'fl.txt')]);
    await writeSyntheticRegistry(join(dir, 'lit.txt'), 2_000, 2, 9);
    await cli(['load', '--list', 'litigator', '--as-of', '2026-06-01', '--no-progress', join(dir, 'lit.txt')]);

    // 2. Stored bytes per million numbers.
    const registries = {
      documents: DynamoDBDocumentClient.from(dynamodb),
      table: runtime.resources.tables.registries.name,
    };
    const { itemSize } = await import('../shared/store/item-size.js');
    const { areaCodesOf, blocksOfAreaCode, readBlocks, registryKeys } = await import('../shared/store/registries.js');
    for (const [list, count] of [
      ['national', generated.numbers],
      ['litigator', 2_000],
    ] as const) {
      let bytes = 0;
      for (const npa of await areaCodesOf(registries, list)) {
        const blocks = (await blocksOfAreaCode(registries, list, npa)).map((block) => block.block);
        for (const [block, stored] of await readBlocks(registries, list, blocks)) {
          // Stored size: the item as DynamoDB sizes it, plus its 100 bytes of per-item overhead.
          if (stored) bytes += itemSize({ ...registryKeys.block(list, block), ...stored }) + 100;
        }
      }
      lines.push(
        `${`stored, ${list}`.padEnd(34)} ${(bytes / count).toFixed(2).padStart(9)} MB per million numbers   (${count} numbers, ${list === 'national' ? '1,250' : '2'} per block)`,
      );
    }

    // 3. One check at a time, beside the raw reads of the same shape.
    // Numbers across area code 201's blocks, about an eighth of them on the synthetic national list.
    const digits = (i: number) => String(2_012_000_000 + ((i * 7919) % 8_000_000));
    const check = (i: number) => ({ channel: 'voice', phone: `+1${digits(i)}`, purpose: 'marketing', at: '2026-06-10T16:00:00Z' });
    const post = async (body: unknown) => {
      const response = await fetch(`${runtime.url}/v1/contact-check`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': localDefaults.API_KEY },
        body: JSON.stringify(body),
      });
      const text = await response.text();
      if (response.status !== 200) throw new Error(`contact-check answered ${response.status}: ${text.slice(0, 200)}`);
      return JSON.parse(text) as { allowed?: boolean; summary?: { failed: number } };
    };
    await post(check(0));
    const suppressionsTable = runtime.resources.tables.suppressions.name;
    const lists = ['litigator', 'national', 'state:FL'];
    const rawShape = async (number: string) => {
      const registryKeysOf = [
        { pk: { S: `EXEMPT#${number}` }, sk: { S: 'EXEMPTIONS' } },
        ...lists.map((list) => ({ pk: { S: `BLOCK#${list}#${number.slice(0, 3)}` }, sk: { S: number.slice(3, 6) } })),
      ];
      await Promise.all([
        dynamodb.send(new BatchGetItemCommand({ RequestItems: { [suppressionsTable]: { Keys: [{ pk: { S: `voice#+1${number}` } }], ConsistentRead: true } } })),
        dynamodb.send(new BatchGetItemCommand({ RequestItems: { [registries.table]: { Keys: registryKeysOf } } })),
      ]);
    };
    const checkMs: number[] = [];
    const rawMs: number[] = [];
    for (let i = 1; i <= singles; i++) {
      let begin = performance.now();
      await post(check(i));
      checkMs.push(performance.now() - begin);
      begin = performance.now();
      await rawShape(digits(i));
      rawMs.push(performance.now() - begin);
    }
    const row = (label: string, values: number[]) =>
      `${label.padEnd(34)} p50 ${percentile(values, 50).toFixed(1).padStart(7)} ms   p99 ${percentile(values, 99).toFixed(1).padStart(7)} ms   (n=${values.length})`;
    lines.push(row('POST /v1/contact-check, one number', checkMs));
    lines.push(row('raw reads of the same shape', rawMs));
    lines.push(`${'check / raw (p50)'.padEnd(34)} ${(percentile(checkMs, 50) / percentile(rawMs, 50)).toFixed(2).padStart(7)}`);

    // 4. Batches of 1,000 numbers, 4 in flight, beside raw BatchGetItem of the same keys.
    const batches: ReturnType<typeof check>[][] = [];
    for (let i = 0; i < contactNumbers; i += 1000) batches.push(Array.from({ length: Math.min(1000, contactNumbers - i) }, (_, n) => check(i + n + 1)));
    let next = 0;
    let failed = 0;
    const batchStart = performance.now();
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (next < batches.length) failed += (await post({ checks: batches[next++]! })).summary?.failed ?? 0;
      }),
    );
    const batchRate = contactNumbers / ((performance.now() - batchStart) / 1000);
    const keys: { table: string; key: Record<string, { S: string }> }[] = [];
    for (let i = 1; i <= contactNumbers; i++) {
      const number = digits(i);
      keys.push({ table: suppressionsTable, key: { pk: { S: `voice#+1${number}` } } });
      keys.push({ table: registries.table, key: { pk: { S: `EXEMPT#${number}` }, sk: { S: 'EXEMPTIONS' } } });
      for (const list of lists)
        keys.push({ table: registries.table, key: { pk: { S: `BLOCK#${list}#${number.slice(0, 3)}` }, sk: { S: number.slice(3, 6) } } });
    }
    const chunks: (typeof keys)[] = [];
    for (let i = 0; i < keys.length; i += 100) chunks.push(keys.slice(i, i + 100));
    let chunk = 0;
    let read = 0;
    const rawStart = performance.now();
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (chunk < chunks.length) {
          const batch = chunks[chunk++]!;
          const byTable = new Map<string, Record<string, { S: string }>[]>();
          for (const { table, key } of batch) {
            const id = JSON.stringify(key);
            const list = byTable.get(table) ?? [];
            if (!list.some((k) => JSON.stringify(k) === id)) list.push(key);
            byTable.set(table, list);
          }
          let request = Object.fromEntries([...byTable].map(([table, tableKeys]) => [table, { Keys: tableKeys }]));
          while (Object.keys(request).length) {
            const result = await dynamodb.send(new BatchGetItemCommand({ RequestItems: request }));
            read += Object.values(request).reduce((sum, entry) => sum + entry.Keys.length, 0);
            request = (result.UnprocessedKeys ?? {}) as typeof request;
            read -= Object.values(request).reduce((sum, entry) => sum + (entry.Keys?.length ?? 0), 0);
          }
        }
      }),
    );
    const rawRate = read / ((performance.now() - rawStart) / 1000);
    lines.push(
      `${'contact-check, batches of 1,000'.padEnd(34)} ${batchRate.toFixed(0).padStart(9)} numbers/s   (${contactNumbers} numbers, 4 batches in flight, ${failed} failed)`,
    );
    lines.push(
      `${'raw BatchGetItem, same keys'.padEnd(34)} ${rawRate.toFixed(0).padStart(9)} keys/s      (${lists.length + 2} keys a number, 16 calls in flight)`,
    );
    lines.push(`${'numbers/s ÷ raw keys/s'.padEnd(34)} ${(batchRate / rawRate).toFixed(2).padStart(9)}`);
    return lines;
  } finally {
    dynamodb.destroy();
    await runtime.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  for (const line of await benchRegistries()) console.log(line);
}
