import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkIntegrations } from '../../shared/connectors/registry.js';
import type { IntegrationDeclaration } from '../../shared/platform/integrations.js';

/** The worked INTEGRATIONS example on each email platform's page is accepted as written. */

const exampleOf = (page: string): IntegrationDeclaration => {
  const text = readFileSync(new URL(`../../docs/connectors/${page}`, import.meta.url), 'utf8');
  const json = /```json\n([\s\S]*?)\n```/.exec(text)?.[1];
  if (!json) throw new Error(`${page} has no JSON example`);
  return { settings: {}, ...JSON.parse(json) } as IntegrationDeclaration;
};

describe('email platform connector pages', () => {
  it.each(['sendgrid.md', 'braze.md', 'klaviyo.md'])('%s: its INTEGRATIONS example passes the checks npm start and cdk synth make', (page) => {
    const example = exampleOf(page);
    const [checked] = checkIntegrations([example]);
    expect(checked?.definition.kind).toBe(example.connector);
  });

  it('names every bad setting of an email platform integration in one error', () => {
    expect(() =>
      checkIntegrations([
        { name: 'sg', connector: 'sendgrid', channels: ['email'], settings: { groups: { newsletter: 'twelve' } } },
        { name: 'bz', connector: 'braze', channels: ['email'], settings: {} },
        { name: 'kl', connector: 'klaviyo', channels: ['sms'], settings: {} },
      ]),
    ).toThrow(/"sg": settings\.groups\.newsletter.*"bz": settings\.restEndpoint.*"kl": connector klaviyo cannot hold sms/);
  });
});
