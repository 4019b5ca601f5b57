import { DescribeTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { GetCommand, QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { createHmac, createSign, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { generate } from 'selfsigned';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { lambdaContext } from '../../infra/local/lambda-context.js';
import { createEmailInboundHandler } from '../../functions/email-inbound.js';
import { claimMailgunToken, MAILGUN_TOLERANCE_SECONDS } from '../../shared/intake/email/mailgun.js';
import { HttpsStatusError } from '../../shared/intake/email/ses.js';
import { sha256Hex } from '../../shared/intake/email/unsubscribe.js';
import { keys } from '../../shared/store/keys.js';
import { findPerson } from '../../shared/store/people.js';
import type { ReplayGuardStore } from '../../shared/store/replay-guards.js';
import { getSuppression } from '../../shared/store/suppressions.js';
import { httpEvent } from '../support/http-event.js';
import { createTestStack, type TestStack } from '../support/local-stack.js';

/** ESP webhooks signed the way each provider documents it (node:crypto), through the handler, into DynamoDB Local. */

const sendgridKeys = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const MAILGUN_KEY = 'mailgun-webhook-signing-key';
const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:ses-notifications';
const CERT_URL = 'https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-0000.pem';
let stack: TestStack;
let pems: { private: string; cert: string };
const httpsGet = vi.fn(async (url: string): Promise<string> => {
  if (url === CERT_URL) return pems.cert;
  if (url.startsWith('https://sns.eu-west-1.amazonaws.com/?Action=ConfirmSubscription')) return '<ConfirmSubscriptionResponse/>';
  if (url.startsWith('https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-')) throw new HttpsStatusError(404, 'GET sns answered 404.');
  throw new Error(`no network in tests: ${url}`);
});
let handler: ReturnType<typeof createEmailInboundHandler>;
let replayGuards: ReplayGuardStore;

beforeAll(async () => {
  stack = await createTestStack();
  pems = await generate([{ name: 'commonName', value: 'sns.amazonaws.com' }], { keyType: 'rsa', keySize: 2048, algorithm: 'sha256' });
  Object.assign(process.env, stack.environment, {
    PURPOSES: 'newsletter,product-updates',
    SENDGRID_WEBHOOK_PUBLIC_KEY: sendgridKeys.publicKey.export({ format: 'der', type: 'spki' }).toString('base64'),
    SENDGRID_ASM_GROUP_TOPICS: '10:newsletter',
    MAILGUN_WEBHOOK_SIGNING_KEY: MAILGUN_KEY,
    POSTMARK_WEBHOOK_USERNAME: 'postmark-hooks',
    POSTMARK_WEBHOOK_PASSWORD: 'postmark-password',
    SES_SNS_TOPIC_ARNS: TOPIC,
  });
  replayGuards = { documents: stack.store.documents, table: stack.resources.tables.replayGuards.name };
  handler = createEmailInboundHandler({ store: stack.store, replayGuards, httpsGet });
});

const email = () => `e${randomBytes(5).toString('hex')}@example.com`;
const unix = () => String(Math.floor(Date.now() / 1000));

async function post(provider: string, body: string, headers: Record<string, string>) {
  const path = `/webhooks/email/${provider}`;
  const event = httpEvent('POST', path, {
    routeKey: 'POST /webhooks/email/{provider}',
    pathParameters: { provider },
    headers: { host: 'hub.example.com', ...headers },
    body,
  });
  event.requestContext.timeEpoch = Date.now();
  return (await handler(event, lambdaContext('email-inbound', 30_000))) as APIGatewayProxyStructuredResultV2;
}

function sendgrid(events: object[], timestamp = unix()) {
  const body = `${JSON.stringify(events)}\r\n`;
  const signature = sign('sha256', Buffer.from(timestamp + body), sendgridKeys.privateKey).toString('base64');
  return post('sendgrid', body, {
    'content-type': 'application/json',
    'x-twilio-email-event-webhook-signature': signature,
    'x-twilio-email-event-webhook-timestamp': timestamp,
  });
}

function mailgun(eventData: object, token = randomBytes(25).toString('hex'), timestamp = unix(), key = MAILGUN_KEY) {
  const signature = createHmac('sha256', key)
    .update(timestamp + token)
    .digest('hex');
  return post('mailgun', JSON.stringify({ signature: { token, timestamp, signature }, 'event-data': eventData }), { 'content-type': 'application/json' });
}

async function eventCount(address: string): Promise<number> {
  const person = await findPerson(stack.store, { type: 'email', value: address });
  if (!person) return 0;
  const { Items = [] } = await stack.store.documents.send(
    new QueryCommand({
      TableName: stack.store.tables.preferences,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :e)',
      ExpressionAttributeValues: { ':pk': `PERSON#${person.personId}`, ':e': 'EVENT#' },
    }),
  );
  return Items.length;
}

describe('SendGrid', () => {
  it('records spam reports, unsubscribes and group unsubscribes; a redelivery changes nothing', async () => {
    const [a, b] = [email(), email()];
    const events = [
      { email: a, timestamp: 1767268800, event: 'spamreport', sg_event_id: randomBytes(8).toString('hex') },
      { email: b, timestamp: 1767268801, event: 'group_unsubscribe', asm_group_id: 10, sg_event_id: randomBytes(8).toString('hex') },
      { email: b, timestamp: 1767268802, event: 'delivered', sg_event_id: randomBytes(8).toString('hex') },
    ];
    expect((await sendgrid(events)).statusCode).toBe(200);
    expect(await getSuppression(stack.store, 'email', a)).toMatchObject({
      purposes: { marketing: 'suppressed' },
      since: '2026-01-01T12:00:00.000Z',
      version: 1,
    });
    const suppression = await getSuppression(stack.store, 'email', b);
    expect(suppression).toMatchObject({ purposes: { newsletter: 'suppressed' }, version: 1 });
    expect(suppression?.purposes.marketing ?? 'allowed').toBe('allowed');
    expect((await sendgrid(events)).statusCode).toBe(200);
    expect(await getSuppression(stack.store, 'email', a)).toMatchObject({ version: 1 });
    expect(await eventCount(a)).toBe(1);
  });

  it('writes nothing for forged, stale, unsigned or partly malformed requests', async () => {
    const address = email();
    const events = [{ email: address, timestamp: 1767268800, event: 'unsubscribe', sg_event_id: randomBytes(8).toString('hex') }];
    const body = `${JSON.stringify(events)}\r\n`;
    const forger = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const ts = unix();
    const forged = await post('sendgrid', body, {
      'x-twilio-email-event-webhook-signature': sign('sha256', Buffer.from(ts + body), forger.privateKey).toString('base64'),
      'x-twilio-email-event-webhook-timestamp': ts,
    });
    expect(forged.statusCode).toBe(403);
    expect((await sendgrid(events, String(Number(unix()) - 3600))).statusCode).toBe(403);
    expect((await post('sendgrid', body, { 'content-type': 'application/json' })).statusCode).toBe(403);
    const partlyBad = await sendgrid([...events, { email: 'not an address', timestamp: 1, event: 'spamreport', sg_event_id: 'x' }]);
    expect(partlyBad.statusCode).toBe(400);
    expect(await getSuppression(stack.store, 'email', address)).toBeUndefined();
  });
});

describe('Mailgun', () => {
  it('records a complaint and rejects the same signature token used again', async () => {
    const address = email();
    const data = { event: 'complained', id: randomBytes(10).toString('hex'), timestamp: 1770920770.1234, recipient: address };
    const token = randomBytes(25).toString('hex');
    const timestamp = unix();
    expect((await mailgun(data, token, timestamp)).statusCode).toBe(200);
    expect(await getSuppression(stack.store, 'email', address)).toMatchObject({ purposes: { marketing: 'suppressed' }, version: 1 });
    const other = email();
    const replayed = await mailgun({ ...data, id: randomBytes(10).toString('hex'), recipient: other }, token, timestamp);
    expect(replayed.statusCode).toBe(403);
    expect((await mailgun(data, token, timestamp)).statusCode).toBe(403);
    expect(await getSuppression(stack.store, 'email', other)).toBeUndefined();
  });

  it('keeps each used token in the replay-guards table until it expires, and none in the preferences table', async () => {
    const data = { event: 'unsubscribed', id: randomBytes(10).toString('hex'), timestamp: 1770920770, recipient: email() };
    const token = randomBytes(25).toString('hex');
    const timestamp = unix();
    expect((await mailgun(data, token, timestamp)).statusCode).toBe(200);
    expect((await mailgun(data, token, timestamp)).statusCode).toBe(403);

    const { Item: guardItem } = await stack.store.documents.send(new GetCommand({ TableName: replayGuards.table, Key: keys.mailgunToken(sha256Hex(token)) }));
    expect(guardItem).toMatchObject({ pk: `MAILGUN_TOKEN#${sha256Hex(token)}`, usedAt: expect.any(String) });
    // Kept at least while the timestamp is inside the window, and expired by TTL after that.
    expect(guardItem!.expiresAt).toBeTypeOf('number');
    expect(guardItem!.expiresAt).toBeGreaterThan(Number(timestamp) + MAILGUN_TOLERANCE_SECONDS);
    expect(guardItem!.expiresAt).toBeLessThanOrEqual(Number(timestamp) + 3 * MAILGUN_TOLERANCE_SECONDS);
    expect(JSON.stringify(guardItem)).not.toContain(token);

    const { TimeToLiveDescription } = await stack.dynamodb.send(new DescribeTimeToLiveCommand({ TableName: replayGuards.table }));
    expect(TimeToLiveDescription).toMatchObject({ TimeToLiveStatus: 'ENABLED', AttributeName: 'expiresAt' });
    const { TimeToLiveDescription: preferencesTtl } = await stack.dynamodb.send(new DescribeTimeToLiveCommand({ TableName: stack.store.tables.preferences }));
    expect(preferencesTtl?.TimeToLiveStatus).not.toBe('ENABLED');

    const { Items = [] } = await stack.store.documents.send(new ScanCommand({ TableName: stack.store.tables.preferences, ConsistentRead: true }));
    expect(Items.length).toBeGreaterThan(0);
    expect(Items.filter((item) => String(item.pk).includes('TOKEN#') || item.type === 'mailgun-token' || 'expiresAt' in item)).toEqual([]);
  });

  it('lets Mailgun retry a request that failed before it was processed, and nothing else use its token', async () => {
    const token = randomBytes(25).toString('hex');
    const signature = { token, timestamp: unix(), signature: 'not checked here' };
    const body = JSON.stringify({ attempt: 1 });
    await claimMailgunToken(replayGuards, signature, body); // claimed, then the request failed before markUsed
    const retried = await claimMailgunToken(replayGuards, signature, body);
    await expect(claimMailgunToken(replayGuards, signature, JSON.stringify({ attempt: 'forged' }))).rejects.toThrow(/already used/);
    await retried();
    await expect(claimMailgunToken(replayGuards, signature, body)).rejects.toThrow(/already used/);
  });

  it('writes nothing for a wrong key or a stale timestamp, and ignores permanent failures', async () => {
    const address = email();
    const data = { event: 'unsubscribed', id: randomBytes(10).toString('hex'), timestamp: 1770920770, recipient: address };
    expect((await mailgun(data, undefined, undefined, 'wrong-key')).statusCode).toBe(403);
    expect((await mailgun(data, undefined, String(Number(unix()) - 7200))).statusCode).toBe(403);
    expect((await mailgun({ ...data, event: 'failed', severity: 'permanent' })).statusCode).toBe(200);
    expect(await getSuppression(stack.store, 'email', address)).toBeUndefined();
  });
});

describe('Postmark', () => {
  const basic = (password = 'postmark-password') => ({
    authorization: `Basic ${Buffer.from(`postmark-hooks:${password}`).toString('base64')}`,
    'content-type': 'application/json',
  });
  const change = (address: string, extra: object) =>
    JSON.stringify({
      RecordType: 'SubscriptionChange',
      MessageID: randomBytes(8).toString('hex'),
      ServerID: 1,
      MessageStream: 'broadcast',
      Recipient: address,
      Origin: 'Recipient',
      ...extra,
    });

  it('opts out on SuppressSending true, back in on false; hard bounces and bad credentials write nothing', async () => {
    const address = email();
    expect(
      (await post('postmark', change(address, { SuppressSending: true, SuppressionReason: 'HardBounce', ChangedAt: '2026-01-01T10:00:00Z' }), basic()))
        .statusCode,
    ).toBe(200);
    expect(await getSuppression(stack.store, 'email', address)).toBeUndefined();
    const unauthorised = await post(
      'postmark',
      change(address, { SuppressSending: true, SuppressionReason: 'ManualSuppression', ChangedAt: '2026-01-01T10:00:00Z' }),
      basic('wrong'),
    );
    expect(unauthorised.statusCode).toBe(401);
    expect(unauthorised.headers?.['www-authenticate']).toMatch(/^Basic /);
    expect(await getSuppression(stack.store, 'email', address)).toBeUndefined();

    expect(
      (await post('postmark', change(address, { SuppressSending: true, SuppressionReason: 'ManualSuppression', ChangedAt: '2026-01-01T10:00:00Z' }), basic()))
        .statusCode,
    ).toBe(200);
    expect(await getSuppression(stack.store, 'email', address)).toMatchObject({ status: 'suppressed', purposes: { marketing: 'suppressed' } });
    expect((await post('postmark', change(address, { SuppressSending: false, ChangedAt: '2026-01-02T10:00:00Z' }), basic())).statusCode).toBe(200);
    expect(await getSuppression(stack.store, 'email', address)).toMatchObject({ status: 'allowed' });
  });
});

describe('SES via SNS', () => {
  function snsBody(fields: Record<string, string>, privateKey = pems.private): string {
    const order =
      fields.Type === 'Notification'
        ? ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type']
        : ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'];
    const signer = createSign('RSA-SHA256');
    signer.update(
      order
        .filter((key) => key in fields)
        .map((key) => `${key}\n${fields[key]}\n`)
        .join(''),
    );
    return JSON.stringify({ ...fields, SignatureVersion: '2', Signature: signer.sign(privateKey, 'base64'), SigningCertURL: CERT_URL });
  }
  const headers = (type: string) => ({ 'content-type': 'text/plain; charset=UTF-8', 'x-amz-sns-message-type': type });
  const complaint = (address: string) =>
    JSON.stringify({
      notificationType: 'Complaint',
      complaint: { complainedRecipients: [{ emailAddress: address }], timestamp: '2026-01-27T14:59:38.237Z', feedbackId: 'f', complaintFeedbackType: 'abuse' },
      mail: { timestamp: '2026-01-27T14:59:30.000Z', messageId: 'm', source: 'news@example.com', destination: [address] },
    });
  const notification = (message: string, topic = TOPIC) => ({
    Type: 'Notification',
    MessageId: crypto.randomUUID(),
    TopicArn: topic,
    Message: message,
    Timestamp: new Date().toISOString(),
  });

  it('confirms the subscription by fetching SubscribeURL through the seam', async () => {
    httpsGet.mockClear();
    const subscribeUrl = `https://sns.eu-west-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=${encodeURIComponent(TOPIC)}&Token=abc`;
    const body = snsBody({
      Type: 'SubscriptionConfirmation',
      MessageId: crypto.randomUUID(),
      Token: 'abc',
      TopicArn: TOPIC,
      Message: 'You have chosen to subscribe',
      SubscribeURL: subscribeUrl,
      Timestamp: new Date().toISOString(),
    });
    expect((await post('ses', body, headers('SubscriptionConfirmation'))).statusCode).toBe(200);
    expect(httpsGet).toHaveBeenCalledWith(subscribeUrl);
  });

  it('records a complaint as an opt-out from all marketing; bounces are acknowledged and ignored', async () => {
    const address = email();
    expect((await post('ses', snsBody(notification(complaint(address))), headers('Notification'))).statusCode).toBe(200);
    expect(await getSuppression(stack.store, 'email', address)).toMatchObject({ purposes: { marketing: 'suppressed' }, since: '2026-01-27T14:59:38.237Z' });
    const bounced = email();
    const bounce = JSON.stringify({
      notificationType: 'Bounce',
      bounce: { bounceType: 'Permanent', bouncedRecipients: [{ emailAddress: bounced }] },
      mail: { destination: [bounced] },
    });
    expect((await post('ses', snsBody(notification(bounce)), headers('Notification'))).statusCode).toBe(200);
    expect(await getSuppression(stack.store, 'email', bounced)).toBeUndefined();
  });

  it('writes nothing for a forged signature or a topic not on the allow-list', async () => {
    const address = email();
    const forger = await generate(undefined, { keyType: 'rsa', keySize: 2048 });
    expect((await post('ses', snsBody(notification(complaint(address)), forger.private), headers('Notification'))).statusCode).toBe(403);
    expect(
      (await post('ses', snsBody(notification(complaint(address), 'arn:aws:sns:eu-west-1:123456789012:someone-else')), headers('Notification'))).statusCode,
    ).toBe(403);
    expect(await getSuppression(stack.store, 'email', address)).toBeUndefined();
  });

  it('refuses a forged topic or certificate URL with a 403 before fetching anything', async () => {
    httpsGet.mockClear();
    const address = email();
    const forgedTopic = snsBody(notification(complaint(address), 'arn:aws:sns:eu-west-1:999999999999:forged'));
    expect((await post('ses', forgedTopic, headers('Notification'))).statusCode).toBe(403);
    const elsewhere = JSON.stringify({
      ...JSON.parse(snsBody(notification(complaint(address)))),
      SigningCertURL: 'https://sns.eu-west-1.amazonaws.com/any/thing.pem',
    });
    for (let i = 0; i < 2; i++) expect((await post('ses', elsewhere, headers('Notification'))).statusCode).toBe(403);
    expect(httpsGet).not.toHaveBeenCalled();
    expect(await getSuppression(stack.store, 'email', address)).toBeUndefined();
  });

  it('answers 403, fetching once, for a certificate SNS does not have', async () => {
    httpsGet.mockClear();
    const address = email();
    const missing = JSON.stringify({
      ...JSON.parse(snsBody(notification(complaint(address)))),
      SigningCertURL: 'https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-badc0ffee.pem',
    });
    for (let i = 0; i < 3; i++) expect((await post('ses', missing, headers('Notification'))).statusCode).toBe(403);
    expect(httpsGet).toHaveBeenCalledTimes(1);
    expect(await getSuppression(stack.store, 'email', address)).toBeUndefined();
  });
});
