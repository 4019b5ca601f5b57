import { sesConnector } from '../../shared/connectors/ses.js';
import { startSesContract } from '../../test/support/contracts/ses.js';
import { contractCredentials } from '../../test/support/contracts/sigv4.js';
import type { ConnectorBenchCase } from '../connectors.js';

/**
 * `ses` against the SES v2 contract server. SES publishes no rate for the contact-list and
 * suppression-list operations, so the server allows the connector's default (10 requests per
 * second) and throttles above it, as SES does with TooManyRequestsException.
 */
export const benchCase: ConnectorBenchCase = {
  kind: sesConnector.kind,
  async start() {
    const credentials = contractCredentials('ses');
    process.env.AWS_ACCESS_KEY_ID = credentials.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = credentials.secretAccessKey;
    process.env.AWS_REGION = credentials.region;
    const ses = await startSesContract({ contactListName: 'customers', topics: ['offers', 'newsletter'], requestsPerSecond: sesConnector.requestsPerSecond });
    return {
      settings: { contactListName: 'customers', topics: { marketing: 'offers', all: 'newsletter' }, endpoint: ses.endpoint },
      secret: undefined,
      channel: 'email',
      close: () => ses.close(),
    };
  },
};
