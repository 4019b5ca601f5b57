import { BadRequestError } from '../../core/errors.js';
import type { EmailProvider } from './events.js';
import { mailgun } from './mailgun.js';
import { postmark } from './postmark.js';
import { sendgrid } from './sendgrid.js';
import { ses } from './ses.js';

/** Every ESP, by the name in `POST /webhooks/email/{provider}`. */
export const emailProviders: Record<string, EmailProvider> = { sendgrid, mailgun, postmark, ses };

export function emailProvider(name: string): EmailProvider {
  const provider = Object.hasOwn(emailProviders, name) ? emailProviders[name] : undefined;
  if (!provider) throw new BadRequestError(`Unknown email provider "${name}".`, { knownProviders: Object.keys(emailProviders) });
  return provider;
}
