import { createHmac, createSign, generateKeyPairSync, sign } from 'node:crypto';
import { generate } from 'selfsigned';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { BadRequestError, ConfigurationError, DependencyError, InvalidSignatureError, UnauthenticatedError } from '../../shared/core/errors.js';
import { verifyMailgunSignature, parseMailgunEvent } from '../../shared/intake/email/mailgun.js';
import { parsePostmarkEvent, postmark } from '../../shared/intake/email/postmark.js';
import { parseSendgridEvents, sendgridPublicKey, verifySendgridSignature } from '../../shared/intake/email/sendgrid.js';
import {
  clearSnsCertificateCache,
  HttpsStatusError,
  parseSesNotification,
  parseSnsMessage,
  verifySnsMessage,
  type SnsMessage,
} from '../../shared/intake/email/ses.js';
import type { EmailWebhookContext } from '../../shared/intake/email/events.js';
import type { WebhookRequest } from '../../shared/http/webhook.js';

afterEach(() => vi.unstubAllEnvs());

const request = (rawBody: string, headers: Record<string, string> = {}): WebhookRequest => ({
  method: 'POST',
  url: 'https://hub.example.com/webhooks/email/x',
  query: {},
  headers,
  contentType: headers['content-type'] ?? 'application/json',
  rawBody,
});

