import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';

/**
 * DynamoDB's size of an item, following its documented rules (attribute names and values in
 * UTF-8 bytes; numbers about one byte per two digits; 3 bytes of overhead per list or map), to
 * price a write in capacity units without depending on what an emulator reports.
 */
function valueSize(value: AttributeValue): number {
  if (value.S !== undefined) return Buffer.byteLength(value.S);
  if (value.N !== undefined) return Math.ceil(value.N.replace(/^-|\.|e.*$/gi, '').replace(/^0+/, '').length / 2) + 1;
  if (value.B !== undefined) return value.B.length;
  if (value.BOOL !== undefined || value.NULL !== undefined) return 1;
  if (value.SS) return value.SS.reduce((sum, s) => sum + Buffer.byteLength(s), 0);
  if (value.NS) return value.NS.reduce((sum, n) => sum + valueSize({ N: n }), 0);
  if (value.L) return 3 + value.L.reduce((sum, item) => sum + 1 + valueSize(item), 0);
  if (value.M) return 3 + mapSize(value.M);
  return 0;
}

function mapSize(map: Record<string, AttributeValue>): number {
  return Object.entries(map).reduce((sum, [name, value]) => sum + Buffer.byteLength(name) + valueSize(value), 0);
}

export function itemSize(item: Record<string, unknown>): number {
  return mapSize(marshall(item, { removeUndefinedValues: true }) as Record<string, AttributeValue>);
}

/** Write capacity units of a write of `bytes` (per started KB), doubled inside a transaction. */
export function writeUnits(bytes: number, transactional: boolean): number {
  return Math.max(1, Math.ceil(bytes / 1024)) * (transactional ? 2 : 1);
}
