import { verify, X509Certificate } from 'node:crypto';
import { purposes, sesSnsTopicArns } from '../../platform/config.js';
import { BadRequestError, ConfigurationError, DependencyError, InvalidSignatureError } from '../../core/errors.js';
import { logger } from '../../platform/logger.js';
import { eventIdPart, providerEmail, providerTime, type EmailEvent, type EmailProvider, type HttpsGet } from './events.js';

/**
 * Amazon SES notifications delivered by an SNS HTTPS subscription. The SNS message signature is
 * verified as AWS documents it: the canonical string of the message's fields, SHA1withRSA
 * (SignatureVersion 1) or SHA256withRSA (2), with the certificate at SigningCertURL — fetched
 * only over HTTPS from https://sns.<region>.amazonaws.com/SimpleNotificationService-<hex>.pem,
 * the region of the topic, and cached (as are failures). Only topics on SES_SNS_TOPIC_ARNS are
 * accepted, and that and the message's shape are checked before any fetch. SNS posts the JSON
 * as text/plain.
 */

type Json = Record<string, unknown>;

/** Fields signed, in order, per message type (https://docs.aws.amazon.com/sns/latest/dg/sns-verify-signature-of-message.html). */
const SIGNED_FIELDS: Record<string, readonly string[]> = {
  Notification: ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type'],
  SubscriptionConfirmation: ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'],
  UnsubscribeConfirmation: ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'],
};

const TOPIC_ARN = /^arn:aws(?:-cn|-us-gov)?:sns:([a-z0-9-]+):\d{12}:[A-Za-z0-9_.-]{1,256}$/;

export interface SnsMessage {
  Type: string;
  MessageId: string;
  TopicArn: string;
  Message: string;
  Timestamp: string;
  SignatureVersion: string;
  Signature: string;
  SigningCertURL: string;
  Subject?: string;
  Token?: string;
  SubscribeURL?: string;
}

export function parseSnsMessage(rawBody: string, messageTypeHeader?: string): SnsMessage {
  let body: unknown;
  try {
    body = JSON.parse(rawBody);
  } catch {
    throw new BadRequestError('The SNS body is not valid JSON.');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new BadRequestError('An SNS message is one JSON object.');
  const message = body as Json;
  for (const field of ['Type', 'MessageId', 'TopicArn', 'Message', 'Timestamp', 'SignatureVersion', 'Signature', 'SigningCertURL']) {
    if (typeof message[field] !== 'string') {
      throw field.startsWith('Sign') ? new InvalidSignatureError(`The SNS message has no ${field}.`) : new BadRequestError(`The SNS message has no ${field}.`);
    }
  }
  if (!Object.hasOwn(SIGNED_FIELDS, message.Type as string)) throw new BadRequestError(`Unknown SNS message type "${String(message.Type)}".`);
  if (messageTypeHeader && messageTypeHeader !== message.Type) throw new BadRequestError('x-amz-sns-message-type does not match the message.');
  return message as unknown as SnsMessage;
}

/** The string SNS signed: `Key\nValue\n` for each of the type's fields that is present. */
export function snsStringToSign(message: SnsMessage): string {
  const record = message as unknown as Json;
  return SIGNED_FIELDS[message.Type]!.filter((field) => typeof record[field] === 'string')
    .map((field) => `${field}\n${record[field] as string}\n`)
    .join('');
}

/** An SNS URL we may call: HTTPS, no port or credentials, on sns.<region>.amazonaws.com(.cn) of the topic's region. */
export function assertSnsUrl(raw: string, region: string, what: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new InvalidSignatureError(`The SNS ${what} is not a URL.`);
  }
  const host = new RegExp(`^sns\\.${region.replace(/[^a-z0-9-]/g, '')}\\.amazonaws\\.com(\\.cn)?$`);
  if (url.protocol !== 'https:' || url.port !== '' || url.username !== '' || url.password !== '' || !host.test(url.hostname)) {
    throw new InvalidSignatureError(`The SNS ${what} is not on https://sns.${region}.amazonaws.com.`);
  }
  return url;
}

// SNS publishes its signing certificates at exactly this path; anything else on the host is not one.
const CERTIFICATE_PATH = /^\/SimpleNotificationService-[0-9a-f]{1,64}\.pem$/;

/** The SigningCertURL, if it is one SNS could have written: the topic region's host, the certificate path, no query. */
export function assertSigningCertUrl(raw: string, region: string): URL {
  const url = assertSnsUrl(raw, region, 'SigningCertURL');
  if (!CERTIFICATE_PATH.test(url.pathname) || url.search !== '' || url.hash !== '') {
    throw new InvalidSignatureError('The SNS SigningCertURL is not an SNS signing certificate (/SimpleNotificationService-<hex>.pem).');
  }
  return url;
}

