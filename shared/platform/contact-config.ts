import { callingRulesFrom } from '../core/calling-window.js';
import { defaultCallingRules, type CallingRule } from '../core/calling-rules.js';
import { ConfigurationError } from '../core/errors.js';
import { refreshRule, type RefreshRule } from '../core/registries.js';

/**
 * Configuration of the pre-contact check (README, docs/registries-and-calling-windows.md), read
 * from the environment and parsed once per value.
 */

let rulesCache: { key: string; rules: CallingRule[] } | undefined;

/** The calling-window rules: the default table with CALLING_RULES and ORGANISATION_CALLING_HOURS applied. */
export function callingRules(): CallingRule[] {
  const key = JSON.stringify([process.env.CALLING_RULES ?? '', process.env.ORGANISATION_CALLING_HOURS ?? '']);
  if (rulesCache?.key !== key)
    rulesCache = { key, rules: callingRulesFrom(defaultCallingRules, process.env.CALLING_RULES, process.env.ORGANISATION_CALLING_HOURS) };
  return rulesCache.rules;
}

let refreshCache: { key: string; rule: RefreshRule } | undefined;

/** How many days after its as-of date each list may be relied on (REGISTRY_REFRESH_DAYS). */
export function registryRefreshRule(): RefreshRule {
  const key = process.env.REGISTRY_REFRESH_DAYS ?? '';
  if (refreshCache?.key !== key) refreshCache = { key, rule: refreshRule(key) };
  return refreshCache.rule;
}

/** REGISTRY_STALE_FAILS_CLOSED (default true): a list past its refresh rule blocks every number it would answer for. */
export function staleListsFailClosed(): boolean {
  const value = process.env.REGISTRY_STALE_FAILS_CLOSED?.trim().toLowerCase();
  if (value === undefined || value === '' || value === 'true') return true;
  if (value === 'false') return false;
  throw new ConfigurationError(`REGISTRY_STALE_FAILS_CLOSED "${value}" is not true or false.`);
}

/** Where the reassigned-numbers database is queried (REASSIGNED_NUMBERS_URL); none: not queried. */
export function reassignedNumbersUrl(): string | undefined {
  const value = process.env.REASSIGNED_NUMBERS_URL?.trim();
  if (!value) return undefined;
  if (!/^https?:\/\//.test(value)) throw new ConfigurationError(`REASSIGNED_NUMBERS_URL "${value}" is not an http(s) URL.`);
  return value;
}
