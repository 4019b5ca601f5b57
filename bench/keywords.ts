import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { classify, type Intent, type KeywordMatch } from '../shared/core/keywords.js';

/**
 * Keyword classification throughput on one core, over a realistic mix: the labelled corpus below
 * (which test/unit/keywords.labelled.test.ts asserts, message by message) repeated. Printed, never
 * asserted. `npx tsx bench/keywords.ts` runs it alone.
 */

export interface LabelledMessage {
  text: string;
  intent: Intent;
  /** How it must match; absent for `none`. */
  kind?: Exclude<KeywordMatch['kind'], 'provider'>;
  /** The keyword (as listed) or phrase rule id it must match by, where that is the point. */
  by?: string;
  /** Why, where the label is a judgement call. */
  note?: string;
}

const out = (text: string, kind: LabelledMessage['kind'], by?: string, note?: string): LabelledMessage => ({ text, intent: 'opt-out', kind, by, note });
const optIn = (text: string, by: string, note?: string): LabelledMessage => ({ text, intent: 'opt-in', kind: 'keyword', by, note });
const help = (text: string, by: string, note?: string): LabelledMessage => ({ text, intent: 'help', kind: 'keyword', by, note });
const none = (text: string, note?: string): LabelledMessage => ({ text, intent: 'none', note });

