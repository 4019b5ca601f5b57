import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BadRequestError, InvalidAddressError } from '../../shared/core/errors.js';
import {
  channelIdentity,
  identityKey,
  normalizeChannelAddress,
  normalizeEmail,
  normalizeExternalId,
  normalizeIdentity,
  normalizePostal,
  subjectIdentities,
  type PostalAddress,
  type SubjectInput,
} from '../../shared/core/identity.js';

describe('normalizeEmail', () => {
  it.each([
    ['ana@example.com', 'ana@example.com'],
    ['  Ana@Example.COM\n', 'ana@example.com'],
    ['ANA.MARIA+news@Mail.Example.co.uk', 'ana.maria+news@mail.example.co.uk'],
    ['Ünïcode@Bücher.example', 'ünïcode@xn--bcher-kva.example'],
    ['ana@BÜCHER.example', 'ana@xn--bcher-kva.example'],
    ['ana@xn--bcher-kva.example', 'ana@xn--bcher-kva.example'],
  ])('%j → %s', (raw, normalized) => {
    expect(normalizeEmail(raw)).toBe(normalized);
  });

  it('the IDN domain and its punycode form are one address', () => {
    expect(normalizeEmail('ana@bücher.example')).toBe(normalizeEmail('ANA@XN--BCHER-KVA.EXAMPLE'));
  });

  it.each([
    ['no @', 'ana.example.com'],
    ['two @', 'ana@b@example.com'],
    ['empty local part', '@example.com'],
    ['empty domain', 'ana@'],
    ['space in the local part', 'an a@example.com'],
    ['tab in the local part', 'an\ta@example.com'],
    ['space in the domain', 'ana@exa mple.com'],
    ['no dot in the domain', 'ana@example'],
    ['domain starting with a dot', 'ana@.example.com'],
    ['domain ending with a dot', 'ana@example.com.'],
    ['an empty label inside the domain', 'a@x..com'],
    ['several empty labels', 'ana@example...com'],
    ['empty', ''],
    ['blank', '   '],
  ])('rejects an address with %s (%j)', (_, raw) => {
    expect(() => normalizeEmail(raw)).toThrow(InvalidAddressError);
  });

  /** A domain of exactly `length` characters, in labels of 1 to 63 characters, ending in `.com`. */
  const domainOf = (length: number): string => {
    const labels: string[] = [];
    let left = length - '.com'.length;
    while (left > 63) {
      const label = left - 64 >= 1 ? 63 : 62;
      labels.push('d'.repeat(label));
      left -= label + 1;
    }
    labels.push('d'.repeat(left));
    return `${labels.join('.')}.com`;
  };

  it('accepts 254 characters and rejects 255 (with a local part of at most 64)', () => {
    for (const length of [68, 127, 128, 189, 190, 244]) expect(domainOf(length), `domainOf(${length})`).toHaveLength(length);
    const local = 'a'.repeat(64);
    expect(normalizeEmail(`${local}@${domainOf(254 - 65)}`)).toHaveLength(254);
    expect(() => normalizeEmail(`${local}@${domainOf(255 - 65)}`)).toThrow(InvalidAddressError);
    expect(normalizeEmail(`a@${domainOf(252)}`)).toHaveLength(254);
    expect(() => normalizeEmail(`a@${domainOf(253)}`)).toThrow(InvalidAddressError);
  });

  it('accepts a local part of 64 characters and rejects 65', () => {
    expect(normalizeEmail(`${'a'.repeat(64)}@example.com`)).toBe(`${'a'.repeat(64)}@example.com`);
    expect(() => normalizeEmail(`${'a'.repeat(65)}@example.com`)).toThrow(InvalidAddressError);
    expect(() => normalizeEmail(`${'A'.repeat(65)}@example.com`)).toThrow(InvalidAddressError);
  });

  it('is idempotent', () => {
    for (const raw of ['  Ana@Example.COM', 'Ünïcode@Bücher.example', 'x+y@sub.example.org']) {
      expect(normalizeEmail(normalizeEmail(raw))).toBe(normalizeEmail(raw));
    }
  });

  /*
   * The local part is put in NFC (RFC 6532 §3.1), so the same internationalized address typed in
   * NFC and in NFD ('U\u0308ni\u0308code@example.com') is one identity. (The domain was already
   * one: domainToASCII applies UTS #46 mapping.)
   */
  it('one internationalized local part written in NFC and in NFD is one address', () => {
    const nfc = 'Ünïcode@example.com'.normalize('NFC');
    const nfd = 'Ünïcode@example.com'.normalize('NFD');
    expect(nfd).not.toBe(nfc);
    expect(normalizeEmail(nfd)).toBe(normalizeEmail(nfc));
    expect(normalizeEmail(nfd)).toBe('ünïcode@example.com'.normalize('NFC'));
    expect(normalizeEmail('  Ana.Mu\u0308ller@Bu\u0308cher.example ')).toBe(normalizeEmail('ana.m\u00fcller@b\u00fccher.example'));
  });
});

