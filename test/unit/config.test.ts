import { afterEach, describe, expect, it } from 'vitest';
import { smsKeywords } from '../../shared/platform/config.js';
import { ConfigurationError } from '../../shared/core/errors.js';
import { classify } from '../../shared/core/keywords.js';

const names = ['SMS_KEYWORD_LANGUAGES', 'SMS_EXTRA_OPT_OUT_KEYWORDS', 'SMS_EXTRA_OPT_IN_KEYWORDS', 'SMS_EXTRA_HELP_KEYWORDS'];

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
