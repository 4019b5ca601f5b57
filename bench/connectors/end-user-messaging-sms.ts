import { endUserMessagingSmsConnector } from '../../shared/connectors/end-user-messaging-sms.js';
import { startSmsContract } from '../../test/support/contracts/end-user-messaging-sms.js';
import { contractCredentials } from '../../test/support/contracts/sigv4.js';
import type { ConnectorBenchCase } from '../connectors.js';

/**
 * `end-user-messaging-sms` against the SMS and Voice v2 contract server, which allows the
 * service's documented default of 10 requests per second per operation and answers
 * ThrottlingException above it.
 */
export const benchCase: ConnectorBenchCase = {
  kind: endUserMessagingSmsConnector.kind,
  async start() {
    const credentials = contractCredentials('sms-voice');
    process.env.AWS_ACCESS_KEY_ID = credentials.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = credentials.secretAccessKey;
    process.env.AWS_REGION = credentials.region;
    const sms = await startSmsContract({ optOutListName: 'bench-opt-outs', requestsPerSecond: 10 });
    return {
      settings: { optOutListName: 'bench-opt-outs', endpoint: sms.endpoint },
      secret: undefined,
      channel: 'sms',
      close: () => sms.close(),
    };
  },
};
