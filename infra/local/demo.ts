import { ChangeMessageVisibilityCommand, GetQueueUrlCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { createPrivateKey, createSign, randomBytes, randomUUID, sign } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import twilioWebhooks from 'twilio/lib/webhooks/webhooks.js';
import type { Channel } from '../../shared/core/channels.js';
import { webhookSecretFor } from '../../shared/intake/calls/adapters.js';
import { createUnsubscribeToken, parseTokenKeys } from '../../shared/intake/email/tokens.js';
import { channelQueues } from '../../shared/platform/resources.js';
import { localDialerWebhookSecret, localSendgridPrivateKeyPem, localSesTopicArn, localSnsSigningPrivateKeyPem, localTelnyxPrivateKeyPem } from './dev-keys.js';
import { localDefaults } from './runtime.js';
import { localClientOptions } from './services.js';

/**
 * `npm run demo`: sends an opt-out to the running local system the way a provider would, signed
 * with the local development secrets `npm start` trusts, then shows the check API's answer and
 * the message fan-out put on the channel's queue for that opt-out.
 *
 *   npm run demo [-- sms] [+14155550100]    a Twilio STOP
 *   npm run demo -- telnyx [+14155550100]   a Telnyx STOP, signed with the committed local Ed25519 key
 *   npm run demo -- email [you@example.com] a signed SendGrid unsubscribe event, then a one-click unsubscribe link
 *   npm run demo -- call [+14155550100]     a signed dialer "DNC" disposition, and its receipt
 *   npm run demo -- ses [you@example.com]   an SES complaint notification, signed as SNS signs (with the local certificate's key)
 */

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const base = process.env.OPTOUT_HUB_URL ?? `http://localhost:${process.env.PORT ?? 3000}`;
const apiKey = process.env.API_KEY ?? localDefaults.API_KEY;
const flows = ['sms', 'telnyx', 'email', 'call', 'ses'] as const;
type Flow = (typeof flows)[number];
// A bare address keeps the original `npm run demo -- +447700900123` working as the SMS demo.
const flow: Flow = (flows as readonly string[]).includes(process.argv[2] ?? '') ? (process.argv[2] as Flow) : 'sms';
const argument = flow === process.argv[2] ? process.argv[3] : process.argv[2];

async function show(label: string, response: Response): Promise<string> {
  const text = await response.text();
  console.log(`${label}\n  → ${response.status} ${text}\n`);
  return text;
}

async function sms(from: string): Promise<string> {
  const url = `${base}/webhooks/sms/twilio`;
  const authToken = process.env.TWILIO_AUTH_TOKEN ?? localDefaults.TWILIO_AUTH_TOKEN;
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
  const signature = twilioWebhooks.getExpectedTwilioSignature(authToken, url, params);
  const webhook = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
    body: new URLSearchParams(params).toString(),
  });
  await show(`POST ${url}  (Body=STOP, From=${from})`, webhook);
  return from;
}

async function telnyx(from: string): Promise<string> {
  // Telnyx signs `timestamp|body` with its Ed25519 key; locally, with the committed development key.
  const url = `${base}/webhooks/sms/telnyx`;
  const at = new Date();
  const body = JSON.stringify({
    data: {
      record_type: 'event',
      id: randomUUID(),
      event_type: 'message.received',
      occurred_at: at.toISOString(),
      payload: {
        record_type: 'message',
        direction: 'inbound',
        id: randomUUID(),
        type: 'SMS',
        from: { phone_number: from },
        to: [{ phone_number: '+18445550001' }],
        text: 'STOP',
        received_at: at.toISOString(),
      },
    },
    meta: { attempt: 1 },
  });
  const timestamp = String(Math.floor(at.getTime() / 1000));
  const signature = sign(null, Buffer.from(`${timestamp}|${body}`), createPrivateKey(localTelnyxPrivateKeyPem)).toString('base64');
  const webhook = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'telnyx-timestamp': timestamp, 'telnyx-signature-ed25519': signature },
    body,
  });
  await show(`POST ${url}  (text STOP, from ${from})`, webhook);
  return from;
}

async function email(address: string): Promise<string> {
  // SendGrid signs `timestamp + body` with its ECDSA key; locally, with the committed development key.
  const url = `${base}/webhooks/email/sendgrid`;
  const timestamp = String(Math.floor(Date.now() / 1000));
  const body = `${JSON.stringify([
    {
      email: address,
      timestamp: Number(timestamp),
      event: 'unsubscribe',
      sg_event_id: randomBytes(16).toString('base64url'),
      sg_message_id: randomBytes(8).toString('hex'),
    },
  ])}\r\n`;
  const signature = sign('sha256', Buffer.from(timestamp + body), createPrivateKey(localSendgridPrivateKeyPem)).toString('base64');
  const webhook = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-twilio-email-event-webhook-signature': signature,
      'x-twilio-email-event-webhook-timestamp': timestamp,
    },
    body,
  });
  await show(`POST ${url}  (a signed SendGrid "unsubscribe" event for ${address})`, webhook);

  // The link a sender puts in List-Unsubscribe, clicked the one-click way (RFC 8058).
  const keys = parseTokenKeys(process.env.UNSUBSCRIBE_TOKEN_KEYS ?? localDefaults.UNSUBSCRIBE_TOKEN_KEYS);
  const link = `${base}/unsubscribe/${createUnsubscribeToken(keys, address, 'all')}`;
  const click = await fetch(link, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'List-Unsubscribe=One-Click',
  });
  await show(`POST ${link}  (List-Unsubscribe=One-Click; the same address, so already unsubscribed)`, click);
  return address;
}

