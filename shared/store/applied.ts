import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Channel } from '../core/channels.js';
import type { StoreContext } from './clients.js';
import { batchGetItems, guard } from './dynamo.js';
import { keys } from './keys.js';

/**
 * The highest version each connector applied, per (integration, channel, address): what makes a
 * redelivered or late older message a no-op for that integration. Kept apart from the delivery
 * items, which are per version, so "what does this integration hold?" is one read.
 */

export interface AppliedTarget {
  channel: Channel;
  address: string;
}

const keyOf = (target: AppliedTarget) => `${target.channel}#${target.address}`;

/** The version applied of each target (absent: none yet), keyed `channel#address`. */
export async function appliedVersions(ctx: StoreContext, integration: string, targets: readonly AppliedTarget[]): Promise<Map<string, number>> {
  const unique = [...new Map(targets.map((target) => [keyOf(target), target])).values()];
  const items = await batchGetItems(
    ctx,
    ctx.tables.preferences,
    unique.map((target) => keys.applied(integration, target.channel, target.address)),
  );
  return new Map(items.map((item) => [`${String(item.channel)}#${String(item.address)}`, Number(item.version)]));
}

/** Raises the applied version; a lower or equal one (a concurrent newer apply won) changes nothing. */
export async function markApplied(
  ctx: StoreContext,
  integration: string,
  target: AppliedTarget & { version: number; outcome: 'applied' | 'refused' },
  now: Date = new Date(),
): Promise<void> {
  try {
    await guard(() =>
      ctx.documents.send(
        new UpdateCommand({
          TableName: ctx.tables.preferences,
          Key: keys.applied(integration, target.channel, target.address),
          UpdateExpression:
            'SET #type = :type, #integration = :integration, #channel = :channel, #address = :address, #version = :version, #outcome = :outcome, #appliedAt = :at',
          ConditionExpression: 'attribute_not_exists(#version) OR #version < :version',
          ExpressionAttributeNames: Object.fromEntries(
            ['type', 'integration', 'channel', 'address', 'version', 'outcome', 'appliedAt'].map((name) => [`#${name}`, name]),
          ),
          ExpressionAttributeValues: {
            ':type': 'applied',
            ':integration': integration,
            ':channel': target.channel,
            ':address': target.address,
            ':version': target.version,
            ':outcome': target.outcome,
            ':at': now.toISOString(),
          },
        }),
      ),
    );
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
  }
}
