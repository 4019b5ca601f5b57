import { randomInt } from 'node:crypto';

/**
 * Distinct US numbers (area code, 555 exchange) for one test file: consecutive from a random
 * start, so no two numbers a file asks for can collide, as random suffixes eventually would.
 */
export function phoneNumbers(areaCode: string): () => string {
  let next = randomInt(10_000);
  return () => `+1${areaCode}555${String(next++ % 10_000).padStart(4, '0')}`;
}
