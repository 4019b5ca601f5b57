import { z } from 'zod';
import { channels, type Channel } from '../core/channels.js';
import { ConfigurationError } from '../core/errors.js';

/**
 * Integrations: the systems that must apply every suppression change of their channels (a dialer,
 * a CRM, an ESP, a print vendor). Each is declared in INTEGRATIONS, from the environment or the
 * configuration file, as a JSON array of `{ "name", "connector", "channels", "purposes"?,
 * "settings"? }`, and gets its own subscription: a queue and DLQ fed by its channels' topics.
 * This module checks the shape; shared/connectors/registry.ts checks each connector's settings.
 */

/** Names become queue names, function names and variable names: kept to what all of them allow. */
const NAME = /^[a-z][a-z0-9-]{0,38}[a-z0-9]$/;

const integrationSchema = z
  .object({
    name: z.string().regex(NAME, 'lower-case letters, digits and dashes, 2 to 40, starting with a letter'),
    connector: z.string().min(1),
    channels: z.array(z.enum(channels)).min(1),
    /** Only changes that affect these purposes (or `all`) reach the integration; every change when absent. */
    purposes: z.array(z.string().min(1)).min(1).optional(),
    settings: z.record(z.string(), z.unknown()).default({}),
  })
  .strict();

export interface IntegrationDeclaration {
  name: string;
  connector: string;
  channels: Channel[];
  purposes?: string[];
  settings: Record<string, unknown>;
}

/**
 * The declared integrations, checked: JSON, shape, known channels and purposes, unique names.
 * Every problem is reported at once, naming the integration it is in.
 */
export function parseIntegrations(value: string | undefined, knownPurposes: readonly string[]): IntegrationDeclaration[] {
  if (!value?.trim()) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch (error) {
    throw new ConfigurationError(`INTEGRATIONS is not JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (!Array.isArray(parsed)) throw new ConfigurationError('INTEGRATIONS must be a JSON array of integrations.');
  const problems: string[] = [];
  const declared: IntegrationDeclaration[] = [];
  const names = new Set<string>();
  parsed.forEach((entry: unknown, index) => {
    const name = (entry as { name?: unknown })?.name;
    const label = typeof name === 'string' ? `"${name}"` : `#${index + 1}`;
    // Checked on every entry, valid or not, so a second declaration is reported even beside a broken first.
    if (typeof name === 'string') {
      if (names.has(name)) problems.push(`integration ${label}: the name is declared twice`);
      names.add(name);
    }
    const result = integrationSchema.safeParse(entry);
    if (!result.success) {
      for (const issue of result.error.issues) problems.push(`integration ${label}: ${issue.path.join('.') || 'entry'}: ${issue.message}`);
      return;
    }
    const unknownPurposes = (result.data.purposes ?? []).filter((purpose) => !knownPurposes.includes(purpose));
    if (unknownPurposes.length) {
      problems.push(
        `integration ${label}: unknown purpose ${unknownPurposes.map((purpose) => `"${purpose}"`).join(', ')} (known: ${knownPurposes.join(', ')})`,
      );
    }
    declared.push({ ...result.data, channels: [...new Set(result.data.channels)] });
  });
  if (problems.length) throw new ConfigurationError(`INTEGRATIONS is not valid: ${problems.join('; ')}.`);
  return declared;
}

/**
 * INTEGRATION_SECRETS, `name:secret,name:secret`: each integration's one secret (what it is, a
 * `whsec_…` key or `clientId:clientSecret`, is documented per connector). The first colon ends
 * the name, so a secret may itself hold colons.
 */
export function parseIntegrationSecrets(value: string | undefined): Map<string, string> {
  const secrets = new Map<string, string>();
  for (const entry of (value ?? '').split(',')) {
    const trimmed = entry.trim();
    if (!trimmed) continue;
    const colon = trimmed.indexOf(':');
    if (colon <= 0 || colon === trimmed.length - 1) throw new ConfigurationError('INTEGRATION_SECRETS entries must be name:secret.');
    secrets.set(trimmed.slice(0, colon), trimmed.slice(colon + 1));
  }
  return secrets;
}

/**
 * The purposes a change affects: those whose status (core/preferences.ts statusFor) differs
 * between the previous and the next state, `all` standing for every purpose not named. What an
 * integration's purpose filter is matched against; an unknown previous state affects everything.
 */
export function affectedPurposes(
  previous: { purposes: Record<string, string> } | undefined,
  next: { purposes: Record<string, string> },
  knownPurposes: readonly string[],
): string[] {
  const statusOf = (state: { purposes: Record<string, string> } | undefined, purpose: string) => state?.purposes[purpose] ?? state?.purposes.all ?? 'allowed';
  const names = new Set(['all', ...knownPurposes, ...Object.keys(previous?.purposes ?? {}), ...Object.keys(next.purposes)]);
  return [...names].filter((purpose) => statusOf(previous, purpose) !== statusOf(next, purpose));
}

/** Whether an integration's purpose filter takes a change affecting `affects` (undefined: not known, so yes). */
export function filterTakes(integration: Pick<IntegrationDeclaration, 'purposes'>, affects: readonly string[] | undefined): boolean {
  if (!integration.purposes || affects === undefined) return true;
  return affects.includes('all') || affects.some((purpose) => integration.purposes!.includes(purpose));
}

/** The SNS filter policy of an integration's subscription: none without a purpose filter. */
export function subscriptionFilterPolicy(integration: Pick<IntegrationDeclaration, 'purposes'>): Record<string, string[]> | undefined {
  if (!integration.purposes) return undefined;
  return { affects: [...new Set(['all', ...integration.purposes])] };
}