describe('normalizePostal', () => {
  const base = { line1: '123 Main Street, Apt 4', city: 'Springfield', state: 'IL', postalCode: '62704' };

  it('produces the STREET|CITY|STATE|POSTALCODE|COUNTRY key', () => {
    expect(normalizePostal(base)).toBe('123 MAIN ST UNIT 4|SPRINGFIELD|IL|62704|US');
    expect(normalizePostal({ ...base, line1: '123 Main St', line2: 'Apt 4' })).toBe('123 MAIN ST UNIT 4|SPRINGFIELD|IL|62704|US');
    expect(normalizePostal({ line1: '1 Main St', city: 'Springfield', postalCode: '62704' })).toBe('1 MAIN ST|SPRINGFIELD||62704|US');
  });

  it('joins line1 and line2 into STREET, line1 first', () => {
    expect(normalizePostal({ ...base, line1: '123 Main St', line2: 'Building 2, Room 7' })).toBe('123 MAIN ST BLDG 2 RM 7|SPRINGFIELD|IL|62704|US');
    expect(normalizePostal({ ...base, line1: '123 Main Street, Apt 4', line2: 'c/o Ana' })).toBe('123 MAIN ST UNIT 4 C O ANA|SPRINGFIELD|IL|62704|US');
    expect(normalizePostal({ ...base, line1: 'Apt 4', line2: '123 Main St' })).not.toBe(normalizePostal(base));
  });

  it.each([
    ['Apt 4', '123 Main St Apt 4'],
    ['Apt. 4', '123 Main St, Apt. 4'],
    ['Apartment 4', '123 Main St Apartment 4'],
    ['Unit 4', '123 Main St Unit 4'],
    ['UNIT 4', '123 MAIN ST UNIT 4'],
    ['#4', '123 Main St #4'],
    ['# 4', '123 Main St # 4'],
    ['#4 right after the suffix', '123 Main St#4'],
  ])('reads the unit designator %s as UNIT', (_, line1) => {
    expect(normalizePostal({ ...base, line1 })).toBe('123 MAIN ST UNIT 4|SPRINGFIELD|IL|62704|US');
  });

  it.each([
    ['Illinois', 'IL'],
    ['illinois', 'IL'],
    ['ILLINOIS', 'IL'],
    [' Illinois. ', 'IL'],
    ['New York', 'NY'],
    ['new  york', 'NY'],
    ['California', 'CA'],
    ['District of Columbia', 'DC'],
    ['Puerto Rico', 'PR'],
    ['IL', 'IL'],
    ['il', 'IL'],
  ])('maps the US state %j to its two-letter code %s', (state, code) => {
    expect(normalizePostal({ ...base, state })).toBe(`123 MAIN ST UNIT 4|SPRINGFIELD|${code}|62704|US`);
    expect(normalizePostal({ ...base, state })).toBe(normalizePostal({ ...base, state: code }));
  });

  it('maps state names only in the US', () => {
    expect(normalizePostal({ ...base, state: 'Illinois', country: 'CA', postalCode: 'K1A 0B1' })).toBe('123 MAIN ST UNIT 4|SPRINGFIELD|ILLINOIS|K1A0B1|CA');
  });

  /*
   * The state's name is looked up before street abbreviations apply (which would turn NORTH, SOUTH
   * and WEST into N, S and W), so the five states whose names start with them key as their codes,
   * and an opt-out keyed with the state's name matches a check keyed with its code.
   */
  it.each([
    ['North Carolina', 'NC'],
    ['North Dakota', 'ND'],
    ['South Carolina', 'SC'],
    ['South Dakota', 'SD'],
    ['West Virginia', 'WV'],
  ])('maps the US state %j to its two-letter code %s (North/South/West names)', (state, code) => {
    expect(normalizePostal({ ...base, state })).toBe(`123 MAIN ST UNIT 4|SPRINGFIELD|${code}|62704|US`);
  });

  // "#" is a unit designator too, and one after a unit word ("Apt #4", a usual US writing) is not a second unit.
  it('one key for "Apt #4", "Apt 4" and "#4"', () => {
    expect(normalizePostal({ ...base, line1: '123 Main St Apt #4' })).toBe(normalizePostal(base));
    expect(normalizePostal({ ...base, line1: '123 Main St #4' })).toBe(normalizePostal(base));
    expect(normalizePostal(base)).toBe('123 MAIN ST UNIT 4|SPRINGFIELD|IL|62704|US');
  });

  it.each<[string, PostalAddress, PostalAddress]>([
    ['suffix word and case', base, { ...base, line1: '123 MAIN ST APT 4' }],
    ['punctuation and spacing', base, { ...base, line1: '  123  Main St.,  Apt. 4 ', city: 'Springfield.' }],
    ['unit word', base, { ...base, line1: '123 Main St Apartment 4' }],
    ['unit designator "#"', base, { ...base, line1: '123 Main St #4' }],
    ['unit designator "Unit"', base, { ...base, line1: '123 Main St Unit 4' }],
    ['unit on line2', base, { ...base, line1: '123 Main St', line2: 'Apt 4' }],
    ['"#" on line2', base, { ...base, line1: '123 Main St', line2: '#4' }],
    ['state name versus code', base, { ...base, state: 'Illinois' }],
    ['ZIP+4 versus ZIP5', base, { ...base, postalCode: '62704-1234' }],
    ['ZIP+4 without a dash', base, { ...base, postalCode: '627041234' }],
    ['state case', base, { ...base, state: 'il' }],
    ['country given or not, any case', base, { ...base, country: 'us' }],
    ['empty line2 versus none', base, { ...base, line2: '' }],
    ['directions', { ...base, line1: '10 N. Main St.' }, { ...base, line1: '10 North Main Street' }],
    ['avenue spellings', { ...base, line1: '5 Fifth Avenue' }, { ...base, line1: '5 FIFTH AV.' }],
    ['accents', { ...base, line1: '12 Rue de la Café', city: 'San José' }, { ...base, line1: '12 RUE DE LA CAFE', city: 'SAN JOSE' }],
    ['accents inside words', { ...base, line1: '8 Peña Boulevard', city: 'Zürich' }, { ...base, line1: '8 PENA BLVD', city: 'ZURICH' }],
    ['suite and floor', { ...base, line2: 'Suite 200, Floor 3' }, { ...base, line2: 'STE 200 FL 3' }],
    [
      'non-US postal code spacing and case',
      { line1: '10 Downing Street', city: 'London', postalCode: 'SW1A 2AA', country: 'GB' },
      { line1: '10 DOWNING ST', city: 'LONDON', postalCode: 'sw1a2aa', country: 'gb' },
    ],
  ])('one key for two writings of one address: %s', (_, a, b) => {
    expect(normalizePostal(a)).toBe(normalizePostal(b));
  });

  it.each<[string, PostalAddress]>([
    ['house number', { ...base, line1: '124 Main Street, Apt 4' }],
    ['unit', { ...base, line1: '123 Main Street, Apt 5' }],
    ['street', { ...base, line1: '123 Maple Street, Apt 4' }],
    ['suffix', { ...base, line1: '123 Main Avenue, Apt 4' }],
    ['city', { ...base, city: 'Shelbyville' }],
    ['state', { ...base, state: 'MA' }],
    ['ZIP', { ...base, postalCode: '62705' }],
    ['country', { ...base, country: 'CA', postalCode: '62704' }],
  ])('different keys for different addresses: %s', (_, other) => {
    expect(normalizePostal(other)).not.toBe(normalizePostal(base));
  });

  it.each(['1234', '123456', '1234-5678', 'ABCDE', '62704-12', '62704-12345', ''])('rejects the US ZIP %j', (postalCode) => {
    expect(() => normalizePostal({ ...base, postalCode })).toThrow(InvalidAddressError);
  });

  it('does not apply the US ZIP rule to other countries', () => {
    expect(normalizePostal({ ...base, postalCode: 'K1A 0B1', country: 'CA' })).toBe('123 MAIN ST UNIT 4|SPRINGFIELD|IL|K1A0B1|CA');
  });

  it.each<[string, unknown]>([
    ['no line1', { city: 'Springfield', postalCode: '62704' }],
    ['no city', { line1: '1 Main St', postalCode: '62704' }],
    ['no postal code', { line1: '1 Main St', city: 'Springfield' }],
    ['line1 of punctuation only', { line1: '--- ,', city: 'Springfield', postalCode: '62704' }],
    ['city of punctuation only', { line1: '1 Main St', city: '...', postalCode: '62704' }],
    ['a three-letter country', { ...base, country: 'USA' }],
    ['a one-letter country', { ...base, country: 'U' }],
    ['a country with a digit', { ...base, country: 'U1' }],
    ['a country with a separator', { ...base, postalCode: 'X1', country: 'a|' }],
    ['a country that upper-cases to three letters', { ...base, postalCode: 'X1', country: 'ßx' }],
    ['a country with an accent', { ...base, postalCode: 'X1', country: 'Ü1' }],
    ['a non-US postal code of punctuation only', { line1: '1 High St', city: 'Leeds', postalCode: '-', country: 'GB' }],
    ['a non-US postal code of spaces only', { line1: '1 High St', city: 'Leeds', postalCode: '   ', country: 'GB' }],
    ['an unknown field (unit)', { ...base, unit: 'Apt 4' }],
    ['an unknown field (line3)', { ...base, line3: 'Rear' }],
  ])('rejects an address with %s', (_, raw) => {
    expect(() => normalizePostal(raw as PostalAddress)).toThrow(InvalidAddressError);
  });

  /*
   * Moving the unit between line1 and line2 is one of the most usual differences between two
   * writings of one address (a letter keyed with "Apt 4" on its own line; a CRM that stores one
   * street line): the two lines are joined into one STREET part, so the keys agree.
   */
  it('one key whether the unit is on line1 or on line2', () => {
    expect(normalizePostal({ ...base, line1: '123 Main St', line2: 'Apt 4' })).toBe(normalizePostal(base));
    expect(normalizePostal({ ...base, line1: '123 Main St', line2: 'Unit 4' })).toBe(normalizePostal(base));
  });

  it('one key for "#4", "Unit 4" and "Apt 4"', () => {
    expect(normalizePostal({ ...base, line1: '123 Main St #4' })).toBe(normalizePostal(base));
    expect(normalizePostal({ ...base, line1: '123 Main St Unit 4' })).toBe(normalizePostal(base));
    expect(normalizePostal({ ...base, line1: '123 Main St #4' })).not.toBe(normalizePostal({ ...base, line1: '123 Main St #5' }));
  });

  describe('as a property', () => {
    // A canonical US address and random, usual ways of writing it.
    const suffixes = [
      ['Street', 'St', 'ST.'],
      ['Avenue', 'Ave', 'AV'],
      ['Road', 'Rd.'],
      ['Boulevard', 'BLVD'],
      ['Drive', 'Dr'],
      ['Lane', 'Ln'],
    ];
    const directions = [
      ['North', 'N', 'N.'],
      ['South', 'S'],
      ['East', 'E.'],
      ['West', 'W'],
      ['Northeast', 'NE'],
    ];
    // "Apt", "Unit" and "#" are one designator; the others stay distinct.
    const units = [
      ['Apartment', 'Apt', 'APT.', 'Unit', '#'],
      ['Suite', 'Ste'],
      ['Room', 'Rm'],
      ['Floor', 'Fl.'],
    ];
    const names = ['Main', 'Oak', 'Maple', 'Lincoln', 'Martin Luther King', 'Sunset', 'Peña'];
    const cities = ['Springfield', 'San José', 'New York', "Coeur d'Alene", 'St. Louis'];
    const stateNames: Record<string, string> = { IL: 'Illinois', NY: 'New York', CA: 'California', MO: 'Missouri', ID: 'Idaho', NH: 'New Hampshire' };

    const canonicalArb = fc.record({
      number: fc.integer({ min: 1, max: 99999 }),
      direction: fc.option(fc.nat(directions.length - 1), { nil: undefined }),
      name: fc.constantFrom(...names),
      suffix: fc.nat(suffixes.length - 1),
      unit: fc.option(fc.record({ word: fc.nat(units.length - 1), number: fc.integer({ min: 1, max: 999 }) }), { nil: undefined }),
      city: fc.constantFrom(...cities),
      state: fc.constantFrom(...Object.keys(stateNames)),
      zip: fc.integer({ min: 0, max: 99999 }).map((n) => String(n).padStart(5, '0')),
    });
    type Canonical = typeof canonicalArb extends fc.Arbitrary<infer T> ? T : never;

    const styleArb = fc.record({
      pick: fc.array(fc.nat(4), { minLength: 3, maxLength: 3 }),
      stateName: fc.boolean(),
      unitOnLine2: fc.boolean(),
      caseStyle: fc.constantFrom('upper', 'lower', 'asis'),
      comma: fc.boolean(),
      spaces: fc.constantFrom(' ', '  ', ' \t'),
      plus4: fc.option(fc.tuple(fc.integer({ min: 0, max: 9999 }), fc.constantFrom('-', '', ' ')), { nil: undefined }),
      country: fc.constantFrom(undefined, 'US', 'us'),
    });
    type Style = typeof styleArb extends fc.Arbitrary<infer T> ? T : never;

    function write(address: Canonical, style: Style): PostalAddress {
      const choose = (options: string[], index: number) => options[index % options.length]!;
      const applyCase = (text: string) => (style.caseStyle === 'upper' ? text.toUpperCase() : style.caseStyle === 'lower' ? text.toLowerCase() : text);
      const street = [
        String(address.number),
        ...(address.direction !== undefined ? [choose(directions[address.direction]!, style.pick[0]!)] : []),
        address.name,
        choose(suffixes[address.suffix]!, style.pick[1]!) + (style.comma && address.unit && !style.unitOnLine2 ? ',' : ''),
      ];
      const unit = address.unit ? [choose(units[address.unit.word]!, style.pick[2]!), String(address.unit.number)] : [];
      const plus4 = style.plus4 ? `${style.plus4[1]}${String(style.plus4[0]).padStart(4, '0')}` : '';
      return {
        line1: applyCase((style.unitOnLine2 ? street : [...street, ...unit]).join(style.spaces)),
        ...(style.unitOnLine2 && unit.length ? { line2: applyCase(unit.join(style.spaces)) } : {}),
        city: applyCase(address.city),
        state: applyCase(style.stateName ? stateNames[address.state]! : address.state),
        postalCode: address.zip + plus4,
        ...(style.country ? { country: style.country } : {}),
      };
    }

    it('any two usual writings of one address have one key', () => {
      fc.assert(
        fc.property(canonicalArb, styleArb, styleArb, (address, a, b) => {
          expect(normalizePostal(write(address, a))).toBe(normalizePostal(write(address, b)));
        }),
        { numRuns: 200 },
      );
    });

    it('addresses that differ in number, unit number or ZIP have different keys', () => {
      fc.assert(
        fc.property(canonicalArb, styleArb, fc.constantFrom('number', 'unit', 'zip'), (address, style, change) => {
          const other: Canonical =
            change === 'number'
              ? { ...address, number: address.number + 1 }
              : change === 'zip'
                ? { ...address, zip: String((Number(address.zip) + 1) % 100000).padStart(5, '0') }
                : { ...address, unit: { word: address.unit?.word ?? 0, number: (address.unit?.number ?? 0) + 1 } };
          expect(normalizePostal(write(other, style))).not.toBe(normalizePostal(write(address, style)));
        }),
        { numRuns: 200 },
      );
    });

    it('normalizing a key again (as the check API does for mail) gives the same key', () => {
      fc.assert(
        fc.property(canonicalArb, styleArb, (address, style) => {
          const key = normalizePostal(write(address, style));
          expect(normalizeChannelAddress('mail', key, 'US')).toBe(key);
        }),
        { numRuns: 200 },
      );
    });

    it('every key normalizePostal produces, from any input it accepts, is a 5-part key normalizeChannelAddress keeps as is', () => {
      const text = fc.oneof(
        fc.string({ maxLength: 30 }),
        fc.string({ unit: 'grapheme', maxLength: 20 }),
        fc.constantFrom('#4', 'Apt 4', '|', '-', ' ', 'North Carolina', 'Illinois', 'ß', 'ﬁ', 'Ü', 'İ', 'ı', '½', '١٢٣'),
      );
      // Most random text normalizes to nothing; a readable start and a ZIP keep many cases accepted.
      const readable = fc.oneof(
        text,
        fc.tuple(fc.constantFrom('1 Main', 'B', 'Zürich', '#'), text).map(([start, rest]) => start + rest),
      );
      const code = fc.oneof(text, fc.stringMatching(/^\d{5}(-?\d{4})?$/));
      const country = fc.oneof(fc.constantFrom('US', 'us', 'GB', 'ca', 'DE'), fc.string({ minLength: 2, maxLength: 2 }));
      const addressArb: fc.Arbitrary<PostalAddress> = fc.record(
        { line1: readable, line2: text, city: readable, state: text, postalCode: code, country },
        { requiredKeys: ['line1', 'city', 'postalCode'] },
      );
      fc.assert(
        fc.property(addressArb, (raw) => {
          let key: string;
          try {
            key = normalizePostal(raw);
          } catch (error) {
            expect(error).toBeInstanceOf(InvalidAddressError);
            return;
          }
          const parts = key.split('|');
          expect(parts).toHaveLength(5);
          expect(parts[0]).not.toBe('');
          expect(parts[1]).not.toBe('');
          expect(parts[3]).not.toBe('');
          expect(parts[4]).toMatch(/^[A-Z]{2}$/);
          expect(normalizeChannelAddress('mail', key, 'US')).toBe(key);
        }),
        {
          numRuns: 500,
          examples: [
            [{ line1: '1 High St', city: 'Leeds', postalCode: '-', country: 'GB' }],
            [{ line1: '1 Main St', city: 'Springfield', postalCode: 'X1', country: 'a|' }],
            [{ line1: '1 Main St', city: 'Springfield', postalCode: 'X1', country: 'ßx' }],
          ],
        },
      );
    });
  });
});

