import { describe, expect, it } from 'vitest';
import { requestFromForm, searchIdentity, type Form } from '../../shared/console/actions.js';
import { requestFormPage, searchPage, type Frame } from '../../shared/console/pages.js';
import { requestSchema } from '../../shared/intake/requests/requests.js';

/**
 * The console's forms and what reads them agree: each search form, filled in as a browser would
 * post it (its own field names, read from the page), finds by the identity it names; the request
 * form becomes a `POST /v1/requests` body with the signed-in user as collector.
 */

const frame: Frame = { development: false, csrf: 'token' };

/** The fields of each <form> on a page, by name, as a browser posts them. */
function formsOf(html: string): Map<string, string[]>[] {
  return [...html.matchAll(/<form[^>]*>([\s\S]*?)<\/form>/g)].map(([, body]) => {
    const fields = new Map<string, string[]>();
    const add = (name: string, value: string | undefined) => fields.set(name, [...(fields.get(name) ?? []), ...(value === undefined ? [] : [value])]);
    for (const [element] of body!.matchAll(/<input[^>]*>|<textarea[^>]*>|<select[^>]*>[\s\S]*?<\/select>/g)) {
      const name = /\bname="([^"]+)"/.exec(element)![1]!;
      const value = /\bvalue="([^"]*)"/.exec(element)?.[1];
      if (element.startsWith('<select'))
        add(name, /<option[^>]*\bselected/.exec(element) ? /<option[^>]*\bselected[^>]*value="([^"]*)"/.exec(element)?.[1] : value);
      else if (/type="(radio|checkbox)"/.test(element)) add(name, / checked\b/.test(element) ? value : undefined);
      else add(name, element.startsWith('<textarea') ? '' : (value ?? ''));
    }
    return fields;
  });
}

function filled(fields: Map<string, string[]>, values: Record<string, string | string[]>): Form {
  const form: Form = {};
  // What a browser sends: each field with its current value; an unchecked box sends nothing.
  for (const [name, defaults] of fields) if (defaults.length) form[name] = defaults.length > 1 ? defaults : defaults[0]!;
  for (const [name, value] of Object.entries(values)) {
    expect(fields.has(name), `the form has a field ${name}`).toBe(true);
    form[name] = value;
  }
  return form;
}

describe('console search forms', () => {
  const forms = formsOf(searchPage(frame)).filter((fields) => fields.has('kind'));
  const byKind = new Map(forms.map((fields) => [fields.get('kind')![0]!, fields]));

  it('offers phone, email, external id and postal address, each with the CSRF token', () => {
    expect([...byKind.keys()].sort()).toEqual(['email', 'externalId', 'phone', 'postal']);
    for (const fields of byKind.values()) expect(fields.get('csrf')).toEqual(['token']);
  });

  it('finds by the normalized identity each form names', () => {
    expect(searchIdentity(filled(byKind.get('phone')!, { value: '(415) 555-0100' }), 'US')).toEqual({ type: 'phone', value: '+14155550100' });
    expect(searchIdentity(filled(byKind.get('email')!, { value: ' Ann@Example.COM ' }), 'US')).toEqual({ type: 'email', value: 'ann@example.com' });
    expect(searchIdentity(filled(byKind.get('externalId')!, { value: 'crm-889' }), 'US')).toMatchObject({ type: 'externalId', value: 'crm-889' });
    const postal = searchIdentity(
      filled(byKind.get('postal')!, { line1: '123 Main Street', city: 'Springfield', state: 'Illinois', postalCode: '62701' }),
      'US',
    );
    expect(postal.type).toBe('postal');
    expect(postal.value).toBe(
      searchIdentity({ kind: 'postal', line1: '123 MAIN ST', city: 'springfield', state: 'IL', postalCode: '62701-1234', country: 'US' }, 'US').value,
    );
  });

  it('refuses an unknown kind or an empty value with a 400', () => {
    expect(() => searchIdentity({ kind: 'ssn', value: '1' }, 'US')).toThrow(/Search by/);
    expect(() => searchIdentity({ kind: 'phone', value: ' ' }, 'US')).toThrow(/Give the phone/);
  });
});

describe('console request form', () => {
  const [fields] = formsOf(requestFormPage(frame, { requestId: 'console-1', now: '2026-06-01T09:30', purposes: ['all', 'marketing'] })).filter((form) =>
    form.has('requestId'),
  );
  const user = { id: 'agent-ann', name: 'Ann', role: 'agent' as const, via: 'development' as const };

  it('becomes a POST /v1/requests body from the console, collected by the signed-in user', () => {
    const body = requestFromForm(
      filled(fields!, {
        channels: ['email', 'mail'],
        email: 'ann@example.com',
        line1: '123 Main St',
        city: 'Springfield',
        postalCode: '62701',
        reference: 'scan-17',
      }),
      user,
    );
    const request = requestSchema.parse(body);
    expect(request).toMatchObject({
      requestId: 'console-1',
      kind: 'opt-out',
      channels: ['email', 'mail'],
      purpose: 'all',
      scope: 'address',
      source: 'console',
      occurredAt: '2026-06-01T09:30:00Z',
      subject: { email: 'ann@example.com', postal: { line1: '123 Main St', city: 'Springfield', postalCode: '62701', country: 'US' } },
      evidence: { collectedBy: 'agent-ann', method: 'letter', reference: 'scan-17' },
    });
  });

  it('lets nobody name another collector: the form field is ignored', () => {
    const body = requestFromForm({ ...filled(fields!, { channels: 'email', email: 'ann@example.com' }), collectedBy: 'someone-else' }, user);
    expect((body.evidence as { collectedBy: string }).collectedBy).toBe('agent-ann');
  });
});
