import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetCommand, TransactGetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { setTimeout as sleep } from 'node:timers/promises';
import { DependencyError } from '../errors.js';
import type { Channel } from '../resources.js';
import type { Signal } from '../signal.js';
import { planSignal, type ChannelState, type SignalPlan, type Suppression } from '../suppression.js';
import type { StoreContext } from './clients.js';
import { keys } from './keys.js';

export interface RecordOutcome {
  eventId: string;
  /** The same signal had already been recorded; nothing was written this time. */
  duplicate: boolean;
  effect: SignalPlan['effect'];
  /** The suppression item after this signal, when it changed it. */
  suppression?: Suppression;
}

/** Concurrent writers to one address re-read and re-plan; this bounds how often. */
const MAX_ATTEMPTS = 8;

/**
 * Records a signal durably: the immutable event, the channel state and the suppression item of
 * the address, in one transaction. Resolves only once that transaction has committed.
 */
export async function recordSignal(ctx: StoreContext, signal: Signal, now: () => Date = () => new Date()): Promise<RecordOutcome> {
  for (let attempt = 1; ; attempt++) {
    const current = await readCurrent(ctx, signal);
    if (current.event) {
      return { eventId: signal.id, duplicate: true, effect: current.event.effect as SignalPlan['effect'] };
    }
    const recordedAt = now().toISOString();
    const plan = planSignal(current, signal, recordedAt);
    try {
      await writePlan(ctx, signal, plan, current, recordedAt);
      return { eventId: signal.id, duplicate: false, effect: plan.effect, suppression: plan.suppression };
    } catch (error) {
      const conflict = conflictOf(error);
      if (conflict === 'duplicate') return { eventId: signal.id, duplicate: true, effect: plan.effect };
      if (conflict === 'changed' && attempt < MAX_ATTEMPTS) {
        await sleep(Math.random() * 10 * attempt);
        continue;
      }
      throw new DependencyError('The signal could not be recorded; it was not acknowledged.', {}, error);
    }
  }
}

interface Current {
  event?: Record<string, unknown>;
  state?: ChannelState;
  suppression?: Suppression;
}

async function readCurrent(ctx: StoreContext, signal: Signal): Promise<Current> {
  // One serializable snapshot of everything the decision depends on.
  const result = await guard(() =>
    ctx.documents.send(
      new TransactGetCommand({
        TransactItems: [
          { Get: { TableName: ctx.tables.preferences, Key: keys.event(signal.id) } },
          { Get: { TableName: ctx.tables.preferences, Key: keys.channelState(signal.channel, signal.address, signal.purpose) } },
          { Get: { TableName: ctx.tables.suppressions, Key: keys.suppression(signal.channel, signal.address) } },
        ],
      }),
    ),
  );
  const [event, state, suppression] = (result.Responses ?? []).map((response) => response?.Item);
  return {
    event,
    state: state as ChannelState | undefined,
    suppression: suppression as Suppression | undefined,
  };
}

async function writePlan(ctx: StoreContext, signal: Signal, plan: SignalPlan, current: Current, recordedAt: string): Promise<void> {
  const items: NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']> = [
    {
      Put: {
        TableName: ctx.tables.preferences,
        Item: { ...keys.event(signal.id), type: 'event', ...signal, effect: plan.effect, recordedAt },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    },
  ];
  if (plan.state) {
    items.push({
      Put: {
        TableName: ctx.tables.preferences,
        Item: {
          ...keys.channelState(signal.channel, signal.address, signal.purpose),
          type: 'channel-state',
          ...plan.state,
          address: signal.address,
          updatedAt: recordedAt,
        },
        ...unchangedSince(current.state?.eventId, 'eventId'),
      },
    });
  }
  if (plan.suppression) {
    items.push({
      Put: {
        TableName: ctx.tables.suppressions,
        Item: { ...keys.suppression(signal.channel, signal.address), ...plan.suppression },
        ...unchangedSince(current.suppression?.version, 'version'),
      },
    });
  }
  await ctx.documents.send(new TransactWriteCommand({ TransactItems: items }));
}

/** Optimistic concurrency: the write holds only if nobody changed the item since it was read. */
function unchangedSince(value: string | number | undefined, attribute: string) {
  if (value === undefined) return { ConditionExpression: 'attribute_not_exists(pk)' };
  return {
    ConditionExpression: '#attribute = :expected',
    ExpressionAttributeNames: { '#attribute': attribute },
    ExpressionAttributeValues: { ':expected': value },
  };
}

function conflictOf(error: unknown): 'duplicate' | 'changed' | undefined {
  if (!(error instanceof TransactionCanceledException)) return undefined;
  const reasons = error.CancellationReasons ?? [];
  if (reasons[0]?.Code === 'ConditionalCheckFailed') return 'duplicate';
  if (reasons.some((reason) => reason.Code === 'ConditionalCheckFailed' || reason.Code === 'TransactionConflict')) {
    return 'changed';
  }
  return undefined;
}

export async function getSuppression(ctx: StoreContext, channel: Channel, address: string): Promise<Suppression | undefined> {
  const result = await guard(() =>
    ctx.documents.send(
      new GetCommand({ TableName: ctx.tables.suppressions, Key: keys.suppression(channel, address), ConsistentRead: true }),
    ),
  );
  if (!result.Item) return undefined;
  const { pk: _pk, ...suppression } = result.Item;
  return suppression as Suppression;
}

/** Any failure to reach the store becomes a DependencyError (503), so callers retry. */
async function guard<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    throw new DependencyError('The store did not answer.', {}, error);
  }
}
