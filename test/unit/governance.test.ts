import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GOVERNANCE_HEADER, governanceDocument } from '../../shared/audit/governance.js';
import { slaPolicy } from '../../shared/core/sla.js';

describe('docs/GOVERNANCE.md', () => {
  it('is exactly what `npm run governance` generates from the default configuration (regenerate, never hand-edit)', () => {
    const committed = readFileSync(new URL('../../docs/GOVERNANCE.md', import.meta.url), 'utf8');
    expect(committed).toBe(governanceDocument(slaPolicy()));
  });

  it("says it is generated, and states statuses, scopes and each channel's window from the configuration", () => {
    const document = governanceDocument(slaPolicy({ targets: 'sms:5', deadlines: 'mail:30d' }));
    expect(document.startsWith(GOVERNANCE_HEADER)).toBe(true);
    expect(document).toContain('| `suppressed` |');
    for (const scope of ['ingest', 'check', 'ack', 'admin']) expect(document).toContain(`| \`${scope}\` |`);
    expect(document).toContain('| sms | 5 minutes | 10 business days |');
    expect(document).toContain('| email | 15 minutes | 48 hours |');
    expect(document).toContain('| mail | 1 day | 30 calendar days |');
  });
});