/** Real-world-style inbound texts, labelled. Unicode escapes mark what cannot be seen. */
export const labelledMessages: readonly LabelledMessage[] = [
  // The FCC's per-se words, CTIA's and the providers', as whole messages.
  out('STOP', 'keyword', 'STOP'),
  out('stop', 'keyword', 'STOP'),
  out('Quit', 'keyword', 'QUIT'),
  out('end', 'keyword', 'END'),
  out('Revoke', 'keyword', 'REVOKE'),
  out('opt out', 'keyword', 'OPT OUT'),
  out('Opt-Out', 'keyword', 'OPT OUT'),
  out('OPTOUT', 'keyword', 'OPTOUT'),
  out('cancel', 'keyword', 'CANCEL'),
  out('Unsubscribe', 'keyword', 'UNSUBSCRIBE'),
  out('STOPALL', 'keyword', 'STOPALL'),
  out('stop all', 'keyword', 'STOP ALL'),
  out('Stop-All', 'keyword', 'STOP ALL'),
  out('remove', 'keyword', 'REMOVE'),
  out('TD', 'keyword', 'TD'),
  // Spanish and French.
  out('ALTO', 'keyword', 'ALTO'),
  out('parar', 'keyword', 'PARAR'),
  out('Para', 'keyword', 'PARA'),
  out('detener', 'keyword', 'DETENER'),
  out('Cancelar', 'keyword', 'CANCELAR'),
  out('baja', 'keyword', 'BAJA'),
  out('No más', 'keyword', 'NO MÁS'),
  out('NO MAS', 'keyword', 'NO MAS'),
  out('no mas!!', 'keyword', 'NO MAS'),
  out('desuscribir', 'keyword', 'DESUSCRIBIR'),
  out('Arrêt', 'keyword', 'ARRÊT'),
  out('ARRET', 'keyword', 'ARRET'),
  out('arrête', 'keyword', 'ARRÊTE'),
  out('Arrete', 'keyword', 'ARRETE'),
  out('Désabonner', 'keyword', 'DÉSABONNER'),
  out('desabonner', 'keyword', 'DESABONNER'),
  out('désinscrire', 'keyword', 'DÉSINSCRIRE'),
  out('FIN', 'keyword', 'FIN'),
  // Normalization: case, whitespace, punctuation, repeats, quotes.
  out('  Stop  ', 'keyword', 'STOP'),
  out('STOP!!!', 'keyword', 'STOP'),
  out('stop.', 'keyword', 'STOP'),
  out('"Stop"', 'keyword', 'STOP'),
  out('\u201cSTOP\u201d', 'keyword', 'STOP', 'curly double quotes'),
  out('\u2018stop\u2019', 'keyword', 'STOP', 'curly single quotes'),
  out('STOP STOP', 'keyword', 'STOP'),
  out('stop stop stop', 'keyword', 'STOP'),
  out('STOP. STOP. STOP.', 'keyword', 'STOP'),
  out('Stop all stop all', 'keyword', 'STOP ALL'),
  out('STOOOOOP', 'keyword', 'STOP', 'a letter typed three or more times is one letter'),
  out('sT\u043eP', 'keyword', 'STOP', 'a Cyrillic о among Latin letters is read as the O it looks like (UTS #39)'),
  out('stop\n', 'keyword', 'STOP'),
  out('\tUNSUBSCRIBE\r\n', 'keyword', 'UNSUBSCRIBE'),
  out('opt_out', 'keyword', 'OPT OUT'),
  out('opt \u2013 out', 'keyword', 'OPT OUT', 'en dash'),
  // Emoji anywhere.
  out('STOP \u{1F6D1}', 'keyword', 'STOP'),
  out('\u{1F64F} stop', 'keyword', 'STOP'),
  out('\u{1F621}\u{1F621}STOP\u{1F621}\u{1F621}', 'keyword', 'STOP'),
  out('stop \u{1F44D}\u{1F3FD}', 'keyword', 'STOP', 'emoji with a skin-tone modifier'),
  out('\u{1F1EB}\u{1F1F7} arrêt', 'keyword', 'ARRÊT', 'flag (regional indicators)'),
  out('\u{1F468}\u200D\u{1F469}\u200D\u{1F467} stop', 'keyword', 'STOP', 'ZWJ emoji sequence'),
  out('STOP \u2764\uFE0F', 'keyword', 'STOP', 'emoji with a variation selector'),
  // Compatibility forms and invisible characters.
  out('\uFF33\uFF34\uFF2F\uFF30', 'keyword', 'STOP', 'full-width'),
  out('\uFF53\uFF54\uFF4F\uFF50\uFF01', 'keyword', 'STOP', 'full-width lower case and !'),
  out('\uFF2F\uFF30\uFF34\u3000\uFF2F\uFF35\uFF34', 'keyword', 'OPT OUT', 'full-width with an ideographic space'),
  out('STOP\u200B', 'keyword', 'STOP', 'zero-width space'),
  out('\u200ESTOP', 'keyword', 'STOP', 'left-to-right mark'),
  out('S\u00ADTOP', 'keyword', 'STOP', 'soft hyphen'),
  out('\uFEFFstop', 'keyword', 'STOP', 'byte-order mark'),
  out('ST\u200DOP', 'keyword', 'STOP', 'zero-width joiner inside'),
  out('\u2066STOP\u2069', 'keyword', 'STOP', 'bidi isolates'),
  out('STOP\u3164', 'keyword', 'STOP', 'Hangul filler (default-ignorable)'),
  // Diacritics.
  out('ARRÈT', 'keyword', 'ARRET', 'wrong accent: matched accent-insensitively, reported as the unaccented spelling'),
  out('no ma\u0301s', 'keyword', 'NO MÁS', 'decomposed accent'),
  out('DÉSINSCRIRE', 'keyword', 'DÉSINSCRIRE'),
  // Natural-language revocations (English).
  out('please stop texting me', 'phrase', 'stop-contacting'),
  out('Stop sending me messages', 'phrase', 'stop-contacting'),
  out('can you please stop messaging me', 'phrase', 'stop-contacting'),
  out('quit texting me', 'phrase', 'stop-contacting'),
  out('Stop calling and texting this number', 'phrase', 'stop-contacting'),
  out('Who is this? Please stop texting me, I never signed up for anything', 'phrase', 'stop-contacting'),
  out("why don't you just stop texting me", 'phrase', 'why-dont-you-stop'),
  out('stop these texts', 'phrase', 'stop-messages'),
  out('please stop all the stupid messages', 'phrase', 'stop-messages'),
  out('enough with the texts', 'phrase', 'stop-messages'),
  out('how do I stop getting these', 'phrase', 'stop-receiving'),
  out('unsubscribe me', 'phrase', 'unsubscribe'),
  out('how do i unsubscribe from this', 'phrase', 'unsubscribe'),
  out('unsub', 'phrase', 'unsubscribe'),
  out('I want to opt out', 'phrase', 'opt-out'),
  out('please opt me out of these', 'phrase', 'opt-out'),
  out('I revoke my consent to receive texts', 'phrase', 'revoke-consent'),
  out('I withdraw consent', 'phrase', 'revoke-consent'),
  out("I've already unsubscribed twice, why am I still getting these", 'phrase', 'already-opted-out'),
  out('I said STOP', 'phrase', 'told-to-stop'),
  out('I already texted stop three times!!', 'phrase', 'told-to-stop'),
  out('remove me from your list', 'phrase', 'remove-me'),
  out('Please remove my number', 'phrase', 'remove-me'),
  out('delete me', 'phrase', 'remove-me'),
  out('take me off your list', 'phrase', 'take-me-off'),
  out('Take my number off the mailing list please', 'phrase', 'take-me-off'),
  out('put me on your do not call list', 'phrase', 'do-not-contact-list'),
  out('no more texts', 'phrase', 'no-more'),
  out('No more messages please', 'phrase', 'no-more'),
  out('no more!', 'phrase', 'no-more'),
  out("don't text me anymore", 'phrase', 'dont-contact'),
  out('do not contact me', 'phrase', 'dont-contact'),
  out('DO NOT TEXT', 'phrase', 'dont-contact'),
  out('never text me again', 'phrase', 'dont-contact'),
  out('don\u2019t message this number', 'phrase', 'dont-contact', 'curly apostrophe'),
  out("I don't want these texts", 'phrase', 'dont-want'),
  out('leave me alone', 'phrase', 'leave-me-alone', 'a revocation in context: the only thing a sender can do is stop'),
  out('wrong number', 'phrase', 'wrong-number', 'whoever this is never consented; suppress'),
  out('wrong number, stop', 'phrase', 'wrong-number'),
  out('Sorry, wrong person', 'phrase', 'wrong-number'),
  out('not interested', 'phrase', 'not-interested'),
  out("I'm not interested, thanks", 'phrase', 'not-interested'),
  out('cancel my subscription', 'phrase', 'cancel-subscription'),
  out("Hi, this is Maria's phone, she passed away last year. Please remove this number.", 'phrase', 'remove-me'),
  // Spanish and French revocations.
  out('no más mensajes por favor', 'phrase', 'es-no-mas-mensajes'),
  out('No me envíen más mensajes', 'phrase', 'es-no-me-envien'),
  out('no quiero recibir más mensajes', 'phrase', 'es-no-quiero'),
  out('dejen de enviarme mensajes', 'phrase', 'es-dejar-de'),
  out('Por favor paren de escribirme', 'phrase', 'es-dejar-de'),
  out('quiero darme de baja', 'phrase', 'es-baja'),
  out('desuscribirme por favor', 'phrase', 'es-desuscribir'),
  out('número equivocado', 'phrase', 'es-numero-equivocado'),
  out('déjame en paz', 'phrase', 'es-dejame-en-paz'),
  out('Ya basta!', 'phrase', 'es-basta'),
  out("arrêtez de m'envoyer des messages", 'phrase', 'fr-arretez-de'),
  out('Arrête de me texter', 'phrase', 'fr-arretez-de'),
  out('Arrêtez!', 'phrase', 'fr-arretez'),
  out('arrêtez ça svp', 'phrase', 'fr-arretez'),
  out('arrêt des SMS svp', 'phrase', 'fr-arret-messages'),
  out('plus de messages, merci', 'phrase', 'fr-arret-messages'),
  out('Je veux me désabonner', 'phrase', 'fr-desabonner'),
  out("ne m'envoyez plus rien", 'phrase', 'fr-ne-plus'),
  out('je ne veux plus recevoir vos textos', 'phrase', 'fr-ne-plus'),
  out('laissez-moi tranquille', 'phrase', 'fr-laissez-moi'),
  out('mauvais numéro', 'phrase', 'fr-mauvais-numero'),
  // Short messages with a keyword at the edge (conservative: suppress).
  out('stop please', 'edge-word', 'STOP'),
  out('Stop. Thank you', 'edge-word', 'STOP', 'p2pu #593'),
  out('stop lol', 'edge-word', 'STOP'),
  out('ok stop', 'edge-word', 'STOP'),
  out('please stop', 'edge-word', 'STOP'),
  out('STOP NOW', 'edge-word', 'STOP'),
  out('STOP ALL NOW', 'edge-word', 'STOP ALL', 'the longer keyword at the edge is reported'),
  out('Stop it', 'edge-word', 'STOP'),
  out('who is this? stop', 'edge-word', 'STOP'),
  out('yes stop', 'edge-word', 'STOP'),
  out('STOP 2', 'edge-word', 'STOP', 'a program number after STOP'),
  out('stop the car', 'edge-word', 'STOP', 'deliberately suppressed: short, starts with STOP, and no ordinary-meaning word follows'),
  out('Unsubscribe. Thanks', 'phrase', 'unsubscribe', 'UNSUBSCRIBE anywhere is a phrase before it is an edge word'),
  out('opt out pls', 'phrase', 'opt-out'),
  out('end please', 'edge-word', 'END', 'END is ambiguous: courtesy words only'),
  out('cancel pls', 'edge-word', 'CANCEL'),
  out('cancel my texts', 'phrase', 'stop-messages'),
  out('cancel it', 'edge-word', 'CANCEL'),
  out('I quit', 'edge-word', 'QUIT'),
  out('quit it', 'edge-word', 'QUIT'),
  out('remove me', 'phrase', 'remove-me'),
  out('para ya', 'edge-word', 'PARA'),
  out('alto por favor', 'edge-word', 'ALTO'),
  out('No más, gracias', 'edge-word', 'NO MÁS'),
  out('arrêt svp', 'edge-word', 'ARRÊT'),
  out('Arret merci', 'edge-word', 'ARRET'),
  out("arrêt s'il vous plaît", 'edge-word', 'ARRÊT'),
  out('fin merci', 'edge-word', 'FIN'),
  out('OK ALTO', 'edge-word', 'ALTO'),
  out('STOP \u{1F6D1} please', 'edge-word', 'STOP'),
  out('\uFF53\uFF54\uFF4F\uFF50 \uFF50\uFF4C\uFF53', 'edge-word', 'STOP', 'full-width, with a courtesy word'),
  // A keyword sentence in a longer message (Spoke #1016: STOP inside a text).
  out('I have no idea who you are or how you got my number. STOP.', 'sentence', 'STOP'),
  out('This is the third time I am asking you people. Stop please! Thanks', 'sentence', 'STOP'),
  out('Got your message about the sale on Saturday. Unsubscribe.', 'phrase', 'unsubscribe'),
  out('HELP STOP HELP', 'sentence', 'STOP', 'opt-out wins; help and opt-in keywords may share the sentence'),
  out('start stop start', 'sentence', 'STOP', 'opt-out wins'),
  out('Thanks for the update. End.', 'sentence', 'END', 'an ambiguous keyword as the last sentence'),
  out("Can't make it tomorrow. Cancel.", 'sentence', 'CANCEL', 'CANCEL is an FCC per-se word: suppressed even if an appointment was meant'),
  // Typos (accepted: one-word messages close to an unambiguous keyword).
  out('STPO', 'typo', 'STOP', 'adjacent letters swapped'),
  out('sotp', 'typo', 'STOP'),
  out('Stopp', 'typo', 'STOP', 'doubled letter'),
  out('unsubcribe', 'typo', 'UNSUBSCRIBE', 'letter missing'),
  out('Unsubscibe', 'typo', 'UNSUBSCRIBE'),
  out('unsubscrbe', 'typo', 'UNSUBSCRIBE'),
  out('UNSUBSCRIBED', 'typo', 'UNSUBSCRIBE', 'one letter added'),
  out('desabonne', 'phrase', 'fr-desabonner'),
  // Opt-out wins over opt-in and help.
  out('STOP HELP', 'edge-word', 'STOP', 'opt-out wins'),
  out('help stop', 'edge-word', 'STOP', 'opt-out wins'),
  out('START STOP', 'edge-word', 'STOP', 'opt-out wins'),
  out('stop start', 'edge-word', 'STOP', 'opt-out wins: a wrong START would lift a suppression'),
  out('Help! stop texting me', 'phrase', 'stop-contacting'),
  // Opt-in and help: exact keywords only.
  optIn('START', 'START'),
  optIn('start', 'START'),
  optIn(' Start! ', 'START'),
  optIn('UNSTOP', 'UNSTOP'),
  optIn('\uFF33\uFF34\uFF21\uFF32\uFF34', 'START', 'full-width'),
  optIn('START START', 'START'),
  optIn('start \u{1F44D}', 'START'),
  help('HELP', 'HELP'),
  help('help?', 'HELP'),
  help('Info', 'INFO'),
  help('AIDE', 'AIDE'),
  help('ayuda', 'AYUDA'),
  help('\u200BHELP', 'HELP'),
  // Ordinary messages that merely contain the word.
  none('can you stop by at 5?'),
  none("don't stop sending deals"),
  none('bus stop'),
  none("I'm at the bus stop"),
  none("I can't stop laughing"),
  none('when does the sale end?'),
  none('stop by the store'),
  none('Stop by anytime this week!'),
  none('non-stop flights?'),
  none('next stop'),
  none("don't stop"),
  none('never stop'),
  none('the end'),
  none('the end is near'),
  none('cancel my order #123', 'CANCEL is ambiguous: ORDER is not a courtesy word'),
  none('Can I cancel my appointment for tomorrow?'),
  none('remove item 3 from my cart'),
  none('I quit my job today'),
  none('quit smoking program info'),
  none('I never said stop', 'negated'),
  none("I don't want to stop receiving these", 'negated'),
  none("please don't unsubscribe me"),
  none('no more than 2 people please', 'NO MORE must end the clause or name messages'),
  none('stop and shop has a sale'),
  none('What time does the store open?'),
  none('Thanks, see you Saturday'),
  none('yes'),
  none('YES', 'YES is not a documented opt-in'),
  none('ok'),
  none('help me', 'help is read as the exact keyword only'),
  none('start over', 'opt-in is never inferred'),
  none('information'),
  none('stopping'),
  none('STOPS', 'an added S is not accepted for four-letter keywords'),
  none('unstoppable'),
  none('SPOT'),
  none('TD bank is closed today'),
  none('fin de semana?'),
  none('para mañana?'),
  none('alto volumen'),
  none('Baja California'),
  none('arrêt de bus'),
  none('Le film a une belle fin heureuse'),
  none('my stop!'),
  none(''),
  none('\u{1F6D1}'),
  none('!!!'),
  none('\u200B\u200B'),
  none('Is the stop on Main St closed?'),
  none('End. See you at 5', 'an ambiguous keyword sentence that is not the last one'),
  none('It was a great movie. The end.'),
  none("I don't know what you mean. I'm done with the old plan"),
  none('Can you send me the stop-loss details again? My broker told me to ask you and I want to make sure it is set'),
  // Letters separated by punctuation or spaces: joined when together they spell an opt-out keyword.
  out('S T O P', 'keyword', 'STOP', 'spelled-out letters are joined'),
  out('S.T.O.P', 'keyword', 'STOP'),
  out('s-t-o-p', 'keyword', 'STOP'),
  out('S.T.O.P.', 'keyword', 'STOP'),
  out('s_t_o_p', 'keyword', 'STOP'),
  out('S*T*O*P', 'keyword', 'STOP'),
  out('S / T / O / P', 'keyword', 'STOP'),
  out('S. T. O. P.', 'keyword', 'STOP'),
  out('S.T.O.P!!!', 'keyword', 'STOP'),
  out('ST.OP', 'keyword', 'STOP', 'pieces joined by punctuation without a space'),
  out('un-subscribe', 'keyword', 'UNSUBSCRIBE'),
  out('U.N.S.U.B.S.C.R.I.B.E', 'keyword', 'UNSUBSCRIBE'),
  out('Q U I T', 'keyword', 'QUIT'),
  out('a.l.t.o', 'keyword', 'ALTO'),
  out('A R R E T', 'keyword', 'ARRET'),
  out('O-P-T O-U-T', 'keyword', 'OPTOUT', 'single letters join across one space too: the one-word spelling'),
  out('S T O P please', 'edge-word', 'STOP'),
  out('S.T.O.P texting me', 'phrase', 'stop-contacting'),
  none('U.S.A. trip next week?'),
  none('A.S.A.P. please send the form'),
  none('bus s.t.o.p', 'a spelled-out STOP keeps its ordinary meanings'),
  none('s-t-o-p by the store later'),
  none('P.S. see you at 5'),
  none('Q&A at 5pm'),
  none('R.S.V.P. by Friday'),
  none('B-E-S-T deal ever'),
  none('top-up my account please'),
  none('A.M. or P.M.?'),
  none('ST OP', 'pieces of several letters separated by a space are two words'),
  none('Stop & Shop', 'a store name'),
  none('Stop & Shop has a sale on apples'),
  // Digits for letters: folded only where the word then is an opt-out keyword.
  out('ST0P', 'keyword', 'STOP', 'a zero for an O'),
  out('5TOP', 'keyword', 'STOP'),
  out('S70P', 'keyword', 'STOP'),
  out('5T0P', 'keyword', 'STOP'),
  out('UNSUBSCR1BE', 'keyword', 'UNSUBSCRIBE'),
  out('QU1T', 'keyword', 'QUIT'),
  out('3ND', 'keyword', 'END'),
  out('CANC3L', 'keyword', 'CANCEL'),
  out('0PT 0UT', 'keyword', 'OPT OUT'),
  out('4LTO', 'keyword', 'ALTO'),
  out('Arr3t', 'keyword', 'ARRET'),
  out('ST000P', 'keyword', 'STOP'),
  out('5 T 0 P', 'keyword', 'STOP'),
  out('st0p pls', 'edge-word', 'STOP'),
  out('st0p texting me', 'phrase', 'stop-contacting'),
  none('5 top deals this week'),
  none('Table for 4 at 7?'),
  none('call me at 555-0100'),
  none('I need 10 more'),
  none('room 4B'),
  none('B4 noon'),
  none('1 2 3 4'),
  none('3 stops left'),
  none('route 66 bus stop'),
  none('$50 off at Stop & Shop'),
  none('5070'),
  none('12:30 works'),
  // Letters from other scripts that look Latin (Unicode confusables, UTS #39).
  out('\u0421\u0422\u041e\u0420', 'keyword', 'STOP', 'Cyrillic С Т О Р'),
  out('\u0405\u0422\u041e\u0420', 'keyword', 'STOP', 'Cyrillic Ѕ Т О Р'),
  out('\u0455\u0442\u043e\u0440', 'keyword', 'STOP', 'lower-case Cyrillic ѕ т о р'),
  out('S\u03a4\u039fP', 'keyword', 'STOP', 'Greek tau and omicron'),
  out('\uff33\uff34\uff10\uff30', 'keyword', 'STOP', 'full-width, with a full-width zero'),
  out('\u{1d412}\u{1d413}\u{1d40e}\u{1d40f}', 'keyword', 'STOP', 'mathematical bold'),
  out('\ua4e2\ua4d4\ua4f3\ua4d1', 'keyword', 'STOP', 'Lisu letters'),
  out('U\u039d\u0405U\u0412\u0405\u0421R\u0406\u0412\u0415', 'keyword', 'UNSUBSCRIBE', 'Greek and Cyrillic capitals'),
  out('\u041e\u0420\u0422 \u041eU\u0422', 'keyword', 'OPT OUT'),
  out('\u0410L\u0422\u041e', 'keyword', 'ALTO'),
  out('\u0405top texting me', 'phrase', 'stop-contacting'),
  out('\u0440l\u0435\u0430\u0455\u0435 \u0455t\u043ep', 'edge-word', 'STOP', 'Cyrillic р е а ѕ о'),
  out('remove m\u0435 from your list', 'phrase', 'remove-me', 'a Cyrillic е'),
  none('\u0421\u043f\u0430\u0441\u0438\u0431\u043e', 'Russian "thank you": a word with letters that look like no Latin letter is left alone'),
  none('\u041f\u0440\u0438\u0432\u0435\u0442, \u043a\u0430\u043a \u0434\u0435\u043b\u0430?'),
  none('\u039a\u03b1\u03bb\u03b7\u03bc\u03ad\u03c1\u03b1'),
  none('bus \u0455\u0442\u043e\u0440'),
  none('\u0405top by the store'),
  none('St\u043ep & Sh\u043ep has a sale'),
  none('\u0441\u0442\u043e\u043f\u043a\u0440\u0430\u043d', 'Russian: П has no Latin look-alike, so the word stays Cyrillic'),
  // Withdrawals of permission with no keyword.
  out('I no longer want these messages', 'phrase', 'dont-want'),
  out('I no longer wish to receive texts from you', 'phrase', 'dont-want'),
  out('take me off', 'phrase', 'take-me-off'),
  out('Take me off please', 'phrase', 'take-me-off'),
  out('how do I get off this list', 'phrase', 'take-me-off'),
  out('get me off this!', 'phrase', 'take-me-off'),
  out("I'd like to be removed", 'phrase', 'be-removed'),
  out('I want to be removed from this', 'phrase', 'be-removed'),
  out('please have my number removed', 'phrase', 'be-removed'),
  out('I do not want to be contacted', 'phrase', 'dont-want-contact'),
  out("don't want to hear from you again", 'phrase', 'dont-want-contact'),
  out("I don't want to receive these anymore", 'phrase', 'dont-want-contact'),
  out('I no longer consent to these messages', 'phrase', 'no-consent'),
  out('You do not have my permission to text me', 'phrase', 'no-consent'),
  out('I never signed up for this', 'phrase', 'no-consent'),
  out('I withdraw my permission', 'phrase', 'revoke-consent'),
  out('lose my number', 'phrase', 'remove-me'),
  out('stop bugging me', 'phrase', 'stop-contacting'),
  out('Go away', 'phrase', 'go-away'),
  out('Do not call or text me', 'phrase', 'dont-contact'),
  out('no longer interested', 'phrase', 'not-interested'),
  out('s\u00e1quenme de su lista', 'phrase', 'es-sacame-de-la-lista'),
  out('b\u00f3rrenme de la lista por favor', 'phrase', 'es-sacame-de-la-lista'),
  out('eliminen mi n\u00famero', 'phrase', 'es-sacame-de-la-lista'),
  out('no me vuelvan a escribir', 'phrase', 'es-no-me-vuelvan'),
  out('no me sigan enviando mensajes', 'phrase', 'es-no-me-vuelvan'),
  out('ya no deseo recibir mensajes', 'phrase', 'es-no-quiero'),
  out('no quiero que me contacten', 'phrase', 'es-no-quiero-que'),
  out('no me interesa', 'phrase', 'es-no-me-interesa'),
  out('retirez-moi de votre liste', 'phrase', 'fr-retirez-moi'),
  out('supprimez mon num\u00e9ro', 'phrase', 'fr-retirez-moi'),
  out('je ne souhaite plus recevoir de messages', 'phrase', 'fr-ne-plus'),
  out('ne me texte plus', 'phrase', 'fr-ne-plus'),
  out("\u00e7a ne m'int\u00e9resse pas", 'phrase', 'fr-pas-interesse'),
  out('je ne suis pas int\u00e9ress\u00e9', 'phrase', 'fr-pas-interesse'),
  out('je retire mon consentement', 'phrase', 'fr-consentement'),
  out('retiro mi consentimiento', 'phrase', 'es-consentimiento'),
  out('plus jamais de messages', 'phrase', 'fr-arret-messages'),
  none("I don't want to be removed from the list", 'negated'),
  none("Please don't take me off the list", 'negated'),
  none('The stain was removed, thanks'),
  none('Take me off the schedule for Friday', 'a schedule is not a contact list'),
  none('I no longer want the blue one, can I get red?'),
  none('We go away on Friday'),
  none('I never signed up for the class yet, how do I?'),
  none("I don't want to get this wrong"),
  none('How do I get off at the next station?'),
  none('Can you take me off the waitlist for Tuesday and put me on Wednesday?'),
  none('no me interesa el color rojo, prefiero el azul'),
  none('\u00bfMe pueden sacar una cita?'),
  none('je ne suis pas s\u00fbr'),
  none('Leave me a message if you need anything'),
  none("I'm never going to stop ordering from you guys"),
  none('I want to be taken off the schedule'),
  none("you don't have my permission to post that photo"),
  none('I do not consent to the surgery'),
  none('get me out of here'),
  none('I never agreed to this price'),
  none('I never signed up for this class, can I still come?'),
];