describe('normalizeExternalId', () => {
  it.each([
    ['crm-123', 'crm-123'],
    ['  crm-123\n', 'crm-123'],
    ['Salesforce:003XYZ', 'Salesforce:003XYZ'],
    ['ид-42', 'ид-42'],
    ['a b', 'a b'],
  ])('%j → %j', (raw, id) => {
    expect(normalizeExternalId(raw)).toBe(id);
  });

  it('keeps case: external ids are opaque', () => {
    expect(normalizeExternalId('ABC')).not.toBe(normalizeExternalId('abc'));
  });

  it('accepts 256 characters (after trimming) and rejects 257', () => {
    expect(normalizeExternalId('x'.repeat(256))).toHaveLength(256);
    expect(normalizeExternalId(`  ${'x'.repeat(256)}  `)).toHaveLength(256);
    expect(() => normalizeExternalId('x'.repeat(257))).toThrow(InvalidAddressError);
  });

  it.each(['', '   ', '\n\t', 'a\nb', 'a\tb', 'a\u0000b', 'a\u001fb'])('rejects %j', (raw) => {
    expect(() => normalizeExternalId(raw)).toThrow(InvalidAddressError);
  });
});

describe('subjectIdentities', () => {
  const postal = { line1: '123 Main Street', city: 'Springfield', state: 'IL', postalCode: '62704-1234' };

  it('normalizes every identity and returns them in the order phone, email, postal, externalId', () => {
    const input: SubjectInput = { externalId: ' crm-1 ', postal, email: ' Ana@Example.com', phone: '(415) 555-0100' };
    expect(subjectIdentities(input, 'US')).toEqual([
      { type: 'phone', value: '+14155550100' },
      { type: 'email', value: 'ana@example.com' },
      { type: 'postal', value: '123 MAIN ST|SPRINGFIELD|IL|62704|US' },
      { type: 'externalId', value: 'crm-1' },
    ]);
  });

  it('reads a national phone number in the default region', () => {
    expect(subjectIdentities({ phone: '07700 900001' }, 'GB')).toEqual([{ type: 'phone', value: '+447700900001' }]);
  });

  it('gives no identity for an empty subject', () => {
    expect(subjectIdentities({}, 'US')).toEqual([]);
  });

  it.each<[string, unknown]>([
    ['an unknown key', { fax: '+14155550100' }],
    ['an unknown key next to a known one', { phone: '+14155550100', twitter: '@ana' }],
    ['a phone that is not a string', { phone: 4155550100 }],
    ['an email that is not a string', { email: ['ana@example.com'] }],
    ['a postal address without city', { postal: { line1: '1 Main St', postalCode: '62704' } }],
    ['a subject that is not an object', 'ana@example.com'],
  ])('rejects %s with BadRequestError', (_, input) => {
    expect(() => subjectIdentities(input as SubjectInput, 'US')).toThrow(BadRequestError);
  });

  /*
   * Like the subject, the request and its evidence, a postal address refuses unknown fields: a
   * sender's `unit` must not be dropped without a word, landing the opt-out on the building's key.
   */
  it('rejects a postal address with an unknown field (e.g. `unit`) with BadRequestError', () => {
    expect(() => subjectIdentities({ postal: { ...postal, unit: 'Apt 4' } } as SubjectInput, 'US')).toThrow(BadRequestError);
    expect(() => subjectIdentities({ postal: { ...postal, line3: 'Rear' } } as SubjectInput, 'US')).toThrow(BadRequestError);
  });

  it('rejects a postal address whose country is not two letters A–Z with BadRequestError', () => {
    for (const country of ['USA', 'U1', 'a|']) {
      expect(() => subjectIdentities({ postal: { ...postal, country } }, 'US'), country).toThrow(BadRequestError);
    }
  });

  it.each<[string, SubjectInput]>([
    ['phone', { phone: 'not a number' }],
    ['email', { email: 'ana.example.com' }],
    ['postal', { postal: { ...postal, postalCode: '1234' } }],
    ['externalId', { externalId: '   ' }],
  ])('rejects an unreadable %s with InvalidAddressError', (_, input) => {
    expect(() => subjectIdentities(input, 'US')).toThrow(InvalidAddressError);
  });
});

