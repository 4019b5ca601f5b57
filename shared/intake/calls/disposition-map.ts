import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ConfigurationError } from '../../core/errors.js';
import { dispositionMapSpec } from '../../platform/config.js';
import { dispositionActions, type DispositionAction } from './types.js';

/**
 * Which disposition codes mean what, per dialer. Codes are compared by their normalized form
 * (upper case, every run of other characters one `_`), so "Do Not Call", "do-not-call" and
 * "DO_NOT_CALL" are one code. A dialer's own entries win over the defaults (`*`). A code in no
 * list is unknown: recorded, never acted on, and never an error (a dialer retries errors forever).
 */

export type DispositionMap = Record<string, Record<string, DispositionAction>>;

export function normalizeCode(code: string): string {
  return code
    .trim()
    .toUpperCase()
    .replace(/[^A-Z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
}

/** Names most dialers ship with or most teams use; Genesys wrap-up codes are ids and must be mapped. */
export const defaultDispositionMap: DispositionMap = {
  '*': {
    DNC: 'do-not-call',
    DO_NOT_CALL: 'do-not-call',
    ADD_TO_DNC: 'do-not-call',
    DO_NOT_CONTACT: 'do-not-contact',
    DNC_ALL: 'do-not-contact',
    DO_NOT_TEXT: 'do-not-text',
    DO_NOT_SMS: 'do-not-text',
    WRONG_NUMBER: 'wrong-number',
    WRONG_PARTY: 'wrong-number',
    SALE: 'ignore',
    CALLBACK: 'ignore',
    NO_ANSWER: 'ignore',
    BUSY: 'ignore',
    ANSWERING_MACHINE: 'ignore',
    VOICEMAIL: 'ignore',
    ABANDON: 'ignore',
    ABANDONED: 'ignore',
    NOT_INTERESTED: 'ignore',
    COMPLETED: 'ignore',
  },
};

const mapSchema = z.record(z.string().min(1), z.record(z.string().min(1), z.enum(dispositionActions)));

/** Reads DISPOSITION_MAP: inline JSON (starts with `{`) or the path of a JSON file. */
export function parseDispositionMap(value: string | undefined): DispositionMap {
  if (!value?.trim()) return defaultDispositionMap;
  let raw: unknown;
  try {
    raw = JSON.parse(value.trim().startsWith('{') ? value : readFileSync(value.trim(), 'utf8'));
  } catch (error) {
    throw new ConfigurationError(`DISPOSITION_MAP is neither JSON nor a readable JSON file: ${(error as Error).message}`);
  }
  const parsed = mapSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigurationError(
      `DISPOSITION_MAP must map dialer → code → one of ${dispositionActions.join(', ')}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  const merged: DispositionMap = { '*': { ...defaultDispositionMap['*'], ...normalizeKeys(parsed.data['*'] ?? {}) } };
  for (const [dialer, codes] of Object.entries(parsed.data)) {
    if (dialer !== '*') merged[dialer] = normalizeKeys(codes);
  }
  return merged;
}

function normalizeKeys(codes: Record<string, DispositionAction>): Record<string, DispositionAction> {
  return Object.fromEntries(Object.entries(codes).map(([code, action]) => [normalizeCode(code), action]));
}

let cache: { spec: string | undefined; map: DispositionMap } | undefined;

export function configuredDispositionMap(): DispositionMap {
  const spec = dispositionMapSpec();
  if (cache?.spec !== spec || !cache) cache = { spec, map: parseDispositionMap(spec) };
  return cache.map;
}

/** The action for `code` from `dialer`, or undefined when nobody mapped it. */
export function dispositionAction(map: DispositionMap, dialer: string, code: string): DispositionAction | undefined {
  const key = normalizeCode(code);
  return map[dialer]?.[key] ?? map['*']?.[key];
}
