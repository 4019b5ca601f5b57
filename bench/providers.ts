import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import twilioWebhooks from 'twilio/lib/webhooks/webhooks.js';
import type { Secrets, WebhookRequest } from '../shared/http/webhook.js';
import { smsProvider } from '../shared/intake/sms/providers/index.js';
import { bandwidthMessage, plivoMessage, sinchMessage, telnyxKeys, telnyxMessage, vonageSms, type SignedRequest } from '../test/support/provider-signing.js';

/** Verify + parse cost per provider, in microseconds per request, on one core. */

const BASE = 'https://hooks.example.com';
const REQUESTS = Number(process.env.BENCH_PROVIDER_REQUESTS ?? 2000);

function asWebhook(signed: SignedRequest): WebhookRequest {
  const url = new URL(`${BASE}${signed.path}`);
  const headers = Object.fromEntries(Object.entries(signed.headers).map(([key, value]) => [key.toLowerCase(), value]));
  return {
    method: signed.method,
    url: url.toString(),
    query: Object.fromEntries(url.searchParams),
    headers,
    contentType: headers['content-type'] ?? '',
    rawBody: signed.body ?? '',
  };
}

function twilioRequest(token: string, from: string): SignedRequest {
  const params = { MessageSid: `SM${randomBytes(16).toString('hex')}`, From: from, To: '+15017250604', Body: 'STOP', NumMedia: '0' };
  const url = `${BASE}/webhooks/sms/twilio`;
  return {
    method: 'POST',
    path: '/webhooks/sms/twilio',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilioWebhooks.getExpectedTwilioSignature(token, url, params) },
    body: new URLSearchParams(params).toString(),
  };
}

export async function benchProviders(): Promise<string[]> {
  const telnyx = telnyxKeys();
  const secrets: Secrets = {
    TWILIO_AUTH_TOKEN: 'twilio-token',
    VONAGE_SIGNATURE_SECRET: 'vonage-secret',
    PLIVO_AUTH_TOKEN: 'plivo-token',
    BANDWIDTH_USERNAME: 'bw-user',
    BANDWIDTH_PASSWORD: 'bw-password',
    SINCH_WEBHOOK_SECRET: 'sinch-secret',
    TELNYX_PUBLIC_KEY: telnyx.publicKey,
  };
  const makers: [string, (from: string) => SignedRequest][] = [
    ['twilio', (from) => twilioRequest(secrets.TWILIO_AUTH_TOKEN!, from)],
    ['vonage', (from) => vonageSms(secrets.VONAGE_SIGNATURE_SECRET!, from, 'STOP')],
    ['telnyx', (from) => telnyxMessage(telnyx, from, 'STOP')],
    ['plivo', (from) => plivoMessage(secrets.PLIVO_AUTH_TOKEN!, BASE, from, 'STOP')],
    ['bandwidth', (from) => bandwidthMessage(secrets.BANDWIDTH_USERNAME!, secrets.BANDWIDTH_PASSWORD!, from, 'STOP')],
    ['sinch', (from) => sinchMessage(secrets.SINCH_WEBHOOK_SECRET!, from, 'STOP')],
  ];
  const lines = [`provider verify + parse (${REQUESTS} signed requests each, one core)`];
  for (const [name, make] of makers) {
    const provider = smsProvider(name);
    const requests = Array.from({ length: REQUESTS }, (_, i) => asWebhook(make(`+1212555${String(i % 10_000).padStart(4, '0')}`)));
    const now = new Date();
    for (const request of requests.slice(0, 100)) provider.read(request, secrets, now); // warm up
    const start = performance.now();
    for (const request of requests) provider.read(request, secrets, now);
    const micros = ((performance.now() - start) * 1000) / requests.length;
    lines.push(`  ${name.padEnd(10)} ${micros.toFixed(1).padStart(8)} µs/request`);
  }
  return lines;
}