describe('normalizeIdentity', () => {
  it.each<[Parameters<typeof normalizeIdentity>[0], unknown, string]>([
    ['phone', '415 555 0100', '+14155550100'],
    ['email', ' Ana@Example.com ', 'ana@example.com'],
    ['postal', { line1: '1 Main Street', city: 'Springfield', postalCode: '62704' }, '1 MAIN ST|SPRINGFIELD||62704|US'],
    ['externalId', ' crm-1 ', 'crm-1'],
  ])('%s %j → %s', (type, raw, value) => {
    expect(normalizeIdentity(type, raw, 'US')).toEqual({ type, value });
  });

  it.each<[Parameters<typeof normalizeIdentity>[0], unknown]>([
    ['phone', undefined],
    ['email', undefined],
    ['phone', 4155550100],
    ['postal', '1 Main Street, Springfield'],
    ['postal', { line1: '1 Main Street', unit: '4', city: 'Springfield', postalCode: '62704' }],
  ])('rejects %s %j with BadRequestError', (type, raw) => {
    expect(() => normalizeIdentity(type, raw, 'US')).toThrow(BadRequestError);
  });

  it('identityKey is type#value', () => {
    expect(identityKey(normalizeIdentity('email', 'Ana@Example.com', 'US'))).toBe('email#ana@example.com');
  });
});

