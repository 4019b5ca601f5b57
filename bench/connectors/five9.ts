import { startFive9 } from '../../test/support/contracts/five9.js';

/**
 * five9 against its contract server with Five9's documented default limits (addNumbersToDnc: 20
 * requests a minute, 400 an hour, 2,000 a day; up to 50,000 numbers a request). The upload window
 * is left open so the figure measures the API, not the clock.
 */
export const benchCase = {
  kind: 'five9',
  start: async () => {
    const server = await startFive9({ username: 'bench-admin', password: 'bench-password', addWindow: null });
    return {
      settings: { endpoint: server.endpoint, addWindow: null },
      secret: 'bench-admin:bench-password',
      channel: 'voice' as const,
      close: () => server.close(),
    };
  },
};
