import { contractFetch } from './contract.js';
import { systemOrigins } from './system.js';

/**
 * e2e setup: every answer a test's `fetch` gets from a system it started (startSystem) must keep
 * the OpenAPI document, or the call fails with what is wrong.
 */
globalThis.fetch = contractFetch((origin) => systemOrigins.has(origin), globalThis.fetch.bind(globalThis));
