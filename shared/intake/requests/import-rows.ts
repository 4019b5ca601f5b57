/**
 * How a CSV row becomes a canonical request (`optout-hub import`). Column names are matched
 * case-insensitively, ignoring spaces, hyphens and underscores (`Occurred At` = `occurred_at`):
 *
 * | column | request field | default |
 * |---|---|---|
 * | request_id | requestId | `<first 16 hex of the file's SHA-256>-<row number>` |
 * | kind | kind (`opt-out`, `opt-in`) | `opt-out` |
 * | channels | channels, separated by `;`, `|`, `,` or spaces | required |
 * | purpose | purpose | `all` |
 * | scope | scope (`address`, `person`) | `address` |
 * | phone, email, external_id | subject.phone / email / externalId | |
 * | postal_line1, postal_line2, postal_city, postal_state, postal_code, postal_country | subject.postal | country `US` |
 * | occurred_at | occurredAt (ISO 8601 with offset) | required |
 * | received_on | receivedOn: when the organisation received it (YYYY-MM-DD or ISO 8601 with offset) | the act |
 * | source | source | `--source` (default `import`) |
 * | collected_by, method, reference, note | evidence.* | method `import` when collected_by is set |
 *
 * Empty cells are absent values. Unknown columns are ignored (and listed once at the start).
 */

export type Row = Record<string, string>;

export const knownColumns = [
  'requestid',
  'kind',
  'channels',
  'purpose',
  'scope',
  'phone',
  'email',
  'externalid',
  'postalline1',
  'postalline2',
  'postalcity',
  'postalstate',
  'postalcode',
  'postalcountry',
  'occurredat',
  'receivedon',
  'source',
  'collectedby',
  'method',
  'reference',
  'note',
] as const;

export const columnKey = (name: string) =>
  name
    .trim()
    .toLowerCase()
    .replace(/[\s_-]+/g, '');

export interface RowContext {
  /** 1-based number of the data row (the header is row 0). */
  row: number;
  fileId: string;
  defaultSource: string;
}

export function importRequestId(fileId: string, row: number): string {
  return `${fileId}-${row}`;
}

/** The raw request a row stands for; validation is the request schema's, as for the API. */
export function requestFromRow(row: Row, context: RowContext): Record<string, unknown> {
  const cell = (name: (typeof knownColumns)[number]) => {
    const value = row[name]?.trim();
    return value ? value : undefined;
  };
  const postal =
    cell('postalline1') || cell('postalcity') || cell('postalcode')
      ? {
          line1: cell('postalline1'),
          ...(cell('postalline2') ? { line2: cell('postalline2') } : {}),
          city: cell('postalcity'),
          ...(cell('postalstate') ? { state: cell('postalstate') } : {}),
          postalCode: cell('postalcode'),
          ...(cell('postalcountry') ? { country: cell('postalcountry') } : {}),
        }
      : undefined;
  const evidence = {
    ...(cell('collectedby') ? { collectedBy: cell('collectedby'), method: cell('method') ?? 'import' } : cell('method') ? { method: cell('method') } : {}),
    ...(cell('reference') ? { reference: cell('reference') } : {}),
    ...(cell('note') ? { note: cell('note') } : {}),
  };
  return {
    requestId: cell('requestid') ?? importRequestId(context.fileId, context.row),
    kind: cell('kind') ?? 'opt-out',
    channels: (cell('channels') ?? '').split(/[;|,\s]+/).filter(Boolean),
    ...(cell('purpose') ? { purpose: cell('purpose') } : {}),
    ...(cell('scope') ? { scope: cell('scope') } : {}),
    subject: {
      ...(cell('phone') ? { phone: cell('phone') } : {}),
      ...(cell('email') ? { email: cell('email') } : {}),
      ...(postal ? { postal } : {}),
      ...(cell('externalid') ? { externalId: cell('externalid') } : {}),
    },
    occurredAt: cell('occurredat'),
    ...(cell('receivedon') ? { receivedOn: cell('receivedon') } : {}),
    source: cell('source') ?? context.defaultSource,
    evidence,
  };
}

/**
 * The columns a header lacks for any of its rows to be recorded: `channels`, `occurred_at` and
 * something naming the subject. Checked once, before the first row, so a wrong file fails at once
 * instead of every row being refused.
 */
export function missingColumns(header: readonly string[]): string[] {
  const keys = new Set(header.map(columnKey));
  const missing: string[] = [];
  if (!keys.has('channels')) missing.push('channels');
  if (!keys.has('occurredat')) missing.push('occurred_at');
  if (!['phone', 'email', 'externalid', 'postalline1'].some((key) => keys.has(key))) missing.push('one of phone, email, external_id, postal_line1');
  return missing;
}