describe('normalizeChannelAddress', () => {
  it('maps channels to identity types', () => {
    expect(channelIdentity).toEqual({ sms: 'phone', voice: 'phone', email: 'email', mail: 'postal' });
  });

  it.each([
    ['sms', '(415) 555-0100', '+14155550100'],
    ['voice', '+1 415 555 0100', '+14155550100'],
    ['email', ' Ana@Bücher.example ', 'ana@xn--bcher-kva.example'],
  ] as const)('%s %j → %s', (channel, raw, address) => {
    expect(normalizeChannelAddress(channel, raw, 'US')).toBe(address);
  });

  it('reads a phone in the default region', () => {
    expect(normalizeChannelAddress('sms', '07700 900001', 'GB')).toBe('+447700900001');
  });

  it('mail takes the postal key and is idempotent on a key from normalizePostal', () => {
    const key = normalizePostal({ line1: '123 Main Street, Apt 4', line2: 'c/o Ana', city: 'Springfield', state: 'IL', postalCode: '62704-1234' });
    expect(key).toBe('123 MAIN ST UNIT 4 C O ANA|SPRINGFIELD|IL|62704|US');
    expect(normalizeChannelAddress('mail', key, 'US')).toBe(key);
    const gb = normalizePostal({ line1: '10 Downing Street', city: 'London', postalCode: 'SW1A 2AA', country: 'GB' });
    expect(gb).toBe('10 DOWNING ST|LONDON||SW1A2AA|GB');
    expect(normalizeChannelAddress('mail', gb, 'US')).toBe(gb);
    const named = normalizePostal({ line1: '1 Main St', line2: '#4', city: 'Albany', state: 'New York', postalCode: '12207' });
    expect(named).toBe('1 MAIN ST UNIT 4|ALBANY|NY|12207|US');
    expect(normalizeChannelAddress('mail', named, 'US')).toBe(named);
  });

  it('mail normalizes a key-shaped address a sender wrote by hand', () => {
    expect(normalizeChannelAddress('mail', '123 Main Street, Apt. 4|springfield|il|62704-1234|us', 'US')).toBe('123 MAIN ST UNIT 4|SPRINGFIELD|IL|62704|US');
    expect(normalizeChannelAddress('mail', '123 Main St #4|Springfield|Illinois|62704|US', 'US')).toBe('123 MAIN ST UNIT 4|SPRINGFIELD|IL|62704|US');
  });

  it.each([
    '123 Main St, Springfield, IL 62704',
    '123 MAIN ST|SPRINGFIELD|IL|62704',
    '123 MAIN ST|SPRINGFIELD|IL|62704|US|X',
    // The former six-part form (LINE1|LINE2|…) is no key any more.
    '123 MAIN ST||SPRINGFIELD|IL|62704|US',
    '123 MAIN ST|UNIT 4|SPRINGFIELD|IL|62704|US',
    '||||',
    '|||||',
    '123 MAIN ST|SPRINGFIELD|IL|62704|USA',
    '123 MAIN ST|SPRINGFIELD||-|GB',
  ])('mail rejects %j, which is not a postal key', (raw) => {
    expect(() => normalizeChannelAddress('mail', raw, 'US')).toThrow(InvalidAddressError);
  });

  it.each([
    ['sms', 'not a number'],
    ['voice', ''],
    ['email', 'ana@example'],
    ['mail', '1 MAIN ST|SPRINGFIELD|IL|1234|US'],
  ] as const)('%s rejects %j with InvalidAddressError', (channel, raw) => {
    expect(() => normalizeChannelAddress(channel, raw, 'US')).toThrow(InvalidAddressError);
  });

  /*
   * normalizePostal must never produce a key normalizeChannelAddress('mail') refuses, or such an
   * address could be opted out but never checked. The two ways it used to: a non-US postal code of
   * punctuation only (normalized to nothing), and a country of any two characters ('a|' gave a
   * seven-part key, 'ßx' the three-letter 'SSX'). normalizePostal now refuses both inputs.
   */
  it('normalizePostal refuses a non-US postal code that normalizes to nothing, so it never makes a key mail refuses', () => {
    expect(() => normalizePostal({ line1: '1 High St', city: 'Leeds', postalCode: '-', country: 'GB' })).toThrow(InvalidAddressError);
    expect(() => normalizePostal({ line1: '1 High St', city: 'Leeds', postalCode: ' . ', country: 'GB' })).toThrow(InvalidAddressError);
    const key = normalizePostal({ line1: '1 High St', city: 'Leeds', postalCode: 'LS1 4DY', country: 'GB' });
    expect(normalizeChannelAddress('mail', key, 'US')).toBe(key);
  });

  it('normalizePostal refuses a country that is not two letters A–Z, so it never makes a key mail refuses', () => {
    for (const country of ['a|', 'ßx', '||', '1A', 'é1']) {
      expect(() => normalizePostal({ line1: '1 Main St', city: 'Springfield', postalCode: 'X1', country }), country).toThrow(InvalidAddressError);
    }
    const key = normalizePostal({ line1: '1 Main St', city: 'Springfield', postalCode: 'X1', country: 'de' });
    expect(key).toBe('1 MAIN ST|SPRINGFIELD||X1|DE');
    expect(normalizeChannelAddress('mail', key, 'US')).toBe(key);
  });
});
