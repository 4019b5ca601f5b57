import { startBrazeContract } from '../../test/support/contracts/braze.js';

/** Braze's subscription endpoints at their documented default limits (the contract server's defaults). */
const API_KEY = 'braze-bench-key-0123456789abcdef';
const EMAIL_GROUP = 'b0000000-0000-4000-8000-00000000e001';

export const benchCase = {
  kind: 'braze',
  start: async () => {
    const vendor = await startBrazeContract({ apiKey: API_KEY, groups: { [EMAIL_GROUP]: 'email' } });
    return {
      settings: { restEndpoint: vendor.url, subscriptionGroups: { email: { newsletter: EMAIL_GROUP } } },
      secret: API_KEY,
      channel: 'email' as const,
      close: vendor.close,
    };
  },
};
