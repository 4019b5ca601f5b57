/**
 * When a telephone solicitation (a call or a text) may reach a person, as data: the federal
 * window, the states whose rules are stricter, and Canada's. Each rule names its source. Hours
 * are the called party's local time, `from` inclusive and `to` exclusive (a 9 p.m. limit allows
 * 20:59, not 21:00). A day set to null allows no calls; `holidays`, when present, replaces the
 * day's hours on that jurisdiction's legal holidays (as date-holidays lists them).
 *
 * Rules change: an operator replaces or adds rules with CALLING_RULES (README), and this table is
 * reviewed against the statutes it cites. docs/registries-and-calling-windows.md prints it.
 */

export interface DayHours {
  /** HH:MM, 24-hour, local time of the called party. */
  from: string;
  to: string;
}

export interface CallingRule {
  /** `US` (federal), `US-FL` (a state), `CA` (Canada), or `organisation` (the operator's own quiet hours). */
  jurisdiction: string;
  weekdays: DayHours | null;
  saturday: DayHours | null;
  sunday: DayHours | null;
  /** On the jurisdiction's legal holidays; absent: as the day of the week. */
  holidays?: DayHours | null;
  /** `solicitation`: telemarketing only (the statutes); `all`: every call and text (quiet hours). */
  appliesTo: 'solicitation' | 'all';
  source: string;
}

const hours = (from: string, to: string): DayHours => ({ from, to });
const every = (from: string, to: string) => ({ weekdays: hours(from, to), saturday: hours(from, to), sunday: hours(from, to) });

export const defaultCallingRules: readonly CallingRule[] = [
  {
    jurisdiction: 'US',
    ...every('08:00', '21:00'),
    appliesTo: 'solicitation',
    source: '47 CFR 64.1200(c)(1) (TCPA); 16 CFR 310.4(c) (Telemarketing Sales Rule)',
  },
  {
    jurisdiction: 'CA',
    weekdays: hours('09:00', '21:30'),
    saturday: hours('10:00', '18:00'),
    sunday: hours('10:00', '18:00'),
    appliesTo: 'solicitation',
    source: 'CRTC Unsolicited Telecommunications Rules, Part III (Telemarketing Rules)',
  },
  {
    jurisdiction: 'US-AL',
    weekdays: hours('08:00', '20:00'),
    saturday: hours('08:00', '20:00'),
    sunday: null,
    holidays: null,
    appliesTo: 'solicitation',
    source: 'Ala. Admin. Code ch. 770-X-6 (Alabama PSC telephone solicitation rules); holidays: Ala. Code § 1-3-8',
  },
  {
    jurisdiction: 'US-CT',
    ...every('09:00', '20:00'),
    appliesTo: 'solicitation',
    source: 'Conn. Gen. Stat. § 42-288a (as amended by Public Act 23-98)',
  },
  {
    jurisdiction: 'US-FL',
    ...every('08:00', '20:00'),
    appliesTo: 'solicitation',
    source: 'Fla. Stat. § 501.616(6)(a)',
  },
  {
    jurisdiction: 'US-KY',
    ...every('10:00', '21:00'),
    appliesTo: 'solicitation',
    source: 'Ky. Rev. Stat. § 367.46955(15)',
  },
  {
    jurisdiction: 'US-LA',
    weekdays: hours('08:00', '20:00'),
    saturday: hours('08:00', '20:00'),
    sunday: null,
    holidays: null,
    appliesTo: 'solicitation',
    source: 'La. R.S. 45:844.11 et seq. (Telephone Solicitation Relief Act) and Louisiana PSC General Order',
  },
  {
    jurisdiction: 'US-MA',
    ...every('08:00', '20:00'),
    appliesTo: 'solicitation',
    source: 'Mass. Gen. Laws ch. 159C § 3; 201 CMR 12.02',
  },
  {
    jurisdiction: 'US-MD',
    ...every('08:00', '20:00'),
    appliesTo: 'solicitation',
    source: 'Md. Code, Com. Law § 14-4503 (Stop the Spam Calls Act of 2023)',
  },
  {
    jurisdiction: 'US-MS',
    weekdays: hours('08:00', '21:00'),
    saturday: hours('08:00', '21:00'),
    sunday: null,
    appliesTo: 'solicitation',
    source: 'Miss. Code Ann. §§ 77-3-603(a), 77-3-723(1)',
  },
  {
    jurisdiction: 'US-OK',
    ...every('08:00', '20:00'),
    appliesTo: 'solicitation',
    source: 'Okla. Stat. tit. 15, § 775C.4 (Telephone Solicitation Act of 2022)',
  },
  {
    jurisdiction: 'US-RI',
    weekdays: hours('09:00', '18:00'),
    saturday: hours('10:00', '17:00'),
    sunday: null,
    holidays: null,
    appliesTo: 'solicitation',
    source: 'R.I. Gen. Laws §§ 5-61-2(9), 5-61-3.6',
  },
  {
    jurisdiction: 'US-TX',
    weekdays: hours('09:00', '21:00'),
    saturday: hours('09:00', '21:00'),
    sunday: hours('12:00', '21:00'),
    appliesTo: 'solicitation',
    source: 'Tex. Bus. & Com. Code § 301.051',
  },
  {
    jurisdiction: 'US-UT',
    weekdays: hours('08:00', '21:00'),
    saturday: hours('08:00', '21:00'),
    sunday: null,
    holidays: null,
    appliesTo: 'solicitation',
    source: 'Utah Code § 13-26-4 (Telephone Fraud Prevention Act)',
  },
  {
    jurisdiction: 'US-WA',
    ...every('08:00', '20:00'),
    appliesTo: 'solicitation',
    source: 'Rev. Code Wash. § 80.36.390(2)',
  },
];