async function ses(address: string): Promise<string> {
  // An SES complaint as SNS delivers it: SignatureVersion 2 (SHA256withRSA) over AWS's canonical
  // string of the notification's fields, in their documented order.
  const url = `${base}/webhooks/email/ses`;
  const fields: Record<string, string> = {
    Message: JSON.stringify({
      notificationType: 'Complaint',
      complaint: {
        complainedRecipients: [{ emailAddress: address }],
        timestamp: new Date().toISOString(),
        feedbackId: randomUUID(),
        complaintFeedbackType: 'abuse',
      },
      mail: { timestamp: new Date().toISOString(), messageId: randomUUID(), source: 'news@example.com', destination: [address] },
    }),
    MessageId: randomUUID(),
    Timestamp: new Date().toISOString(),
    TopicArn: localSesTopicArn,
    Type: 'Notification',
  };
  const canonical = ['Message', 'MessageId', 'Timestamp', 'TopicArn', 'Type'].map((key) => `${key}\n${fields[key]}\n`).join('');
  const signature = createSign('RSA-SHA256').update(canonical).sign(localSnsSigningPrivateKeyPem, 'base64');
  const body = JSON.stringify({
    ...fields,
    SignatureVersion: '2',
    Signature: signature,
    // Checked as SNS's; under `npm start` the certificate itself is the pinned local one.
    SigningCertURL: 'https://sns.us-east-1.amazonaws.com/SimpleNotificationService-local.pem',
  });
  const webhook = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'text/plain; charset=UTF-8', 'x-amz-sns-message-type': 'Notification' },
    body,
  });
  await show(`POST ${url}  (a signed SES complaint for ${address})`, webhook);
  return address;
}

async function call(phone: string): Promise<string> {
  // The generic dialer shape, signed the Standard Webhooks way with the local dialer secret.
  const url = `${base}/webhooks/calls/generic`;
  const at = new Date();
  const body = JSON.stringify({
    phone,
    disposition: 'DNC',
    agentId: 'demo-agent',
    callId: `demo-${randomBytes(6).toString('hex')}`,
    occurredAt: at.toISOString(),
  });
  const id = `msg_${randomBytes(8).toString('hex')}`;
  const secret = webhookSecretFor('generic', process.env.DIALER_WEBHOOK_SECRETS) ?? localDialerWebhookSecret;
  const webhook = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'webhook-id': id,
      'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
      'webhook-signature': new Webhook(secret).sign(id, at, body),
    },
    body,
  });
  await show(`POST ${url}  (disposition DNC for ${phone}; the answer is the receipt)`, webhook);
  return phone;
}

/** Shows this demo's own message on the queue, whatever else is queued, and leaves every message for real consumers. */
async function showQueued(channel: Channel, address: string): Promise<void> {
  const sqsEndpoint = process.env.SQS_ENDPOINT ?? `http://127.0.0.1:${process.env.SQS_PORT ?? 4566}`;
  const sqs = new SQSClient(localClientOptions(sqsEndpoint));
  const name = channelQueues[channel].name;
  const { QueueUrl: queueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: name }));
  const seen: string[] = [];
  let found: string | undefined;
  // Messages are hidden for a few seconds while looked through, so that later ones come up, then made visible again.
  const deadline = Date.now() + 8000;
  while (!found && Date.now() < deadline) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 15, WaitTimeSeconds: 1 }),
    );
    for (const message of Messages) {
      seen.push(message.ReceiptHandle!);
      const parsed = JSON.parse(message.Body ?? '{}') as { address?: string };
      if (!found && parsed.address?.toLowerCase() === address.toLowerCase()) found = message.Body;
    }
  }
  for (const receiptHandle of seen) {
    await sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: queueUrl, ReceiptHandle: receiptHandle, VisibilityTimeout: 0 })).catch(() => undefined);
  }
  sqs.destroy();
  console.log(found ? `${name} queue, the message for ${address}:\n  ${found}` : `${name} queue: no message for ${address} yet.`);
}

async function main() {
  const [address, channel] =
    flow === 'email'
      ? [await email(argument ?? 'you@example.com'), 'email' as const]
      : flow === 'ses'
        ? [await ses(argument ?? 'you@example.com'), 'email' as const]
        : flow === 'call'
          ? [await call(argument ?? '+14155550100'), 'voice' as const]
          : flow === 'telnyx'
            ? [await telnyx(argument ?? '+14155550100'), 'sms' as const]
            : [await sms(argument ?? '+14155550100'), 'sms' as const];
  const checkUrl = `${base}/v1/suppressions/${channel}/${encodeURIComponent(address)}`;
  await show(`GET ${checkUrl}`, await fetch(checkUrl, { headers: { 'x-api-key': apiKey } }));
  await showQueued(channel, address);
}

main().catch((error: Error) => {
  console.error(`The demo could not reach optout-hub at ${base}: ${error.message}. Is \`npm start\` running?`);
  process.exit(1);
});
