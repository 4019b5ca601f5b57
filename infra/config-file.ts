import { existsSync, readFileSync } from 'node:fs';

/**
 * The non-secret settings file (optout-hub.config.json by default): a JSON object whose keys are
 * the configuration variables. Values are strings; INTEGRATIONS may also be written as the JSON
 * array itself. Read by `cdk synth` (infra/bin/app.ts) and `npm start`, so both see the same.
 */
export function readConfigurationFile(file: string, options: { required: boolean }): Record<string, string> | undefined {
  if (!existsSync(file)) {
    if (options.required) throw new Error(`The configuration file ${file} does not exist.`);
    return undefined;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`${file} is not JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  const shape = `${file} must be a JSON object of strings, e.g. {"PURPOSES": "newsletter"} (INTEGRATIONS may be an array).`;
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error(shape);
  const settings: Record<string, string> = {};
  for (const [name, value] of Object.entries(parsed)) {
    if (typeof value === 'string') settings[name] = value;
    else if (name === 'INTEGRATIONS' && Array.isArray(value)) settings[name] = JSON.stringify(value);
    else throw new Error(shape);
  }
  return settings;
}