describe('SendGrid', () => {
  // SendGrid's own test vector (sendgrid-nodejs, sendgrid-php, sendgrid-python eventwebhook tests).
  const PUBLIC_KEY = 'MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE83T4O/n84iotIvIW4mdBgQ/7dAfSmpqIM8kF9mN1flpVKS3GRqe62gw+2fNNRaINXvVpiglSI8eNEc6wEA3F+g==';
  const SIGNATURE = 'MEUCIGHQVtGj+Y3LkG9fLcxf3qfI10QysgDWmMOVmxG0u6ZUAiEAyBiXDWzM+uOe5W0JuG+luQAbPIqHh89M15TluLtEZtM=';
  const TIMESTAMP = '1600112502';
  const PAYLOAD =
    '[{"email":"hello@world.com","event":"dropped","reason":"Bounced Address","sg_event_id":"ZHJvcC0xMDk5NDkxOS1MUnpYbF9OSFN0T0doUTRrb2ZTbV9BLTA","sg_message_id":"LRzXl_NHStOGhQ4kofSm_A.filterdrecv-p3mdw1-756b745b58-kmzbl-18-5F5FC76C-9.0","smtp-id":"<LRzXl_NHStOGhQ4kofSm_A@ismtpd0039p1iad1.sendgrid.net>","timestamp":1600112492}]\r\n';
  const AT = new Date(Number(TIMESTAMP) * 1000);
  const headers = (signature = SIGNATURE, timestamp = TIMESTAMP) => ({
    'x-twilio-email-event-webhook-signature': signature,
    'x-twilio-email-event-webhook-timestamp': timestamp,
  });
  const key = sendgridPublicKey(PUBLIC_KEY);

  it('verifies the documented test vector, trailing CRLF included', () => {
    expect(() => verifySendgridSignature(key, request(PAYLOAD, headers()), AT)).not.toThrow();
    expect(parseSendgridEvents(PAYLOAD, new Map())).toEqual([]);
  });

  it('refuses the vector without its CRLF, with another timestamp, unsigned, stale, or under another key', () => {
    expect(() => verifySendgridSignature(key, request(PAYLOAD.trimEnd(), headers()), AT)).toThrow(InvalidSignatureError);
    expect(() => verifySendgridSignature(key, request(PAYLOAD, headers(SIGNATURE, '1600112503')), AT)).toThrow(InvalidSignatureError);
    expect(() => verifySendgridSignature(key, request(PAYLOAD), AT)).toThrow(InvalidSignatureError);
    expect(() => verifySendgridSignature(key, request(PAYLOAD, headers()), new Date(AT.getTime() + 11 * 60_000))).toThrow(/replay window/);
    const other = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey.export({ format: 'der', type: 'spki' }).toString('base64');
    expect(() => verifySendgridSignature(sendgridPublicKey(other), request(PAYLOAD, headers()), AT)).toThrow(InvalidSignatureError);
  });

  it('accepts a request signed the documented way with node:crypto', () => {
    const pair = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const body = '[{"email":"a@example.com","event":"spamreport","sg_event_id":"e1","timestamp":1600112492}]\r\n';
    const signature = sign('sha256', Buffer.from(TIMESTAMP + body), pair.privateKey).toString('base64');
    const publicKey = sendgridPublicKey(pair.publicKey.export({ format: 'der', type: 'spki' }).toString('base64'));
    expect(() => verifySendgridSignature(publicKey, request(body, headers(signature)), AT)).not.toThrow();
  });

  it('refuses a key that is not P-256', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ format: 'der', type: 'spki' }).toString('base64');
    expect(() => sendgridPublicKey(rsa)).toThrow(ConfigurationError);
  });

  it('reads unsubscribes, group unsubscribes by configured group and spam reports; skips the rest', () => {
    const events = [
      { email: 'A@example.com', timestamp: 1513299569, event: 'spamreport', sg_event_id: 's1' },
      { email: 'a@example.com', timestamp: 1513299570, event: 'unsubscribe', sg_event_id: 's2' },
      { email: 'a@example.com', timestamp: 1513299571, event: 'group_unsubscribe', sg_event_id: 's3', asm_group_id: 10 },
      { email: 'a@example.com', timestamp: 1513299572, event: 'group_unsubscribe', sg_event_id: 's4', asm_group_id: 99 },
      { email: 'a@example.com', timestamp: 1513299573, event: 'group_resubscribe', sg_event_id: 's5', asm_group_id: 10 },
      { email: 'a@example.com', timestamp: 1513299574, event: 'bounce', sg_event_id: 's6' },
    ];
    const read = parseSendgridEvents(JSON.stringify(events), new Map([['10', 'newsletter']]));
    expect(read.map(({ eventId, kind, purpose, email }) => ({ eventId, kind, purpose, email }))).toEqual([
      { eventId: 's1', kind: 'opt-out', purpose: 'marketing', email: 'a@example.com' },
      { eventId: 's2', kind: 'opt-out', purpose: 'marketing', email: 'a@example.com' },
      { eventId: 's3', kind: 'opt-out', purpose: 'newsletter', email: 'a@example.com' },
      { eventId: 's4', kind: 'opt-out', purpose: 'marketing', email: 'a@example.com' },
      { eventId: 's5', kind: 'opt-in', purpose: 'newsletter', email: 'a@example.com' },
    ]);
    expect(read[0]!.occurredAt).toEqual(new Date(1513299569_000));
    expect(read[4]!.evidence).toMatchObject({ collectedBy: 'sendgrid' });
  });

  it('refuses the whole array when one relevant event is malformed', () => {
    const events = [
      { email: 'a@example.com', timestamp: 1, event: 'spamreport', sg_event_id: 's1' },
      { email: 'not-an-address', timestamp: 1, event: 'unsubscribe', sg_event_id: 's2' },
    ];
    expect(() => parseSendgridEvents(JSON.stringify(events), new Map())).toThrow(BadRequestError);
    expect(() => parseSendgridEvents('{"event":"spamreport"}', new Map())).toThrow(BadRequestError);
  });
});

