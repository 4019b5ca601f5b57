import { startSalesforce } from '../../test/support/contracts/salesforce.js';

/**
 * salesforce against its contract server. Salesforce meters a daily request allocation rather than
 * a rate, so none is configured. Every address the bench sends belongs to one Contact, so each
 * change costs its share of a lookup and of an update.
 */
export const benchCase = {
  kind: 'salesforce',
  start: async () => {
    const server = await startSalesforce({ clientId: 'bench-client', clientSecret: 'bench-secret', everyAddressHasAContact: true });
    return {
      settings: { loginUrl: server.url, objects: ['Contact'] },
      secret: 'bench-client:bench-secret',
      channel: 'voice' as const,
      close: () => server.close(),
    };
  },
};
