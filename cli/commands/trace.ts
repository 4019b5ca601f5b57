import { writeFileSync } from 'node:fs';
import { UsageError, asUsageError, parseOptions, type Command } from '../command.js';
import { assertStoreAnswers, useLocalSystemUnlessConfigured } from '../environment.js';
import { channelSlas, defaultPhoneRegion, expectedIntegrations } from '../../shared/platform/config.js';
import { normalizeIdentity } from '../../shared/core/identity.js';

/**
 * `optout-hub trace PHONE|EMAIL [--format text|html] [--out FILE]`: the audit timeline of the
 * person that address belongs to; `--format html` is the one-page proof for an auditor.
 */
export const traceCommand: Command = {
  summary: 'the audit timeline of a phone number or email: evidence, arrival, record, enqueue, ack, deadlines',
  usage: [
    'usage: optout-hub trace PHONE|EMAIL [--format text|html] [--out FILE]',
    '',
    '  PHONE|EMAIL     an address of the person (an email has an @; anything else is read as a phone number)',
    '  --format        text (default) or html: a self-contained page an auditor can read',
    '  --out FILE      write to FILE instead of standard output',
  ].join('\n'),
  async run(args) {
    const parsed = parseOptions({
      args,
      allowPositionals: true,
      options: { format: { type: 'string', default: 'text' }, out: { type: 'string' } },
    });
    const [address, ...extra] = parsed.positionals;
    if (!address || extra.length) throw new UsageError('Name exactly one phone number or email.');
    const format = parsed.values.format;
    if (format !== 'text' && format !== 'html') throw new UsageError('--format must be text or html.');
    const where = useLocalSystemUnlessConfigured();
    const identity = asUsageError(() => normalizeIdentity(address.includes('@') ? 'email' : 'phone', address, defaultPhoneRegion()));
    await assertStoreAnswers(where);
    // The AWS clients are created when the store module loads, after the environment is settled.
    const { storeFromEnvironment } = await import('../../shared/store/clients.js');
    const { findPerson } = await import('../../shared/store/people.js');
    // Loaded here, not at startup: the trace counts business days, and the holiday data is large.
    const { readTrace, traceHtml, traceText } = await import('../../shared/audit/trace.js');
    const store = storeFromEnvironment();
    const person = await findPerson(store, identity);
    if (!person) {
      console.error(`Nobody has the ${identity.type} ${identity.value}.`);
      return 1;
    }
    const trace = await readTrace(store, person, { policy: channelSlas(), expected: expectedIntegrations });
    const output = format === 'html' ? traceHtml(trace, identity.value) : traceText(trace, identity.value);
    if (parsed.values.out) {
      writeFileSync(parsed.values.out, output);
      console.error(`Wrote ${parsed.values.out}.`);
    } else {
      process.stdout.write(output);
    }
    return 0;
  },
};