describe('Mailgun', () => {
  const KEY = 'key-mailgun-signing';
  const NOW = new Date('2026-02-12T18:26:12Z');
  const signed = (timestamp: string, token: string) => ({
    timestamp,
    token,
    signature: createHmac('sha256', KEY)
      .update(timestamp + token)
      .digest('hex'),
  });
  const ts = String(Math.floor(NOW.getTime() / 1000));

  it('verifies HMAC-SHA256 over timestamp + token, in the window', () => {
    const token = 'e0b5477167110d68991efc6b9f89f0a11066af27834600e123';
    expect(() => verifyMailgunSignature(KEY, signed(ts, token), NOW)).not.toThrow();
    expect(() => verifyMailgunSignature('other-key', signed(ts, token), NOW)).toThrow(InvalidSignatureError);
    expect(() => verifyMailgunSignature(KEY, { ...signed(ts, token), token: `${token}0` }, NOW)).toThrow(InvalidSignatureError);
    expect(() => verifyMailgunSignature(KEY, signed(String(Number(ts) - 3600), token), NOW)).toThrow(/replay window/);
    expect(() => verifyMailgunSignature(KEY, { ...signed(ts, token), signature: 'zz' }, NOW)).toThrow(InvalidSignatureError);
  });

  it('reads unsubscribed and complained as marketing opt-outs, and skips permanent failures', () => {
    const data = { event: 'unsubscribed', id: 'Ase7i2zsRYeDXztHGENqRA', timestamp: 1770920770.1234, recipient: 'alice@example.com' };
    expect(parseMailgunEvent(data)).toEqual([
      expect.objectContaining({
        eventId: 'Ase7i2zsRYeDXztHGENqRA',
        kind: 'opt-out',
        purpose: 'marketing',
        email: 'alice@example.com',
        occurredAt: new Date(1770920770123),
      }),
    ]);
    expect(parseMailgunEvent({ ...data, event: 'complained' })).toHaveLength(1);
    expect(parseMailgunEvent({ ...data, event: 'failed', severity: 'permanent' })).toEqual([]);
    expect(() => parseMailgunEvent({ ...data, recipient: 'nobody' })).toThrow(BadRequestError);
  });
});