function formatRate(perSecond: number): string {
  return Math.round(perSecond).toLocaleString('en-US');
}

function measure(texts: readonly string[], total: number): { rate: number; optOuts: number } {
  let optOuts = 0;
  const started = performance.now();
  for (let i = 0; i < total; i++) if (classify(texts[i % texts.length]!).intent === 'opt-out') optOuts++;
  const seconds = (performance.now() - started) / 1000;
  return { rate: total / seconds, optOuts };
}

/**
 * How the engine reads the labelled messages: recall (opt-outs read as opt-outs) and false
 * positives (anything else read as an opt-out).
 */
export function keywordAccuracy(rows: readonly LabelledMessage[] = labelledMessages): {
  optOuts: number;
  found: number;
  others: number;
  falsePositives: number;
} {
  let optOuts = 0;
  let found = 0;
  let others = 0;
  let falsePositives = 0;
  for (const row of rows) {
    const optOut = classify(row.text).intent === 'opt-out';
    if (row.intent === 'opt-out') {
      optOuts++;
      if (optOut) found++;
    } else {
      others++;
      if (optOut) falsePositives++;
    }
  }
  return { optOuts, found, others, falsePositives };
}

const percent = (part: number, whole: number) => `${((100 * part) / whole).toFixed(1)}%`;

