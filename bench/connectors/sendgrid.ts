import { startSendGridContract } from '../../test/support/contracts/sendgrid.js';

/**
 * SendGrid's suppression endpoints behind their rate limit: SendGrid publishes no number for them,
 * so the contract server holds the connector's documented default, 600 requests a minute.
 */
const API_KEY = 'SG.bench.key-0123456789';
const NEWSLETTER = 101;

export const benchCase = {
  kind: 'sendgrid',
  start: async () => {
    const vendor = await startSendGridContract({ apiKey: API_KEY, groups: [NEWSLETTER], rateLimit: { limit: 600, windowMs: 60_000 } });
    return {
      settings: { baseUrl: vendor.url, groups: { newsletter: NEWSLETTER } },
      secret: API_KEY,
      channel: 'email' as const,
      close: vendor.close,
    };
  },
};