/** A GET answered with an HTTP error status: the resource is not there (4xx) or the server failed (5xx). */
export class HttpsStatusError extends Error {
  override name = 'HttpsStatusError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const certificates = new Map<string, X509Certificate>();
const MAX_CACHED_CERTIFICATES = 32;

/**
 * Certificate URLs that did not give a certificate, so a flood of forged messages costs one
 * fetch per URL, not one per message. An answer that no certificate is there is remembered for
 * an hour (403); a failure to reach SNS for a minute (503, so SNS retries a genuine message).
 */
const failures = new Map<string, { until: number; error: () => Error }>();
const MAX_CACHED_FAILURES = 256;
const ABSENT_FOR_MS = 3_600_000;
const UNREACHABLE_FOR_MS = 60_000;

function remember<V>(cache: Map<string, V>, max: number, key: string, value: V): void {
  cache.delete(key);
  if (cache.size >= max) cache.delete(cache.keys().next().value!);
  cache.set(key, value);
}

async function signingCertificate(url: URL, httpsGet: HttpsGet, now: Date): Promise<X509Certificate> {
  const cached = certificates.get(url.href);
  if (cached) return cached;
  const failed = failures.get(url.href);
  if (failed && failed.until > now.getTime()) throw failed.error();
  let pem: string;
  try {
    pem = await httpsGet(url.href);
  } catch (error) {
    // SNS answering that there is no such certificate means the message was not signed by SNS.
    const absent = error instanceof HttpsStatusError && error.status >= 400 && error.status < 500;
    const refusal = absent
      ? () => new InvalidSignatureError('The SNS SigningCertURL names no SNS certificate.')
      : () => new DependencyError('The SNS signing certificate could not be fetched.', {}, error);
    remember(failures, MAX_CACHED_FAILURES, url.href, { until: now.getTime() + (absent ? ABSENT_FOR_MS : UNREACHABLE_FOR_MS), error: refusal });
    throw refusal();
  }
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(pem);
  } catch {
    const refusal = () => new InvalidSignatureError('The SNS SigningCertURL did not return a certificate.');
    remember(failures, MAX_CACHED_FAILURES, url.href, { until: now.getTime() + ABSENT_FOR_MS, error: refusal });
    throw refusal();
  }
  failures.delete(url.href);
  remember(certificates, MAX_CACHED_CERTIFICATES, url.href, certificate);
  return certificate;
}

