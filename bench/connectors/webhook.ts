import { randomBytes } from 'node:crypto';
import { startWebhookReceiver } from '../../test/support/contracts/webhook-receiver.js';
import type { ConnectorBenchCase } from '../connectors.js';

/** The `webhook` connector against a receiver verifying every Standard Webhooks signature. */
export const benchCase: ConnectorBenchCase = {
  kind: 'webhook',
  async start() {
    const secret = `whsec_${randomBytes(24).toString('base64')}`;
    const receiver = await startWebhookReceiver(secret);
    return { settings: { url: receiver.url }, secret, channel: 'sms', close: () => receiver.close() };
  },
};
