import { BadRequestError } from '../../../core/errors.js';
import { bandwidth } from './bandwidth.js';
import { plivo } from './plivo.js';
import { sinch } from './sinch.js';
import { telnyx } from './telnyx.js';
import { twilio } from './twilio.js';
import { vonage } from './vonage.js';
import type { SmsProvider } from './types.js';

export type { InboundSms, SmsProvider } from './types.js';

/** Every SMS provider, by the name in `POST /webhooks/sms/{provider}`. */
export const smsProviders: Record<string, SmsProvider> = {
  twilio,
  vonage,
  telnyx,
  plivo,
  bandwidth,
  sinch,
};

export function smsProvider(name: string): SmsProvider {
  const provider = Object.hasOwn(smsProviders, name) ? smsProviders[name] : undefined;
  if (!provider) {
    throw new BadRequestError(`Unknown SMS provider "${name}".`, { knownProviders: Object.keys(smsProviders) });
  }
  return provider;
}
