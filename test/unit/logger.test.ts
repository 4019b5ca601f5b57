import { createHash, createHmac } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';

/** Address pseudonyms in the logs: keyed, so that nobody without the key can reverse them by trying every phone number. */

const PHONE = '+14155550100';

// A fresh module each time: the key it last loaded is module state.
async function freshLogger() {
  vi.resetModules();
  return import('../../shared/platform/logger.js');
}

afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

describe('redact', () => {
  it('gives the same pseudonym for the same address and key, and another for another key', async () => {
    const { redact } = await freshLogger();
    expect(redact(PHONE, 'key-one')).toBe(redact(PHONE, 'key-one'));
    expect(redact(PHONE, 'key-one')).not.toBe(redact(PHONE, 'key-two'));
    expect(redact(PHONE, 'key-one')).not.toBe(redact('+14155550101', 'key-one'));
    expect(redact(PHONE, 'key-one')).toMatch(/^addr_[0-9a-f]{12}$/);
  });

  it('is not the plain SHA-256 of the address, which anyone could recompute', async () => {
    const { redact } = await freshLogger();
    const plain = `addr_${createHash('sha256').update(PHONE).digest('hex').slice(0, 12)}`;
    expect(redact(PHONE)).not.toBe(plain);
    expect(redact(PHONE, 'key-one')).not.toBe(plain);
  });

  it('uses LOG_PSEUDONYM_KEY once loaded, as an operator can recompute it', async () => {
    vi.stubEnv('LOG_PSEUDONYM_KEY', 'operator-key');
    const { loadPseudonymKey, redact } = await freshLogger();
    await loadPseudonymKey();
    expect(redact(PHONE)).toBe(`addr_${createHmac('sha256', 'operator-key').update(PHONE).digest('hex').slice(0, 12)}`);
  });

  it('uses the documented local default off AWS when no key is configured', async () => {
    vi.stubEnv('LOG_PSEUDONYM_KEY', '');
    vi.stubEnv('AWS_LAMBDA_FUNCTION_NAME', '');
    const { loadPseudonymKey, redact, LOCAL_PSEUDONYM_KEY } = await freshLogger();
    await loadPseudonymKey();
    expect(redact(PHONE)).toBe(redact(PHONE, LOCAL_PSEUDONYM_KEY));
  });

  it('on AWS without a key, says so loudly and never uses the public local default', async () => {
    vi.stubEnv('LOG_PSEUDONYM_KEY', '');
    vi.stubEnv('CONFIG_SECRET_ARN', '');
    vi.stubEnv('AWS_LAMBDA_FUNCTION_NAME', 'optout-hub-SmsInbound');
    const { loadPseudonymKey, logger, redact, LOCAL_PSEUDONYM_KEY } = await freshLogger();
    const errors = vi.spyOn(logger, 'error').mockImplementation(() => {});
    await loadPseudonymKey();
    expect(errors).not.toHaveBeenCalled(); // nothing logged an address yet
    redact(PHONE);
    await loadPseudonymKey();
    redact(PHONE);
    expect(errors).toHaveBeenCalledTimes(1);
    expect(String(errors.mock.calls[0]?.[0])).toContain('LOG_PSEUDONYM_KEY is not configured');
    expect(redact(PHONE)).not.toBe(redact(PHONE, LOCAL_PSEUDONYM_KEY));
    expect(redact(PHONE)).toBe(redact(PHONE));
  });
});
