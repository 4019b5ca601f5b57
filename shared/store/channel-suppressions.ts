import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Channel } from '../core/channels.js';
import type { Suppression } from '../core/preferences.js';
import type { StoreContext } from './clients.js';
import { guard } from './dynamo.js';
import { changesIndex } from './suppressions.js';

/**
 * The current item of every address of one channel, page by page, from the channel's partition of
 * the changes index (so only that channel's items are read, unlike a scan of the table). The
 * index is eventually consistent: an item changed within the export's settle window
 * (EXPORT_SETTLE_SECONDS) may still show its previous version; every change recorded before
 * that is reflected (this version or a newer one).
 */
export async function* channelSuppressionPages(ctx: StoreContext, channel: Channel): AsyncGenerator<Suppression[]> {
  let start: Record<string, unknown> | undefined;
  do {
    const page = await guard(
      () =>
        ctx.documents.send(
          new QueryCommand({
            TableName: ctx.tables.suppressions,
            IndexName: changesIndex.name,
            KeyConditionExpression: '#channel = :channel',
            ExpressionAttributeNames: { '#channel': 'channel' },
            ExpressionAttributeValues: { ':channel': channel },
            ExclusiveStartKey: start,
          }),
        ),
      'The suppressions table',
    );
    yield (page.Items ?? []).map((item) => {
      const { pk: _pk, changeKey: _changeKey, ...suppression } = item;
      return suppression as unknown as Suppression;
    });
    start = page.LastEvaluatedKey;
  } while (start);
}
