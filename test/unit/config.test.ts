import { afterEach, describe, expect, it } from 'vitest';
import {
  callSlaHours,
  channelSlas,
  holidayCalendar,
  localSystemEndpoints,
  smsKeywords,
  storeClientOptions,
  storeTimeouts,
} from '../../shared/platform/config.js';
import { ConfigurationError } from '../../shared/core/errors.js';
import { classify } from '../../shared/core/keywords.js';

const names = [
  'SMS_KEYWORD_LANGUAGES',
  'SMS_EXTRA_OPT_OUT_KEYWORDS',
  'SMS_EXTRA_OPT_IN_KEYWORDS',
  'SMS_EXTRA_HELP_KEYWORDS',
  'HOLIDAYS_COUNTRY',
  'HOLIDAYS_REGION',
  'SLA_SKIP_US_FEDERAL_HOLIDAYS',
  'CALL_SLA_HOURS',
  'DYNAMODB_PORT',
  'SQS_PORT',
  'PORT',
  'STORE_CONNECT_TIMEOUT_MS',
  'STORE_REQUEST_TIMEOUT_MS',
  'STORE_MAX_ATTEMPTS',
];

afterEach(() => {
  for (const name of names) delete process.env[name];
});

describe('smsKeywords', () => {
  it('hears English, Spanish and French by default', () => {
    expect(classify('STOP', smsKeywords()).intent).toBe('opt-out');
    expect(classify('ALTO', smsKeywords()).intent).toBe('opt-out');
    expect(classify('ARRÊT', smsKeywords()).intent).toBe('opt-out');
  });

  it('adds an organisation’s own words from configuration', () => {
    process.env.SMS_EXTRA_OPT_OUT_KEYWORDS = 'HALT, BASTA';
    process.env.SMS_EXTRA_OPT_IN_KEYWORDS = 'RESUME';
    process.env.SMS_EXTRA_HELP_KEYWORDS = 'SUPPORT';
    expect(classify('halt', smsKeywords())).toMatchObject({ intent: 'opt-out', match: { kind: 'keyword', keyword: 'HALT' } });
    expect(classify('Basta!', smsKeywords()).intent).toBe('opt-out');
    expect(classify('resume', smsKeywords()).intent).toBe('opt-in');
    expect(classify('support', smsKeywords()).intent).toBe('help');
    expect(classify('STOP', smsKeywords()).intent).toBe('opt-out');
  });

  it('limits the languages to those configured', () => {
    process.env.SMS_KEYWORD_LANGUAGES = 'en';
    expect(classify('STOP', smsKeywords()).intent).toBe('opt-out');
    expect(classify('DETENER', smsKeywords()).intent).toBe('none');
  });

  it('refuses an unknown language with a clear error', () => {
    process.env.SMS_KEYWORD_LANGUAGES = 'en,klingon';
    expect(() => smsKeywords()).toThrow(ConfigurationError);
    expect(() => smsKeywords()).toThrow(/klingon/);
  });
});

describe('the holiday calendar', () => {
  it('is the US federal holidays by default, for every deadline', () => {
    expect(holidayCalendar()).toEqual({ country: 'US' });
    expect(channelSlas().calendar).toEqual({ country: 'US' });
  });

  it('reads HOLIDAYS_COUNTRY and HOLIDAYS_REGION; none counts holidays as business days', () => {
    process.env.HOLIDAYS_COUNTRY = 'us';
    process.env.HOLIDAYS_REGION = 'ny';
    expect(holidayCalendar()).toEqual({ country: 'US', region: 'NY' });
    process.env.HOLIDAYS_COUNTRY = 'none';
    delete process.env.HOLIDAYS_REGION;
    expect(holidayCalendar()).toEqual({});
    process.env.HOLIDAYS_COUNTRY = 'Atlantis';
    expect(() => holidayCalendar()).toThrow(/HOLIDAYS_COUNTRY/);
    process.env.HOLIDAYS_COUNTRY = 'US';
    process.env.HOLIDAYS_REGION = 'New York';
    expect(() => holidayCalendar()).toThrow(/HOLIDAYS_REGION/);
  });

  it('still reads SLA_SKIP_US_FEDERAL_HOLIDAYS when HOLIDAYS_COUNTRY is unset, and refuses both at once', () => {
    process.env.SLA_SKIP_US_FEDERAL_HOLIDAYS = 'false';
    expect(holidayCalendar()).toEqual({});
    process.env.SLA_SKIP_US_FEDERAL_HOLIDAYS = 'true';
    expect(holidayCalendar()).toEqual({ country: 'US' });
    process.env.HOLIDAYS_COUNTRY = 'US';
    expect(() => holidayCalendar()).toThrow(ConfigurationError);
  });
});

describe('callSlaHours', () => {
  it('is 24 hours unless CALL_SLA_HOURS says otherwise, up to two weeks', () => {
    expect(callSlaHours()).toBe(24);
    process.env.CALL_SLA_HOURS = '4';
    expect(callSlaHours()).toBe(4);
    process.env.CALL_SLA_HOURS = '400';
    expect(() => callSlaHours()).toThrow(ConfigurationError);
  });
});

describe('localSystemEndpoints', () => {
  it('finds the system `npm start` runs on its default ports, or on DYNAMODB_PORT and SQS_PORT', () => {
    delete process.env.DYNAMODB_PORT;
    delete process.env.SQS_PORT;
    expect(localSystemEndpoints()).toEqual({ dynamodb: 'http://127.0.0.1:8000', sqs: 'http://127.0.0.1:4566', http: 'http://localhost:3000' });
    process.env.DYNAMODB_PORT = '18000';
    process.env.SQS_PORT = '14566';
    process.env.PORT = '13000';
    expect(localSystemEndpoints()).toEqual({ dynamodb: 'http://127.0.0.1:18000', sqs: 'http://127.0.0.1:14566', http: 'http://localhost:13000' });
  });

  it('refuses a port that is not a port number', () => {
    process.env.SQS_PORT = 'sqs';
    expect(() => localSystemEndpoints()).toThrow(/SQS_PORT "sqs" is not a port number/);
  });
});

describe('storeTimeouts', () => {
  it('bounds every store call by default, and reads STORE_* when set', () => {
    expect(storeTimeouts()).toEqual({ connectionTimeoutMs: 1000, requestTimeoutMs: 2000, maxAttempts: 2 });
    process.env.STORE_CONNECT_TIMEOUT_MS = '500';
    process.env.STORE_REQUEST_TIMEOUT_MS = '3000';
    process.env.STORE_MAX_ATTEMPTS = '3';
    expect(storeClientOptions()).toEqual({ maxAttempts: 3, requestHandler: { connectionTimeout: 500, requestTimeout: 3000, throwOnRequestTimeout: true } });
  });

  it('refuses a timeout of zero (no timeout at all) and values that are not whole numbers', () => {
    process.env.STORE_REQUEST_TIMEOUT_MS = '0';
    expect(() => storeTimeouts()).toThrow(ConfigurationError);
    process.env.STORE_REQUEST_TIMEOUT_MS = '2000';
    process.env.STORE_MAX_ATTEMPTS = '1.5';
    expect(() => storeTimeouts()).toThrow(/STORE_MAX_ATTEMPTS "1.5"/);
  });
});
