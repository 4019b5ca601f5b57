import './environment.js';
import { benchEnforcement } from './enforcement.js';
import { benchImport } from './import.js';
import { benchConnectors } from './connectors.js';
import { benchRegistries } from './registries.js';

/**
 * One bench section in a process of its own: each starts a local system, and handlers keep the
 * AWS clients they made for the first system they were loaded into.
 */
const sections: Record<string, () => Promise<string[]>> = {
  enforcement: benchEnforcement,
  import: benchImport,
  registries: benchRegistries,
  connectors: benchConnectors,
};

const name = process.argv[2] ?? '';
const section = sections[name];
if (!section) {
  console.error(`Unknown bench section "${name}"; known: ${Object.keys(sections).join(', ')}.`);
  process.exit(2);
}
for (const line of await section()) console.log(line);
