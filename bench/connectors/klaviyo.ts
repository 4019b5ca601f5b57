import { startKlaviyoContract } from '../../test/support/contracts/klaviyo.js';

/** Klaviyo's Bulk Suppress Profiles at its documented limits: burst 75/s, steady 750/m. */
const API_KEY = 'pk_bench0123456789abcdef0123456789ab';

export const benchCase = {
  kind: 'klaviyo',
  start: async () => {
    const vendor = await startKlaviyoContract({ apiKey: API_KEY, rateLimits: { burst: 75, steady: 750 } });
    return { settings: { baseUrl: vendor.url }, secret: API_KEY, channel: 'email' as const, close: vendor.close };
  },
};
