import { GetQueueUrlCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { randomBytes } from 'node:crypto';
import twilioWebhooks from 'twilio/lib/webhooks/webhooks.js';
import { channelQueues } from '../../shared/platform/resources.js';
import { localDefaults } from './runtime.js';
import { localClientOptions } from './services.js';

/**
 * `npm run demo`: sends a STOP to the running local system the way Twilio would (signed with
 * Twilio's own signer and the local auth token), then shows the check API's answer and the
 * message fan-out put on the SMS queue.
 */

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const base = process.env.OPTOUT_HUB_URL ?? `http://localhost:${process.env.PORT ?? 3000}`;
const from = process.argv[2] ?? '+14155550100';
const authToken = process.env.TWILIO_AUTH_TOKEN ?? localDefaults.TWILIO_AUTH_TOKEN;
const apiKey = process.env.API_KEY ?? localDefaults.API_KEY;

const url = `${base}/webhooks/sms/twilio`;
const params = {
  MessageSid: `SM${randomBytes(16).toString('hex')}`,
  AccountSid: `AC${randomBytes(16).toString('hex')}`,
  From: from,
  To: '+15017250604',
  Body: 'STOP',
  NumMedia: '0',
  SmsStatus: 'received',
  ApiVersion: '2010-04-01',
};

async function main() {
  const signature = twilioWebhooks.getExpectedTwilioSignature(authToken, url, params);
  const webhook = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
    body: new URLSearchParams(params).toString(),
  });
  console.log(`POST ${url}  (Body=STOP, From=${from})\n  → ${webhook.status} ${await webhook.text()}\n`);

  const checkUrl = `${base}/v1/suppressions/sms/${encodeURIComponent(from)}`;
  const check = await fetch(checkUrl, { headers: { 'x-api-key': apiKey } });
  console.log(`GET ${checkUrl}\n  → ${check.status} ${await check.text()}\n`);

  const sqsEndpoint = process.env.SQS_ENDPOINT ?? `http://127.0.0.1:${process.env.SQS_PORT ?? 4566}`;
  const sqs = new SQSClient(localClientOptions(sqsEndpoint));
  const { QueueUrl: queueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: channelQueues.sms.name }));
  // Peek without taking the message: it becomes visible again at once for real consumers.
  const { Messages = [] } = await sqs.send(
    new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 0, WaitTimeSeconds: 2 }),
  );
  console.log(`${channelQueues.sms.name} queue (${Messages.length} message(s) visible):`);
  for (const message of Messages) console.log(`  ${message.Body}`);
}

main().catch((error: Error) => {
  console.error(`The demo could not reach optout-hub at ${base}: ${error.message}. Is \`npm start\` running?`);
  process.exit(1);
});
