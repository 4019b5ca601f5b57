import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { channelSlas } from '../shared/platform/config.js';
import { governanceDocument } from '../shared/audit/governance.js';

/**
 * `npm run governance`: writes docs/GOVERNANCE.md from the configuration in effect (the
 * SLA_* variables; defaults when unset). The committed file is the one for the defaults.
 */
export const governancePath = fileURLToPath(new URL('../docs/GOVERNANCE.md', import.meta.url));

writeFileSync(governancePath, governanceDocument(channelSlas()));
console.log(`Wrote ${governancePath}.`);
