import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkIntegrations } from '../../shared/connectors/registry.js';
import { retryAfterMs } from '../../shared/connectors/connector.js';
import { backoffSeconds } from '../../shared/connectors/runtime.js';
import { affectedPurposes, filterTakes, parseIntegrations, parseIntegrationSecrets, subscriptionFilterPolicy } from '../../shared/platform/integrations.js';
import { statusFor } from '../../shared/core/preferences.js';

const PURPOSES = ['all', 'marketing', 'newsletter', 'product-updates'];
const parse = (value: unknown) => parseIntegrations(JSON.stringify(value), PURPOSES);

describe('INTEGRATIONS', () => {
  it('reads a declaration, defaulting settings and removing repeated channels', () => {
    expect(parse([{ name: 'crm-sync', connector: 'webhook', channels: ['sms', 'sms', 'email'], settings: { url: 'https://x.example.com' } }])).toEqual([
      { name: 'crm-sync', connector: 'webhook', channels: ['sms', 'email'], settings: { url: 'https://x.example.com' } },
    ]);
    expect(parse([{ name: 'dialer', connector: 'queue', channels: ['voice'] }])[0]!.settings).toEqual({});
    expect(parseIntegrations(undefined, PURPOSES)).toEqual([]);
    expect(parseIntegrations('  ', PURPOSES)).toEqual([]);
  });

  it('reports every problem at once, naming the integration', () => {
    const attempt = () =>
      parse([
        { name: 'Bad Name', connector: 'webhook', channels: ['sms'] },
        { name: 'esp', connector: 'webhook', channels: ['fax'] },
        { name: 'esp', connector: 'webhook', channels: ['email'], purposes: ['nosuch'] },
        { name: 'extra', connector: 'webhook', channels: ['sms'], surprise: true },
        { name: 'none', connector: 'queue', channels: [] },
      ]);
    expect(attempt).toThrow(/integration "Bad Name": name: lower-case/);
    expect(attempt).toThrow(/integration "esp": channels.0/);
    expect(attempt).toThrow(/integration "esp": unknown purpose "nosuch"/);
    expect(attempt).toThrow(/integration "esp": the name is declared twice/);
    expect(attempt).toThrow(/integration "extra": entry: Unrecognized key/);
    expect(attempt).toThrow(/integration "none": channels/);
  });

  it('refuses what is not a JSON array', () => {
    expect(() => parseIntegrations('{', PURPOSES)).toThrow(/not JSON/);
    expect(() => parseIntegrations('{"name":"x"}', PURPOSES)).toThrow(/must be a JSON array/);
  });

  it("checks each connector's channels and settings", () => {
    expect(() => checkIntegrations(parse([{ name: 'x1', connector: 'nosuch', channels: ['sms'] }]))).toThrow(/unknown connector "nosuch" \(known: .*webhook/);
    expect(() => checkIntegrations(parse([{ name: 'x1', connector: 'webhook', channels: ['sms'], settings: { url: 'http://example.com' } }]))).toThrow(
      /settings.url: must be https/,
    );
    expect(() => checkIntegrations(parse([{ name: 'x1', connector: 'queue', channels: ['sms'], settings: { url: 'x' } }]))).toThrow(/Unrecognized key/);
    const [checked] = checkIntegrations(parse([{ name: 'x1', connector: 'webhook', channels: ['sms'], settings: { url: 'http://localhost:9/x' } }]));
    expect(checked!.checkedSettings).toEqual({ url: 'http://localhost:9/x', timeoutMs: 5000 });
  });
});

describe('INTEGRATION_SECRETS', () => {
  it('splits at the first colon, so a secret may hold colons', () => {
    expect(parseIntegrationSecrets('crm:whsec_abc, sf:client:secret:x')).toEqual(
      new Map([
        ['crm', 'whsec_abc'],
        ['sf', 'client:secret:x'],
      ]),
    );
    expect(() => parseIntegrationSecrets('crm')).toThrow(/name:secret/);
    expect(() => parseIntegrationSecrets('crm:')).toThrow(/name:secret/);
  });
});

const status = fc.constantFrom('suppressed' as const, 'allowed' as const);
const state = fc.dictionary(fc.constantFrom(...PURPOSES), status);

describe('what a change affects and which filters take it', () => {
  it('names exactly the purposes whose status changed (all standing for the unnamed)', () => {
    fc.assert(
      fc.property(fc.option(state, { nil: undefined }), state, (before, after) => {
        const previous = before ? { purposes: before } : undefined;
        const next = { purposes: after };
        const affects = affectedPurposes(previous, next, PURPOSES);
        for (const purpose of PURPOSES) {
          const changed =
            statusFor(previous ? { status: 'allowed', purposes: previous.purposes } : undefined, purpose) !==
            statusFor({ status: 'allowed', purposes: next.purposes }, purpose);
          expect(affects.includes(purpose), purpose).toBe(changed);
        }
      }),
    );
  });

  it('a filtered integration takes every change that alters one of its purposes', () => {
    fc.assert(
      fc.property(fc.option(state, { nil: undefined }), state, fc.subarray(PURPOSES.slice(1), { minLength: 1 }), (before, after, wanted) => {
        const previous = before ? { purposes: before } : undefined;
        const affects = affectedPurposes(previous, { purposes: after }, PURPOSES);
        const altersWanted = wanted.some((purpose) => affects.includes(purpose));
        if (altersWanted) expect(filterTakes({ purposes: wanted }, affects)).toBe(true);
        // The SNS filter policy and filterTakes agree: both match on any wanted purpose or `all`.
        const policy = subscriptionFilterPolicy({ purposes: wanted })!;
        expect(policy.affects.some((purpose) => affects.includes(purpose))).toBe(filterTakes({ purposes: wanted }, affects));
      }),
    );
  });

  it('a repeated opt-out alters nothing, and an unknown previous state is taken by every filter', () => {
    const suppressed = { purposes: { all: 'suppressed' } };
    expect(affectedPurposes(suppressed, suppressed, PURPOSES)).toEqual([]);
    expect(filterTakes({ purposes: ['newsletter'] }, [])).toBe(false);
    expect(filterTakes({ purposes: ['newsletter'] }, undefined)).toBe(true);
    expect(filterTakes({}, [])).toBe(true);
    expect(subscriptionFilterPolicy({})).toBeUndefined();
  });
});

describe('back-off', () => {
  it('reads Retry-After as seconds or an HTTP date', () => {
    const now = new Date('2026-12-02T10:00:00Z');
    expect(retryAfterMs('7', now)).toBe(7000);
    expect(retryAfterMs('Wed, 02 Dec 2026 10:00:30 GMT', now)).toBe(30_000);
    expect(retryAfterMs('Wed, 02 Dec 2026 09:00:00 GMT', now)).toBe(0);
    expect(retryAfterMs('soon', now)).toBeUndefined();
    expect(retryAfterMs(null, now)).toBeUndefined();
  });

  it('doubles from 30 s per receive up to 2 hours, about 4 hours over the 10 receives before the DLQ', () => {
    expect([1, 2, 3, 4].map(backoffSeconds)).toEqual([30, 60, 120, 240]);
    expect(backoffSeconds(20)).toBe(7200);
    const total = Array.from({ length: 9 }, (_, index) => backoffSeconds(index + 1)).reduce((sum, seconds) => sum + seconds, 0);
    expect(total / 3600).toBeGreaterThan(3.5);
    expect(total / 3600).toBeLessThan(4.5);
  });
});