/** Lines to print: classifications per second on this core, over the labelled mix and two slices of it, and the accuracy on it. */
export async function benchKeywords(): Promise<string[]> {
  const total = Number(process.env.BENCH_KEYWORD_CLASSIFICATIONS ?? 200_000);
  const all = labelledMessages.map((m) => m.text);
  const keywords = labelledMessages.filter((m) => m.kind === 'keyword').map((m) => m.text);
  const ordinary = labelledMessages.filter((m) => m.intent === 'none').map((m) => m.text);
  measure(all, 20_000); // warm up: compile the lists, let the JIT settle
  const mix = measure(all, total);
  const exact = measure(keywords, total);
  const plain = measure(ordinary, total);
  const accuracy = keywordAccuracy();
  const line = (label: string, rate: number, detail: string) => `${label.padEnd(34)} ${formatRate(rate).padStart(11)} messages/s   ${detail}`;
  return [
    line(
      'keyword classification',
      mix.rate,
      `(${total.toLocaleString('en-US')} over the ${all.length} labelled messages; ${((100 * mix.optOuts) / total).toFixed(0)}% opt-out)`,
    ),
    line('  exact keywords only', exact.rate, `(${keywords.length} messages)`),
    line('  ordinary messages only', plain.rate, `(${ordinary.length} messages, every rule tried)`),
    `${'  labelled opt-outs read as opt-out'.padEnd(34)} ${percent(accuracy.found, accuracy.optOuts).padStart(11)}              (${accuracy.found} of ${accuracy.optOuts}: recall)`,
    `${'  other messages read as opt-out'.padEnd(34)} ${percent(accuracy.falsePositives, accuracy.others).padStart(11)}              (${accuracy.falsePositives} of ${accuracy.others}: false positives)`,
  ];
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const line of await benchKeywords()) console.log(line);
}
