import { startGenesysCloud } from '../../test/support/contracts/genesys-cloud.js';

/**
 * genesys-cloud against its contract server with Genesys Cloud's documented limit configured:
 * 300 requests a minute per client credentials token.
 */
export const benchCase = {
  kind: 'genesys-cloud',
  start: async () => {
    const dncListId = 'bench-dnc-list';
    const server = await startGenesysCloud({ clientId: 'bench-client', clientSecret: 'bench-secret', dncListIds: [dncListId], requestsPerMinute: 300 });
    return {
      settings: { apiBaseUrl: server.url, loginBaseUrl: server.url, dncListId },
      secret: 'bench-client:bench-secret',
      channel: 'voice' as const,
      close: () => server.close(),
    };
  },
};