/** For tests that serve different certificates at one URL. */
export function clearSnsCertificateCache(): void {
  certificates.clear();
  failures.clear();
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * Verifies topic, message shape, certificate origin and signature; returns the topic's region.
 * Everything that can be checked without the network is checked first, so a forged message is
 * refused (403 or 400) without a single fetch.
 */
export async function verifySnsMessage(message: SnsMessage, allowedTopics: readonly string[], now: Date, httpsGet: HttpsGet): Promise<string> {
  if (allowedTopics.length === 0) throw new ConfigurationError('SES_SNS_TOPIC_ARNS lists no topics, so SNS messages are refused.');
  // A message from a topic we did not subscribe to is refused outright.
  if (!allowedTopics.includes(message.TopicArn)) throw new InvalidSignatureError('The SNS TopicArn is not on SES_SNS_TOPIC_ARNS.');
  const region = TOPIC_ARN.exec(message.TopicArn)?.[1];
  if (!region) throw new BadRequestError('The SNS TopicArn is not a topic ARN.');
  const algorithm = message.SignatureVersion === '1' ? 'sha1' : message.SignatureVersion === '2' ? 'sha256' : undefined;
  if (!algorithm) throw new InvalidSignatureError(`SNS SignatureVersion "${message.SignatureVersion}" is not 1 or 2.`);
  // An RSA signature of 1024 to 8192 bits, in base64.
  if (!BASE64.test(message.Signature) || message.Signature.length < 172 || message.Signature.length > 1368) {
    throw new InvalidSignatureError('The SNS Signature is not an RSA signature in base64.');
  }
  if (message.MessageId === '' || message.MessageId.length > 100) throw new BadRequestError('The SNS MessageId is not a message id.');
  if (Number.isNaN(Date.parse(message.Timestamp))) throw new BadRequestError('The SNS Timestamp is not a time.');
  if (message.Type !== 'Notification') {
    if (!message.Token) throw new BadRequestError(`The ${message.Type} has no Token.`);
    if (!message.SubscribeURL) throw new BadRequestError(`The ${message.Type} has no SubscribeURL.`);
    assertSnsUrl(message.SubscribeURL, region, 'SubscribeURL');
  }
  const certificate = await signingCertificate(assertSigningCertUrl(message.SigningCertURL, region), httpsGet, now);
  if (now < new Date(certificate.validFrom) || now > new Date(certificate.validTo)) {
    throw new InvalidSignatureError('The SNS signing certificate is not valid now.');
  }
  let valid = false;
  try {
    valid = verify(algorithm, Buffer.from(snsStringToSign(message), 'utf8'), certificate.publicKey, Buffer.from(message.Signature, 'base64'));
  } catch {
    valid = false;
  }
  if (!valid) throw new InvalidSignatureError('The SNS signature does not match the message.');
  return region;
}

const object = (value: unknown): Json | undefined => (typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined);

/**
 * The opt-outs in an SES notification: a complaint stops all marketing email to each complaining
 * recipient; a list-management unsubscribe (event type Subscription) stops all marketing when it
 * says unsubscribeAll, else each topic opted out of (a topic not in PURPOSES widens to marketing).
 * Bounces, deliveries and the rest are skipped.
 */
export function parseSesNotification(snsMessageId: string, messageText: string): EmailEvent[] {
  let notification: Json | undefined;
  try {
    notification = object(JSON.parse(messageText));
  } catch {
    notification = undefined;
  }
  if (!notification) throw new BadRequestError('The SNS Message is not an SES notification.');
  const type = notification.notificationType ?? notification.eventType;
  const base = { provider: 'ses' as const, kind: 'opt-out' as const, providerEvent: String(type) };
  if (type === 'Complaint') {
    const complaint = object(notification.complaint);
    const recipients = Array.isArray(complaint?.complainedRecipients) ? complaint.complainedRecipients : [];
    if (recipients.length === 0) throw new BadRequestError('The SES complaint names no complained recipients.');
    const occurredAt = providerTime(complaint?.timestamp, 'The SES complaint');
    return recipients.map((recipient: unknown, index) => ({
      ...base,
      eventId: recipients.length === 1 ? eventIdPart(snsMessageId) : `${eventIdPart(snsMessageId)}.${index}`,
      email: providerEmail(object(recipient)?.emailAddress, `SES complained recipient ${index}`),
      purpose: 'marketing',
      occurredAt,
    }));
  }
  if (type === 'Subscription') {
    const subscription = object(notification.subscription);
    const preferences = object(subscription?.newTopicPreferences);
    const occurredAt = providerTime(subscription?.timestamp, 'The SES subscription event');
    const destinations = object(notification.mail)?.destination;
    if (!Array.isArray(destinations) || destinations.length === 0) throw new BadRequestError('The SES subscription event names no destination.');
    const known = purposes();
    const statuses = Array.isArray(preferences?.topicSubscriptionStatus) ? preferences.topicSubscriptionStatus : [];
    const optedOut = statuses
      .map((status: unknown) => object(status))
      .filter((status) => status?.subscriptionStatus === 'OptOut' && typeof status.topicName === 'string')
      .map((status) => (known.includes(status!.topicName as string) ? (status!.topicName as string) : 'marketing'));
    const wanted = [...new Set(preferences?.unsubscribeAll === true ? ['marketing'] : optedOut)];
    return destinations.flatMap((destination: unknown, index) => {
      const email = providerEmail(destination, `SES subscription destination ${index}`);
      return wanted.map((purpose) => ({ ...base, eventId: `${eventIdPart(snsMessageId)}.${index}.${purpose}`, email, purpose, occurredAt }));
    });
  }
  return [];
}

/** GETs an https URL, refusing redirects, with a time limit. */
export const fetchHttps: HttpsGet = async (url) => {
  const response = await fetch(url, { redirect: 'error', signal: AbortSignal.timeout(5000) });
  if (!response.ok) throw new HttpsStatusError(response.status, `GET ${new URL(url).host} answered ${response.status}.`);
  const text = await response.text();
  if (text.length > 64 * 1024) throw new Error('The response is larger than expected.');
  return text;
};

export const ses: EmailProvider = {
  secrets: [],
  async read(request, _secrets, context) {
    const message = parseSnsMessage(request.rawBody, request.headers['x-amz-sns-message-type']);
    // Read before verifying, so a notification that could never be recorded costs no certificate fetch.
    const events = message.Type === 'Notification' ? parseSesNotification(message.MessageId, message.Message) : [];
    const region = await verifySnsMessage(message, sesSnsTopicArns(), context.now, context.httpsGet);
    if (message.Type === 'SubscriptionConfirmation') {
      const subscribe = assertSnsUrl(message.SubscribeURL!, region, 'SubscribeURL');
      try {
        await context.httpsGet(subscribe.href);
      } catch (error) {
        throw new DependencyError('The SNS subscription could not be confirmed.', {}, error);
      }
      logger.info('sns subscription confirmed', { topicArn: message.TopicArn });
      return { events: [] };
    }
    if (message.Type === 'UnsubscribeConfirmation') {
      logger.warn('sns subscription ended', { topicArn: message.TopicArn });
      return { events: [] };
    }
    return { events };
  },
};

/**
 * Certificate fetches answered with one pinned certificate (SNS_SIGNING_CERTIFICATE_PEM), every
 * other GET (a SubscribeURL) passed on. For trying SES notifications on one machine, where no
 * message is signed by SNS: the URL is still checked as SNS's, and the signature against the pin.
 */
export function pinnedCertificateGet(certificatePem: string, fallback: HttpsGet): HttpsGet {
  return async (url) => (new URL(url).pathname.endsWith('.pem') ? certificatePem : fallback(url));
}