describe('Postmark', () => {
  const SAMPLE = {
    RecordType: 'SubscriptionChange',
    MessageID: '883953f4-6105-42a2-a16a-77a8eac79483',
    ServerID: 123456,
    MessageStream: 'outbound',
    ChangedAt: '2020-02-01T10:53:34.416071Z',
    Recipient: 'bounced-address@wildbit.com',
    Origin: 'Recipient',
    SuppressSending: true,
    SuppressionReason: 'HardBounce',
    Tag: 'my-tag',
    Metadata: { example: 'value' },
  };
  const parse = (change: object, streams = new Map<string, string>()) => parsePostmarkEvent(JSON.stringify(change), streams);

  it('skips a hard bounce (the documented sample)', () => {
    expect(parse(SAMPLE)).toEqual([]);
  });

  it('opts out of the stream purpose on a manual suppression, out of marketing on a complaint, and in on reactivation', () => {
    const streams = new Map([['broadcast', 'newsletter']]);
    expect(parse({ ...SAMPLE, SuppressionReason: 'ManualSuppression', MessageStream: 'broadcast' }, streams)).toEqual([
      expect.objectContaining({
        kind: 'opt-out',
        purpose: 'newsletter',
        email: 'bounced-address@wildbit.com',
        occurredAt: new Date('2020-02-01T10:53:34.416Z'),
      }),
    ]);
    expect(parse({ ...SAMPLE, SuppressionReason: 'SpamComplaint', MessageStream: 'broadcast' }, streams)[0]).toMatchObject({
      kind: 'opt-out',
      purpose: 'marketing',
    });
    const [optIn] = parse({ ...SAMPLE, SuppressSending: false, SuppressionReason: 'ManualSuppression', MessageStream: 'broadcast' }, streams);
    expect(optIn).toMatchObject({ kind: 'opt-in', purpose: 'newsletter', evidence: { collectedBy: 'postmark', method: 'esp-subscription-change' } });
  });

  it('gives suppressions without a MessageID a stable id, and different ids to suppress and reactivate', () => {
    const manual = { ...SAMPLE, MessageID: null, SuppressionReason: 'ManualSuppression' };
    expect(parse(manual)[0]!.eventId).toBe(parse(manual)[0]!.eventId);
    expect(parse(manual)[0]!.eventId).not.toBe(parse({ ...manual, SuppressSending: false })[0]!.eventId);
  });

  it('needs the configured Basic credentials', async () => {
    const context = {} as EmailWebhookContext;
    const body = JSON.stringify({ ...SAMPLE, SuppressionReason: 'SpamComplaint' });
    const secrets = { POSTMARK_WEBHOOK_USERNAME: 'pm', POSTMARK_WEBHOOK_PASSWORD: 'secret:pass' };
    const basic = (user: string, pass: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}` });
    await expect(postmark.read(request(body, basic('pm', 'secret:pass')), secrets, context)).resolves.toMatchObject({ events: [{ purpose: 'marketing' }] });
    await expect(postmark.read(request(body, basic('pm', 'wrong')), secrets, context)).rejects.toThrow(UnauthenticatedError);
    await expect(postmark.read(request(body), secrets, context)).rejects.toThrow(UnauthenticatedError);
    await expect(postmark.read(request(body, basic('pm', 'secret:pass')), {}, context)).rejects.toThrow(ConfigurationError);
  });
});

describe('SES via SNS', () => {
  const TOPIC = 'arn:aws:sns:us-west-2:123456789012:ses-events';
  const CERT_URL = 'https://sns.us-west-2.amazonaws.com/SimpleNotificationService-9c6465fa7f48f5cacd23014631ec1136.pem';
  const NOW = new Date();
  let pems: { private: string; cert: string };

  beforeAll(async () => {
    // Valid from a day before NOW: a certificate dated after NOW would be (rightly) refused.
    pems = await generate([{ name: 'commonName', value: 'sns.amazonaws.com' }], {
      keyType: 'rsa',
      keySize: 2048,
      algorithm: 'sha256',
      notBeforeDate: new Date(NOW.getTime() - 86_400_000),
    });
  });

  /** AWS's documented string to sign, built here independently of the verifier. */
  function signMessage(fields: Record<string, string>, version: '1' | '2', privateKey = pems.private): SnsMessage {
    const order =
      fields.Type === 'Notification'
        ? ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type']
        : ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'];
    const canonical = order
      .filter((key) => key in fields)
      .map((key) => `${key}\n${fields[key]}\n`)
      .join('');
    const signer = createSign(version === '1' ? 'RSA-SHA1' : 'RSA-SHA256');
    signer.update(canonical);
    return { ...fields, SignatureVersion: version, Signature: signer.sign(privateKey, 'base64'), SigningCertURL: CERT_URL } as unknown as SnsMessage;
  }

  const complaint = JSON.stringify({
    notificationType: 'Complaint',
    complaint: {
      complainedRecipients: [{ emailAddress: 'recipient@example.com' }],
      timestamp: '2016-01-27T14:59:38.237Z',
      feedbackId: 'f',
      complaintFeedbackType: 'abuse',
    },
    mail: { timestamp: '2016-01-27T14:59:38.237Z', messageId: 'm', source: 'john@example.com', destination: ['recipient@example.com'] },
  });
  const notification = (extra: Record<string, string> = {}) => ({
    Type: 'Notification',
    MessageId: '165545c9-2a5c-472c-8df2-7ff2be2b3b1b',
    TopicArn: TOPIC,
    Message: complaint,
    Timestamp: NOW.toISOString(),
    ...extra,
  });

  it('verifies SignatureVersion 1 (SHA1withRSA) and 2 (SHA256withRSA), fetching the certificate once', async () => {
    clearSnsCertificateCache();
    const httpsGet = vi.fn(async (url: string) => (url === CERT_URL ? pems.cert : Promise.reject(new Error('unexpected'))));
    await expect(verifySnsMessage(signMessage(notification(), '1'), [TOPIC], NOW, httpsGet)).resolves.toBe('us-west-2');
    await expect(verifySnsMessage(signMessage(notification({ Subject: 'Amazon SES Email Event Notification' }), '2'), [TOPIC], NOW, httpsGet)).resolves.toBe(
      'us-west-2',
    );
    expect(httpsGet).toHaveBeenCalledTimes(1);
  });

  it('refuses a tampered message, another key, an unknown topic, an unknown version', async () => {
    clearSnsCertificateCache();
    const httpsGet = async () => pems.cert;
    const good = signMessage(notification(), '2');
    await expect(verifySnsMessage({ ...good, Message: complaint.replace('recipient@', 'someone@') }, [TOPIC], NOW, httpsGet)).rejects.toThrow(
      InvalidSignatureError,
    );
    const other = await generate(undefined, { keyType: 'rsa', keySize: 2048 });
    await expect(verifySnsMessage(signMessage(notification(), '2', other.private), [TOPIC], NOW, httpsGet)).rejects.toThrow(InvalidSignatureError);
    await expect(verifySnsMessage(good, ['arn:aws:sns:us-west-2:123456789012:other'], NOW, httpsGet)).rejects.toThrow(/SES_SNS_TOPIC_ARNS/);
    await expect(verifySnsMessage(good, [], NOW, httpsGet)).rejects.toThrow(ConfigurationError);
    await expect(verifySnsMessage({ ...good, SignatureVersion: '3' }, [TOPIC], NOW, httpsGet)).rejects.toThrow(InvalidSignatureError);
  });

  it('fetches certificates only over HTTPS from sns.<topic region>.amazonaws.com', async () => {
    clearSnsCertificateCache();
    const httpsGet = vi.fn(async () => pems.cert);
    for (const url of [
      'http://sns.us-west-2.amazonaws.com/cert.pem',
      'https://sns.us-west-2.amazonaws.com.evil.example/cert.pem',
      'https://evil.example/sns.us-west-2.amazonaws.com/cert.pem',
      'https://sns.us-east-1.amazonaws.com/cert.pem',
      'https://sns.us-west-2.amazonaws.com:8443/cert.pem',
      'https://user@sns.us-west-2.amazonaws.com/cert.pem',
      'https://sns.us-west-2.amazonaws.com/cert.txt',
      // The right host, but not where SNS publishes its certificates.
      'https://sns.us-west-2.amazonaws.com/cert.pem',
      'https://sns.us-west-2.amazonaws.com/SimpleNotificationService-XYZ.pem',
      'https://sns.us-west-2.amazonaws.com/uploads/SimpleNotificationService-0a1b.pem',
      'https://sns.us-west-2.amazonaws.com/SimpleNotificationService-0a1b.pem?x=1',
    ]) {
      await expect(verifySnsMessage({ ...signMessage(notification(), '2'), SigningCertURL: url }, [TOPIC], NOW, httpsGet), url).rejects.toThrow(
        InvalidSignatureError,
      );
    }
    expect(httpsGet).not.toHaveBeenCalled();
    await expect(verifySnsMessage(signMessage(notification(), '2'), [TOPIC], NOW, async () => Promise.reject(new Error('down')))).rejects.toThrow(
      DependencyError,
    );
  });

  it('refuses a forged topic or a malformed message with no fetch at all', async () => {
    clearSnsCertificateCache();
    const httpsGet = vi.fn(async () => pems.cert);
    const good = signMessage(notification(), '2');
    await expect(
      verifySnsMessage(signMessage(notification({ TopicArn: 'arn:aws:sns:us-west-2:999999999999:forged' }), '2'), [TOPIC], NOW, httpsGet),
    ).rejects.toThrow(InvalidSignatureError);
    await expect(verifySnsMessage({ ...good, Signature: 'not base64!' }, [TOPIC], NOW, httpsGet)).rejects.toThrow(InvalidSignatureError);
    await expect(verifySnsMessage({ ...good, Signature: 'c2hvcnQ=' }, [TOPIC], NOW, httpsGet)).rejects.toThrow(InvalidSignatureError);
    await expect(verifySnsMessage({ ...good, Timestamp: 'yesterday' }, [TOPIC], NOW, httpsGet)).rejects.toThrow(BadRequestError);
    const confirmation = signMessage({ ...notification(), Type: 'SubscriptionConfirmation', Token: 't', SubscribeURL: 'https://evil.example/confirm' }, '2');
    await expect(verifySnsMessage(confirmation, [TOPIC], NOW, httpsGet)).rejects.toThrow(InvalidSignatureError);
    expect(httpsGet).not.toHaveBeenCalled();
  });

  it('answers 403 when SNS has no such certificate, and asks SNS once per URL', async () => {
    clearSnsCertificateCache();
    const absent = 'https://sns.us-west-2.amazonaws.com/SimpleNotificationService-deadbeef.pem';
    const httpsGet = vi.fn(async (url: string) => Promise.reject(new HttpsStatusError(404, `GET ${new URL(url).host} answered 404.`)));
    const forged = { ...signMessage(notification(), '2'), SigningCertURL: absent };
    for (let i = 0; i < 3; i++) {
      const failure = await verifySnsMessage(forged, [TOPIC], NOW, httpsGet).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(InvalidSignatureError);
      expect((failure as InvalidSignatureError).status).toBe(403);
    }
    expect(httpsGet).toHaveBeenCalledTimes(1);
  });

  it('answers 403 when the URL serves something other than a certificate, once per URL', async () => {
    clearSnsCertificateCache();
    const httpsGet = vi.fn(async () => '<html>not a certificate</html>');
    const message = signMessage(notification(), '2');
    await expect(verifySnsMessage(message, [TOPIC], NOW, httpsGet)).rejects.toThrow(InvalidSignatureError);
    await expect(verifySnsMessage(message, [TOPIC], NOW, httpsGet)).rejects.toThrow(InvalidSignatureError);
    expect(httpsGet).toHaveBeenCalledTimes(1);
  });

  it('answers 503 while SNS cannot be reached, asking again only after a minute, then verifies', async () => {
    clearSnsCertificateCache();
    let reachable = false;
    const httpsGet = vi.fn(async () => (reachable ? pems.cert : Promise.reject(new HttpsStatusError(503, 'GET sns answered 503.'))));
    const message = signMessage(notification(), '2');
    await expect(verifySnsMessage(message, [TOPIC], NOW, httpsGet)).rejects.toThrow(DependencyError);
    reachable = true;
    await expect(verifySnsMessage(message, [TOPIC], NOW, httpsGet)).rejects.toThrow(DependencyError);
    expect(httpsGet).toHaveBeenCalledTimes(1);
    await expect(verifySnsMessage(message, [TOPIC], new Date(NOW.getTime() + 61_000), httpsGet)).resolves.toBe('us-west-2');
    expect(httpsGet).toHaveBeenCalledTimes(2);
  });

  it('reads the text/plain JSON envelope and checks its type header', () => {
    const message = signMessage(notification(), '2');
    expect(parseSnsMessage(JSON.stringify(message), 'Notification').MessageId).toBe(message.MessageId);
    expect(() => parseSnsMessage(JSON.stringify(message), 'SubscriptionConfirmation')).toThrow(BadRequestError);
    expect(() => parseSnsMessage(JSON.stringify({ ...message, Signature: undefined }))).toThrow(InvalidSignatureError);
  });

  it('turns complaints and list unsubscribes into opt-outs and skips bounces', () => {
    vi.stubEnv('PURPOSES', 'newsletter');
    expect(parseSesNotification('mid', complaint)).toEqual([
      expect.objectContaining({
        eventId: 'mid',
        kind: 'opt-out',
        purpose: 'marketing',
        email: 'recipient@example.com',
        occurredAt: new Date('2016-01-27T14:59:38.237Z'),
      }),
    ]);
    const subscription = (preferences: object) =>
      JSON.stringify({
        eventType: 'Subscription',
        mail: { timestamp: '2022-01-12T01:00:14.340Z', source: 'sender@example.com', messageId: 'm', destination: ['recipient@example.com'] },
        subscription: { contactList: 'L', timestamp: '2022-01-12T01:00:17.910Z', source: 'UnsubscribeHeader', newTopicPreferences: preferences },
      });
    expect(parseSesNotification('mid', subscription({ unsubscribeAll: true, topicSubscriptionStatus: [] })).map((e) => e.purpose)).toEqual(['marketing']);
    expect(
      parseSesNotification(
        'mid',
        subscription({
          unsubscribeAll: false,
          topicSubscriptionStatus: [
            { topicName: 'newsletter', subscriptionStatus: 'OptOut' },
            { topicName: 'Other', subscriptionStatus: 'OptIn' },
          ],
        }),
      ).map((e) => e.purpose),
    ).toEqual(['newsletter']);
    expect(parseSesNotification('mid', JSON.stringify({ notificationType: 'Bounce', bounce: { bounceType: 'Permanent' } }))).toEqual([]);
  });
});

describe('a pinned SNS signing certificate (local development)', () => {
  it('answers certificate fetches with the pin and passes every other GET on', async () => {
    const { pinnedCertificateGet } = await import('../../shared/intake/email/ses.js');
    const passed: string[] = [];
    const get = pinnedCertificateGet('PINNED PEM', async (url) => {
      passed.push(url);
      return 'fetched';
    });
    expect(await get('https://sns.us-east-1.amazonaws.com/SimpleNotificationService-abc.pem')).toBe('PINNED PEM');
    expect(await get('https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&Token=t')).toBe('fetched');
    expect(passed).toEqual(['https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&Token=t']);
  });
});
