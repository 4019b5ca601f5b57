/**
 * What an inbound text asks for. Pure and fast: no I/O, the same text (and lists) always classify
 * the same way, and the result says how it matched so that an auditor can see why a message was
 * (or was not) read as a STOP.
 *
 * Every rule reads the message's words with the usual disguises of a keyword undone:
 * - letters from other scripts that look Latin are read as the Latin letter (Unicode confusables,
 *   UTS #39: Cyrillic "ЅТОР", Greek "ΤΟ", Lisu, Cherokee, …; see shared/core/confusables.ts), in
 *   words whose every letter is Latin or such a look-alike, so that Russian "стоп" stays Russian.
 *   This is part of `normalizeText`, so it holds for every intent ("ЅТАRТ" is START).
 * - letters spelled out ("S T O P", "S.T.O.P", "s-t-o-p") or a keyword broken by punctuation
 *   ("ST.OP", "un-subscribe") are joined, and digits are read as the letters they look like ("ST0P",
 *   "5TOP", "UNSUBSCR1BE"), but only where the result is a word of an opt-out keyword: "U.S.A.",
 *   "B4", "room 4B" and "S.T.A.R.T" stay as they are, a number is never a word, and a
 *   digit-spelled word has at least three letters (a seat "7D" is not TD).
 *
 * The rules, in the order they are tried (the first that matches decides):
 *
 * 1. `keyword`: after normalization (see `normalizeText`; plus repeated words folded, "STOP STOP"
 *    and "stop stop stop" are "STOP") the whole message is an opt-out keyword.
 * 2. `phrase`: a natural-language revocation anywhere in the message, of any length ("please stop
 *    texting me", "remove me from your list", "no more texts", "don't text me anymore"), including
 *    withdrawals of permission with no keyword: a negation with a contact verb ("never message
 *    me again"), remove or take off with me and a list ("take me off", "get me off this list", "I'd
 *    like to be removed"), no longer wanting messages or contact ("I no longer want these
 *    messages", "I don't want to be contacted"), consent denied ("you do not have my permission to
 *    text me", "I never signed up for this"), "leave me alone", "go away", and the same in Spanish
 *    and French. A rule does not fire right after a negation ("don't stop sending deals", "please
 *    don't take me off the list"). See `englishPhrases` etc.
 * 3. `edge-word`: a short message (at most `shortMessageWords` words, 6 by default) that starts or
 *    ends with an opt-out keyword ("stop lol", "ok stop", "Stop. Thank you"). Conservative by
 *    design: when in doubt, suppress. Exceptions, for the keyword's ordinary meanings:
 *    - "stop by / in / over / at / for …" at the start, and "bus / next / last / pit / the … stop"
 *      or a negation ("don't stop", "can't stop") at the end, are not revocations;
 *    - an *ambiguous* keyword (a word with an everyday meaning: END, QUIT, CANCEL, REMOVE, FIN,
 *      PARA, ALTO, BAJA, …) counts only when every other word is a courtesy word ("end please",
 *      "cancel my texts", "I quit"): "when does the sale end?" and "cancel my order" are not.
 * 4. `sentence`: a sentence, in a message of any length, that is nothing but an opt-out keyword,
 *    courtesy words and other intents' keywords ("I never signed up for any of this. STOP.",
 *    "HELP STOP HELP"); an ambiguous keyword only as the last sentence ("Thanks. End.").
 * 5. `typo`: a one-word message within one edit of an unambiguous opt-out keyword of 7+ letters
 *    ("UNSUBCRIBE", "unsubscribed"), or, for shorter ones, one swap of adjacent letters or one
 *    doubled letter ("STPO", "SOTP", "STOPP"). Nothing looser: "STOPS", "STOPPING" and "ST OP"
 *    (two pieces of several letters separated by a space) are not read as STOP.
 * 6. opt-in and help: only the exact keyword (same normalization). "help me" and "start over" are
 *    `none`; re-subscribing is never inferred.
 *
 * Opt-out wins: every opt-out rule is tried before opt-in and help, so "STOP HELP", "HELP STOP",
 * "START STOP" and "STOP START" are opt-outs (a missed STOP is the costly mistake; a wrongly read
 * START would lift a suppression). A word listed under several intents counts as opt-out.
 */

import { latinLookalikes } from './confusables.js';

export type Intent = 'opt-out' | 'opt-in' | 'help' | 'none';

/** How an intent was recognised. `provider` is set by shared/intake/sms/inbound.ts, never by `classify`. */
export type KeywordMatch =
  | { kind: 'keyword'; keyword: string }
  | { kind: 'phrase'; phrase: string }
  | { kind: 'edge-word'; keyword: string; position: 'start' | 'end' }
  | { kind: 'sentence'; keyword: string }
  | { kind: 'typo'; keyword: string; typed: string }
  | { kind: 'provider'; provider: string };

export interface Classification {
  intent: Intent;
  /** How the intent was recognised; absent for `none`. */
  match?: KeywordMatch;
}

/**
 * A natural-language revocation. `pattern` is a regular-expression source matched against the
 * message's words: upper case, diacritics removed, apostrophes of English contractions dropped
 * ("DON'T" → "DONT") and other apostrophes made spaces ("m'envoyer" → "M ENVOYER"), one space
 * between words, and " | " where punctuation separates clauses. The pattern always matches whole
 * words. `<START>` and `<END>` stand for the start and end of a clause. Unless `negatable` is
 * false, a match right after a negation ("DONT", "NEVER", "NOT", "DONT WANT TO", "PAS ME", …) is
 * ignored.
 */
export interface PhraseRule {
  id: string;
  pattern: string;
  negatable?: boolean;
}

/** One language's words. Keywords are listed as they are reported; matching ignores case and accents. */
export interface LanguageKeywords {
  optOut: readonly string[];
  optIn: readonly string[];
  help: readonly string[];
  /**
   * Opt-out keywords that also have everyday meanings. As a whole message they are opt-outs like
   * any keyword; at the edge of a short message only next to courtesy words, and never by typo.
   */
  ambiguous?: readonly string[];
  /** Words that may accompany a keyword without changing its meaning ("please", "merci", "ya"). */
  courtesy?: readonly string[];
  phrases?: readonly PhraseRule[];
}

/**
 * The lists `classify` reads. `{ optOut, optIn, help }` alone is still a complete configuration:
 * exactly those keywords (none of them ambiguous), with the edge-word, sentence and typo rules over
 * them and the built-in courtesy words, but no phrases and no default keywords (to build on the
 * defaults, use `configureKeywords({ extra })`). Treated as immutable: `classify` compiles each
 * lists object once and keeps it in a WeakMap.
 */
export interface KeywordLists extends LanguageKeywords {
  /** Which built-in languages were merged in (informational). */
  languages?: readonly string[];
  /** The edge-word rule applies to messages of at most this many words; 0 turns it off. Default 6. */
  shortMessageWords?: number;
  /** The `sentence` rule; default on. */
  sentences?: boolean;
  /** The `typo` rule; default on. */
  typos?: boolean;
}

export type Language = 'en' | 'es' | 'fr';

// ------------------------------------------------------------------------------------------------
// The built-in lists
// ------------------------------------------------------------------------------------------------

/** Message nouns shared by several English phrases. */
const NOUNS =
  '(?:TEXTS?|TXTS?|MESSAGES?|MSGS?|SMS|SMSES|TEXT MESSAGES|NOTIFICATIONS?|ALERTS?|EMAILS?|CALLS|PROMOS?|PROMOTIONS?|ADS|ADVERTS?|SPAM|MARKETING|UPDATES|REMINDERS|OFFERS)';
const CONTACTING =
  '(?:TEXTING|TXTING|TEXTIN|TXTIN|MESSAGING|MSGING|SENDING|CONTACTING|CALLING|EMAILING|SPAMMING|BOTHERING|HARASSING|HASSLING|PESTERING|BUGGING|PINGING|HOUNDING|BLOWING UP MY (?:PHONE|CELL)|HITTING ME UP)';
/** A negation in front of a wish: "don't", "do not", "no longer", "never". */
const NOT_ANYMORE = '(?:DONT|DO NOT|NO LONGER|DONT EVER|NEVER|DONT REALLY|DO NOT REALLY)';
/** Being contacted, in the passive: what a person no longer wants to be. */
const CONTACTED =
  '(?:CONTACTED|TEXTED|MESSAGED|CALLED|EMAILED|BOTHERED|SPAMMED|HARASSED|ON (?:YOUR|UR|THE|THIS|ANY) (?:LIST|LISTS|MAILING LIST|TEXT LIST|CONTACT LIST))';
/** Contacting someone, as the verb after "permission to". */
const CONTACT = '(?:TEXT|TXT|MESSAGE|MSG|CONTACT|CALL|EMAIL|SEND|SMS)';
/** Whoever sends the messages. */
const YOU = '(?:YOU|U|YALL|Y ALL|YOU GUYS|YOU PEOPLE|YOUR COMPANY|THIS NUMBER|THIS COMPANY)';
/** Courtesy words that may close a clause-long revocation ("go away thanks", "take me off ok?"). */
const CLOSING = '(?: (?:PLEASE|PLS|PLZ|THANKS|THANK YOU|THX|TY|OK|OKAY|NOW|ASAP|ALREADY|LOL|SERIOUSLY)){0,2}';
/** Which messages: "these", "your", "all the", … before a message noun. */
const WHICH = '(?:ANY ?MORE |THESE |THIS |THOSE |YOUR |UR |ANY |ALL |THE |ALL THESE |ALL YOUR |ALL THE |ALL OF THESE |ALL OF YOUR )';
/** A contact list and what people call one. */
const LIST = '(?:LISTS?|MAILING LIST|TEXT LIST|TEXTING LIST|CONTACT LIST|CONTACTS|DATABASE|SYSTEM|TEXTS|MESSAGES)';
/** After "removed": from a list or from these messages, if from anything ("removed from the carpool schedule" is not a revocation). */
const REMOVED_FROM = `(?! FROM (?!(?:(?:YOUR |UR |THE |THIS |THAT |ALL |ALL YOUR |ANY )?${LIST}|THIS|THESE|HERE|IT|THEM|YOU|YOUR|UR)(?: |$)))`;
const ME = '(?:ME|US|MY NUMBER|MY PHONE|MY CELL|THIS NUMBER|THIS PHONE|MY NAME|MY INFO)';

/**
 * English revocations. The FCC judges wording beyond its per-se words "on the totality of the
 * circumstances"; these are the ones people write (p2pu #593/#372: "Stop. Thank you", "please stop
 * sending…"; Spoke #1016: STOP inside a sentence).
 */
export const englishPhrases: readonly PhraseRule[] = [
  // Before the negation guard would discard "why don't you just stop texting me".
  {
    id: 'why-dont-you-stop',
    pattern: `WHY (?:DONT|WONT|CANT|DO NOT|WILL NOT|CAN NOT|CANNOT) (?:YOU|U|YALL|Y ALL)(?: JUST)? (?:STOP|QUIT|LEAVE ME ALONE)`,
    negatable: false,
  },
  { id: 'stop-contacting', pattern: `(?:STOP|QUIT|CEASE|STOPPING) ${CONTACTING}` },
  {
    id: 'stop-messages',
    pattern: `(?:STOP|QUIT|END|CANCEL|STOP ALL|ENOUGH)(?: IT)? (?:(?:WITH )?(?:THE|THESE|THOSE|THIS|ALL|YOUR|UR|ALL THE|ALL THESE|ALL YOUR|MY)(?: [^ |]+)? )?${NOUNS}`,
  },
  { id: 'stop-receiving', pattern: `(?:STOP|QUIT|CEASE|END) (?:RECEIVING|GETTING)` },
  { id: 'cease-contact', pattern: `CEASE (?:ALL |ANY )?(?:COMMUNICATIONS?|CONTACT|CONTACTING)|CEASE AND DESIST` },
  /** Weariness with the messages: "I've had enough of these texts", "sick of getting these messages". */
  {
    id: 'tired-of-messages',
    pattern: `(?:HAD ENOUGH|TIRED|SICK|SICK AND TIRED|FED UP|DONE) (?:OF|WITH) (?:(?:GETTING|RECEIVING) )?${WHICH}?${NOUNS}`,
  },
  { id: 'unsubscribe', pattern: `UNSUBSCRIBE|UNSUB|UNSUBSCRIBING` },
  { id: 'opt-out', pattern: `OPT OUT|OPTOUT|OPT ME OUT|OPT ${ME} OUT|OPTING OUT` },
  { id: 'revoke-consent', pattern: `REVOKE|REVOKING|(?:WITHDRAW|WITHDRAWING|RESCIND|RESCINDING) (?:MY |ALL |ANY )?(?:CONSENT|PERMISSION)` },
  /**
   * Consent denied: "I do not consent", "you don't have my permission", "I never signed up for
   * this". Past refusals count only about these messages ("I never agreed to pay that" does not).
   */
  {
    id: 'no-consent',
    pattern: `(?:I|WE) (?:DO NOT|DONT|NO LONGER) (?:CONSENT|GIVE (?:YOU )?(?:MY )?(?:CONSENT|PERMISSION))(?:${CLOSING}<END>| TO (?:THIS|THESE|THAT|BEING|RECEIVING|RECEIVE|BE|ANY|YOUR|UR))|${YOU} (?:DO NOT|DONT|NO LONGER) HAVE (?:MY |OUR )?(?:CONSENT|PERMISSION)(?:${CLOSING}<END>| TO ${CONTACT})|${YOU} HAVE NO (?:CONSENT|PERMISSION) TO ${CONTACT}|(?:NEVER|DIDNT|DID NOT) (?:AUTHORIZE|AUTHORIZED|PERMIT|PERMITTED) (?:THESE|THESE ${NOUNS}|${YOU} TO ${CONTACT})|(?:NEVER|DIDNT|DID NOT) (?:SIGN UP|SIGNED UP|SUBSCRIBE|SUBSCRIBED|OPT IN|OPTED IN) (?:FOR|TO) (?:(?:THIS|THESE|THAT|ANY OF THIS|ANY OF THESE|ANYTHING|IT)(?: (?:CRAP|STUFF|JUNK|SPAM|NONSENSE|SERVICE|LIST))?${CLOSING}<END>|(?:THIS |THESE |YOUR |UR |ANY )?${NOUNS})|(?:NEVER|DIDNT|DID NOT) (?:SIGN UP|SIGNED UP|SUBSCRIBE|SUBSCRIBED|OPT IN|OPTED IN|AGREE|AGREED|CONSENT|CONSENTED|ASK|ASKED) (?:FOR|TO) (?:(?:THIS |THESE |YOUR |UR |ANY )?${NOUNS}|(?:RECEIVE|RECEIVING|GET|GETTING|BE CONTACTED|BE TEXTED|BEING CONTACTED|BEING TEXTED))`,
    negatable: false,
  },
  { id: 'already-opted-out', pattern: `(?:I|IVE|I HAVE|I ALREADY|IVE ALREADY|I HAVE ALREADY|ALREADY) (?:UNSUBSCRIBED|OPTED OUT)` },
  {
    id: 'told-to-stop',
    pattern: `(?:SAID|TOLD (?:YOU|U|YALL|Y ALL)|(?:ASK|ASKED|TELL) (?:YOU|U|YALL|Y ALL)|TEXTED|REPLIED|REPLIED WITH|SENT|TYPED|WROTE|ANSWERED) (?:TO )?(?:STOP(?! (?:BY|IN|OVER|AT|OFF|FOR|AND|ON)(?: |$))|STOPALL|UNSUBSCRIBE|REMOVE ME|OPT OUT)`,
  },
  { id: 'remove-me', pattern: `(?:REMOVE|DELETE|ERASE|LOSE|SCRUB|PURGE) ${ME}|<START>(?:PLEASE|PLS|PLZ|KINDLY) (?:REMOVE|DELETE)${CLOSING}<END>` },
  /** Asking to be removed, in the passive: "I'd like to be removed", "please have my number removed". */
  {
    id: 'be-removed',
    pattern: `(?:WANT|WANNA|LIKE|WISH|NEED|ASK|ASKING|ASKED|REQUEST|REQUESTING|PLEASE|PLS|PLZ|CAN I|HOW DO I|HOW CAN I|COULD I|MAY I)(?: TO)? (?:BE|GET) (?:(?:REMOVED|DELETED)${REMOVED_FROM}|UNSUBSCRIBED|OPTED OUT|TAKEN (?:OFF|OUT)(?:(?: OF)? (?:YOUR |UR |THE |THIS |THAT )?${LIST}|${CLOSING}<END>))|(?:HAVE|GET|WANT|NEED|LIKE) ${ME} (?:REMOVED|DELETED|ERASED|TAKEN OFF|UNSUBSCRIBED|OPTED OUT)${REMOVED_FROM}`,
  },
  {
    id: 'take-me-off',
    pattern: `(?:TAKE|DROP|GET|PULL|KICK|PUT) ${ME} (?:OFF|OUT OF|FROM)(?: OF)? (?:YOUR |UR |THE |THIS |THAT |ALL |ALL YOUR |YOUR TEXT |THE TEXT |YOUR MAILING |THE MAILING |YOUR TEXTING )?${LIST}|(?:GET|WANT|WANNA|NEED|WANT TO BE|NEED TO BE) (?:OFF|OUT)(?: OF)? (?:YOUR |UR |THE |THIS |THAT )?(?:LIST|LISTS|MAILING LIST|TEXT LIST|TEXTING LIST|CONTACT LIST)|(?:TAKE|GET|PULL|KICK|DROP) ${ME} OFF(?: OF)?(?: (?:THIS|THESE|HERE|IT|THAT|THIS THING|THIS CRAP)){0,2}${CLOSING}<END>`,
  },
  { id: 'do-not-contact-list', pattern: `(?:PUT|ADD|PLACE) ${ME} (?:ON|TO|IN) (?:YOUR |UR |THE )?(?:DO NOT|DONT|DNC)` },
  {
    id: 'no-more',
    pattern: `NO MORE (?:${NOUNS}|TEXTING|MESSAGING|CONTACT)|<START>(?:(?:PLEASE|PLS|PLZ|OK|OH) )?NO MORE(?: (?:PLEASE|PLS|PLZ|THANKS|THANK YOU|THX|EVER))?<END>|<START>(?:(?:PLEASE|PLS|PLZ) )?NO (?:CONTACT|TEXTING|TEXTS|MESSAGES|MESSAGING|SMS|CALLS|PROMOS|SPAM)${CLOSING}<END>`,
  },
  {
    id: 'dont-contact',
    pattern: `(?:DONT|DO NOT|NEVER|DONT EVER|DO NOT EVER|PLEASE DONT|PLEASE DO NOT|(?:CAN|COULD|WOULD|WILL) (?:YOU|U|YALL)(?: PLEASE| PLS| PLZ| JUST)? NOT) (?:(?:CALL|EMAIL) (?:OR|AND|NOR) )?(?:TEXT|TXT|MESSAGE|MSG|CONTACT|SMS|SPAM|BOTHER|SEND)(?: (?:ME|US|THIS NUMBER|MY NUMBER|MY PHONE|THIS PHONE|HERE)| ANY(?: ?MORE)? ${NOUNS}|(?: (?:ANYMORE|ANY MORE|AGAIN|EVER AGAIN))?<END>)`,
  },
  {
    id: 'dont-want',
    pattern: `${NOT_ANYMORE} (?:WANT|NEED|WISH) (?:TO (?:RECEIVE|GET) )?${WHICH}?(?:ANY ?MORE )?${NOUNS}`,
  },
  /** Not wanting to be contacted, or to hear from the sender, or to receive "these" (messages, as the reply to them). */
  /** A preference stated as a refusal: "I'd rather not receive these", "I would prefer not to be contacted". */
  {
    id: 'rather-not',
    pattern: `(?:RATHER NOT|PREFER NOT TO|PREFER TO NOT|PREFER NOT) (?:(?:RECEIVE|GET) (?:(?:THESE|THEM|THIS|ANY|ANYTHING)(?: ANY ?MORE)?${CLOSING}<END>|${WHICH}?${NOUNS})|BE ${CONTACTED})`,
  },
  {
    id: 'dont-want-contact',
    pattern: `${NOT_ANYMORE} (?:WANT|WANNA|WISH|NEED|LIKE)(?: TO)? (?:BE ${CONTACTED}|HEAR FROM ${YOU}|(?:RECEIVE|GET) (?:THESE|THEM|THIS|ANY|ANYTHING)(?: (?:ANY ?MORE|AGAIN|EVER AGAIN|FROM ${YOU}))?${CLOSING}<END>)`,
  },
  { id: 'leave-me-alone', pattern: `LEAVE (?:ME|US|MY NUMBER|MY PHONE) (?:ALONE|BE)` },
  { id: 'wrong-number', pattern: `WRONG (?:NUMBER|NUMBR|NUM|PERSON)` },
  { id: 'not-interested', pattern: `<START>(?:IM |I AM )?(?:NOT|NO LONGER) INTERESTED(?: (?:ANYMORE|ANY MORE))?${CLOSING}<END>` },
  { id: 'go-away', pattern: `<START>(?:(?:PLEASE|PLS|PLZ|JUST|OK|NOW) ){0,2}GO AWAY${CLOSING}<END>` },
  { id: 'cancel-subscription', pattern: `(?:CANCEL|END|STOP|TERMINATE) (?:MY |THE |THIS |ALL |YOUR )?(?:SUBSCRIPTIONS?|TEXT SUBSCRIPTION|SMS SUBSCRIPTION)` },
];

/** Spanish revocations. */
export const spanishPhrases: readonly PhraseRule[] = [
  { id: 'es-no-mas-mensajes', pattern: `NO MAS (?:MENSAJES|MENSAJITOS|TEXTOS|SMS|PROMOCIONES|CORREOS|LLAMADAS|NOTIFICACIONES|PUBLICIDAD)` },
  {
    id: 'es-no-me-envien',
    pattern: `NO (?:ME|NOS) (?:ENVIE|ENVIEN|ENVIES|MANDE|MANDEN|MANDES|ESCRIBA|ESCRIBAN|ESCRIBAS|CONTACTE|CONTACTEN|CONTACTES|MOLESTE|MOLESTEN|MOLESTES|TEXTEE|TEXTEEN)`,
  },
  {
    id: 'es-no-quiero',
    pattern: `NO (?:QUIERO|DESEO|QUEREMOS|DESEAMOS) (?:(?:RECIBIR|MAS|SUS|TUS|ESTOS|LOS) )*(?:MENSAJES|TEXTOS|SMS|PROMOCIONES|NOTIFICACIONES)`,
  },
  {
    id: 'es-no-quiero-que',
    pattern: `NO (?:QUIERO|DESEO|QUEREMOS) QUE (?:ME|NOS) (?:CONTACTEN|CONTACTE|ESCRIBAN|ESCRIBA|ENVIEN|ENVIE|MANDEN|MANDE|TEXTEEN|MOLESTEN|MOLESTE|LLAMEN|SIGAN)|NO (?:QUIERO|DESEO|QUEREMOS|DESEAMOS) SER (?:CONTACTADO|CONTACTADA|CONTACTADOS|MOLESTADO|MOLESTADA)`,
  },
  {
    id: 'es-no-me-vuelvan',
    pattern: `NO (?:ME|NOS) (?:VUELVAN|VUELVA|VUELVAS) A (?:ENVIAR|MANDAR|ESCRIBIR|CONTACTAR|MOLESTAR|TEXTEAR|LLAMAR)|NO (?:ME|NOS) (?:SIGAN|SIGA|SIGAS) (?:ENVIANDO|MANDANDO|ESCRIBIENDO|MOLESTANDO|CONTACTANDO|TEXTEANDO)`,
  },
  {
    id: 'es-sacame-de-la-lista',
    pattern: `(?:SAQUENME|SACAME|SAQUEME|SACARME|QUITENME|QUITAME|QUITEME|QUITARME|BORRENME|BORRAME|BORREME|BORRARME|ELIMINENME|ELIMINAME|ELIMINEME|ELIMINARME|EXCLUYANME|RETIRENME|DENME DE BAJA) (?:DE|DEL) (?:(?:SU|TU|LA|ESTA|ESA|SUS|LAS) )?(?:LISTAS?|BASE DE DATOS|SISTEMA|DIFUSION)|(?:BORREN|BORRA|BORRE|ELIMINEN|ELIMINA|ELIMINE|QUITEN|QUITA|QUITE|SAQUEN|SACA|SAQUE) (?:MI NUMERO|MIS DATOS|ESTE NUMERO|MI TELEFONO|MI CONTACTO)|<START>(?:POR FAVOR )?(?:SAQUENME|SACAME|QUITENME|QUITAME|BORRENME|BORRAME|ELIMINENME|ELIMINAME)(?: (?:POR FAVOR|YA|GRACIAS|PORFA))?<END>`,
  },
  { id: 'es-no-me-interesa', pattern: `<START>(?:YA )?NO (?:ME INTERESA|ME INTERESAN|ESTOY INTERESADO|ESTOY INTERESADA)(?: (?:GRACIAS|MAS|POR FAVOR))?<END>` },
  { id: 'es-consentimiento', pattern: `(?:RETIRO|REVOCO|RETIRAR|REVOCAR) (?:MI )?(?:CONSENTIMIENTO|PERMISO|AUTORIZACION)` },
  {
    id: 'es-dejar-de',
    pattern: `(?<!(?:^| )NO )(?:DEJA|DEJEN|DEJE|DEJAR|PAREN|PARE|PARA|PARAR|DETENGAN|DETENGA) DE (?:ENVIAR|MANDAR|ESCRIBIR|CONTACTAR|MOLESTAR|LLAMAR|TEXTEAR)(?:ME|NOS)?`,
  },
  { id: 'es-baja', pattern: `(?<!(?:^| )NO (?:ME )?)(?:DAR|DARME|DARSE|DENME|DEME|DOY|DEN) DE BAJA` },
  {
    id: 'es-desuscribir',
    pattern: `DESUSCRIBIR(?:ME|SE)?|DESUSCRIBAN(?:ME)?|DESUSCRIBEME|DESINSCRIBIR(?:ME)?|(?:CANCELAR|CANCELEN|CANCELE|CANCELA|CANCELO) (?:MI |LA )?SUSCRIPCION`,
  },
  { id: 'es-numero-equivocado', pattern: `NUMERO EQUIVOCADO|EQUIVOCADO DE NUMERO` },
  { id: 'es-dejame-en-paz', pattern: `(?:DEJAME|DEJENME|DEJEME) EN PAZ` },
  { id: 'es-basta', pattern: `<START>(?:YA )?BASTA(?: (?:YA|POR FAVOR|PORFA|DE MENSAJES|GRACIAS))?<END>` },
];

const FR_NOUNS = '(?:MESSAGES|TEXTOS|SMS|TEXTES|NOTIFICATIONS|PUBS|PUBLICITES|ENVOIS|COURRIELS)';

/** French revocations (Canada requires French keywords and French replies to them). */
export const frenchPhrases: readonly PhraseRule[] = [
  {
    id: 'fr-arretez-de',
    pattern: `(?:ARRETEZ|ARRETE|ARRETER|CESSEZ|CESSE|CESSER) (?:DE|D) (?:(?:M|ME|NOUS|N) )?(?:ENVOYER|ECRIRE|TEXTER|CONTACTER|APPELER|HARCELER|SPAMMER|DERANGER)`,
  },
  {
    id: 'fr-arret-messages',
    pattern: `(?:ARRETEZ|ARRETE|ARRET|ARRETER) (?:DE |D |LES |VOS |CES |DES |AUX )?${FR_NOUNS}|<START>(?:PLUS|PAS)(?: JAMAIS)? (?:DE|D) ${FR_NOUNS}`,
  },
  { id: 'fr-arretez', pattern: `<START>(?:(?:OK|SVP|MERCI) )?ARRETEZ(?: (?:SVP|STP|MERCI|TOUT|CA|S IL VOUS PLAIT))*<END>` },
  { id: 'fr-desabonner', pattern: `DESABONNE[RZ]?(?: MOI)?|DESINSCRI(?:RE|VEZ|S)(?: MOI)?|DESABONNEMENT|DESINSCRIPTION` },
  {
    id: 'fr-ne-plus',
    pattern: `(?:NE|N) (?:M|ME|NOUS) (?:ENVOYEZ|ENVOIE|ENVOIES|ECRIVEZ|ECRIS|CONTACTEZ|CONTACTE|TEXTEZ|TEXTE|TEXTES|APPELEZ|DERANGEZ) PLUS|(?:NE|N) (?:VEUX|VEUT|VOULONS|SOUHAITE|SOUHAITONS|DESIRE) PLUS (?:RECEVOIR|DE|D|VOS|CES|LES|DES|ETRE CONTACTE)|NE PLUS (?:ME |M |NOUS )?(?:CONTACTER|ENVOYER|ECRIRE|TEXTER|APPELER|DERANGER|RECEVOIR)`,
  },
  { id: 'fr-laissez-moi', pattern: `(?:LAISSEZ|LAISSE) MOI TRANQUILLE|(?:FICHEZ|FICHE|FOUTEZ|FOUS) MOI LA PAIX` },
  { id: 'fr-mauvais-numero', pattern: `(?:MAUVAIS|FAUX) NUMERO|ERREUR DE NUMERO` },
  {
    id: 'fr-retirez-moi',
    pattern: `(?:RETIREZ|RETIRE|ENLEVEZ|ENLEVE|SUPPRIMEZ|SUPPRIME|EFFACEZ|EFFACE|OTEZ|OTE|RAYEZ) (?:MOI|MON NUMERO|MES COORDONNEES|MES DONNEES|CE NUMERO)|(?:ETRE|SOIS) (?:RETIRE|RETIREE|SUPPRIME|SUPPRIMEE|RAYE|RAYEE) (?:DE|DES) (?:VOTRE |TA |LA |CETTE |VOS |LES )?(?:LISTES?|FICHIERS?|BASE)`,
  },
  { id: 'fr-pas-interesse', pattern: `(?:CA )?(?:NE|N) M INTERESSE(?:NT)? PAS|<START>(?:JE )?(?:NE )?SUIS PAS INTERESSEE?(?: (?:MERCI|DU TOUT))?<END>` },
  { id: 'fr-consentement', pattern: `(?:RETIRE|REVOQUE|RETIRER|REVOQUER|RETIRONS) (?:MON |NOTRE )?(?:CONSENTEMENT|AUTORISATION|ACCORD)` },
];

/**
 * The built-in languages. `en` is the union of the FCC's per-se revocation words (FCC 24-24: stop,
 * quit, end, revoke, opt out, cancel, unsubscribe), CTIA's (STOP, STOPALL, UNSUBSCRIBE, CANCEL,
 * END, QUIT; HELP, INFO) and the words the major providers honour whatever the language (OPTOUT,
 * OPT-OUT, REMOVE, STOP ALL, ARRET/ARRÊT, TD): a provider that blocks on them while we do not
 * would leave our record behind the carrier's. Hyphenated and spaced forms ("OPT-OUT", "STOP-ALL")
 * are the same keyword after normalization, so only one is listed.
 *
 * Spanish: no authoritative list exists (reference §2); these are the words in common use, "NO MAS"
 * being the one an FCC commentator names. French: ARRET, ARRÊT, ARRETE (Canadian carriers), plus
 * STOP, DÉSABONNER, DÉSINSCRIRE, FIN; help AIDE (required in Canada), INFO. No source lists Spanish
 * or French opt-in words, and YES is not a documented opt-in, so none are added.
 */
export const keywordLanguages: Readonly<Record<Language, LanguageKeywords>> = {
  en: {
    optOut: ['STOP', 'STOPALL', 'STOP ALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT', 'REVOKE', 'OPTOUT', 'OPT OUT', 'REMOVE', 'ARRET', 'ARRÊT', 'TD'],
    optIn: ['START', 'UNSTOP'],
    help: ['HELP', 'INFO'],
    ambiguous: ['CANCEL', 'END', 'QUIT', 'REMOVE', 'ARRET', 'TD'],
    courtesy: [
      'PLEASE',
      'PLS',
      'PLZ',
      'PLEEZ',
      'THANKS',
      'THANK',
      'YOU',
      'U',
      'THX',
      'TY',
      'TYSM',
      'THANKYOU',
      'OK',
      'OKAY',
      'K',
      'KK',
      'NOW',
      'ALREADY',
      'IT',
      'THIS',
      'THAT',
      'ALL',
      'ME',
      'US',
      'LOL',
      'LMAO',
      'SORRY',
      'HI',
      'HELLO',
      'HEY',
      'YES',
      'YEAH',
      'YEP',
      'NO',
      'NOPE',
      'NAH',
      'JUST',
      'SO',
      'AND',
      'OH',
      'I',
      'WE',
      'THEN',
      'RIGHT',
      'ASAP',
      'AGAIN',
      'TOO',
      'ANYMORE',
      'FOREVER',
      'MY',
      'TEXTS',
      'TEXT',
      'MESSAGES',
      'MESSAGE',
      'MSGS',
      'MSG',
      'SMS',
      'TEXTING',
      'MESSAGING',
      'SUBSCRIPTION',
      'ALERTS',
      'NOTIFICATIONS',
      'THESE',
      'THOSE',
      'SIR',
      'MAAM',
      'GUYS',
      'FOLKS',
    ],
    phrases: englishPhrases,
  },
  es: {
    optOut: ['ALTO', 'PARAR', 'PARA', 'DETENER', 'CANCELAR', 'BAJA', 'NO MÁS', 'NO MAS', 'DESUSCRIBIR'],
    optIn: [],
    help: ['AYUDA'],
    ambiguous: ['ALTO', 'PARAR', 'PARA', 'CANCELAR', 'BAJA', 'NO MAS'],
    courtesy: ['POR', 'FAVOR', 'PORFA', 'PORFAVOR', 'GRACIAS', 'YA', 'AHORA', 'SI', 'TODO', 'TODOS', 'ME', 'MENSAJES', 'MENSAJE', 'SMS', 'TEXTOS', 'NO'],
    phrases: spanishPhrases,
  },
  fr: {
    optOut: ['ARRÊT', 'ARRET', 'ARRÊTE', 'ARRETE', 'STOP', 'DÉSABONNER', 'DESABONNER', 'DÉSINSCRIRE', 'DESINSCRIRE', 'FIN', 'TD'],
    optIn: [],
    help: ['AIDE', 'INFO'],
    ambiguous: ['ARRET', 'ARRETE', 'FIN', 'TD'],
    courtesy: ['SVP', 'STP', 'S', 'IL', 'VOUS', 'PLAIT', 'TE', 'MERCI', 'OUI', 'NON', 'MAINTENANT', 'TOUT', 'TOUS', 'ME', 'MOI', 'MESSAGES', 'SMS', 'TEXTOS'],
    phrases: frenchPhrases,
  },
};

export interface KeywordOptions {
  /** Built-in languages to merge, in order. Default: English, Spanish and French. */
  languages?: readonly Language[];
  /** Added after the languages' words: an organisation's own keywords, phrases or courtesy words. */
  extra?: Partial<LanguageKeywords>;
  shortMessageWords?: number;
  sentences?: boolean;
  typos?: boolean;
}

function unique<T>(values: Iterable<T>): T[] {
  return [...new Set(values)];
}

/** Keyword lists for the given languages plus any extra words. */
export function configureKeywords(options: KeywordOptions = {}): KeywordLists {
  const languages = options.languages ?? (['en', 'es', 'fr'] as const);
  const parts: LanguageKeywords[] = [...languages.map((language) => keywordLanguages[language]), ...(options.extra ? [options.extra as LanguageKeywords] : [])];
  const merged = <K extends keyof LanguageKeywords>(key: K) => parts.flatMap((part) => (part[key] ?? []) as NonNullable<LanguageKeywords[K]>[number][]);
  const phrases: PhraseRule[] = [];
  for (const rule of merged('phrases')) if (!phrases.some((known) => known.id === rule.id)) phrases.push(rule);
  return Object.freeze({
    languages: [...languages],
    optOut: unique(merged('optOut')),
    optIn: unique(merged('optIn')),
    help: unique(merged('help')),
    ambiguous: unique(merged('ambiguous')),
    courtesy: unique(merged('courtesy')),
    phrases,
    shortMessageWords: options.shortMessageWords ?? 6,
    sentences: options.sentences ?? true,
    typos: options.typos ?? true,
  });
}

/** English, Spanish and French, with every rule on. */
export const defaultKeywords: KeywordLists = configureKeywords();

// ------------------------------------------------------------------------------------------------
// Normalization
// ------------------------------------------------------------------------------------------------

// biome-ignore lint/suspicious/noControlCharactersInRegex: the range is all of ASCII; anything outside it needs normalizing.
const NON_ASCII = /[^\x00-\x7f]/;
/** Invisible characters: format characters (ZWSP, ZWJ, direction marks, soft hyphen, BOM, tags) and other default-ignorables (variation selectors, Hangul fillers). */
const INVISIBLE = /[\p{Cf}\p{Default_Ignorable_Code_Point}]+/gu;
const MARKS = /[\p{Mn}\p{Me}]+/gu;
const EMOJI = /[\p{Extended_Pictographic}\p{Emoji_Modifier}\p{Regional_Indicator}]+/gu;
const DASHES = /[\p{Pd}_]+/gu;
const HYPHENS = /-/g;
/** Letters that look like a Latin capital (UTS #39 confusables), each to that capital. */
const LOOKALIKE = new Map(Object.entries(latinLookalikes).flatMap(([latin, sources]) => [...sources].map((source) => [source, latin] as const)));
const LOOKALIKE_CLASS = `[${[...LOOKALIKE.keys()].join('')}]`;
const ANY_LOOKALIKE = new RegExp(LOOKALIKE_CLASS, 'u');
const LOOKALIKES = new RegExp(LOOKALIKE_CLASS, 'gu');
/** A letter that is neither Latin nor a look-alike of one. */
const OTHER_SCRIPT_LETTER = new RegExp(`(?!\\p{Script=Latin}|${LOOKALIKE_CLASS})\\p{L}`, 'u');
/**
 * Cyrillic С looks like a C but is the letter for S, and is typed for either ("СТОР", "САNСЕL"):
 * it is written as this stand-in (Latin Ꞓ, which nobody types) until `words` knows which reading
 * spells a keyword, and as C otherwise.
 */
const C_OR_S = '\ua792';
const CYRILLIC_ES = /^[\u0421\u0441]$/;
const STAND_IN = /\ua792/g;
/** A word with its accents (the text is decomposed at this point) and digits. */
const DECOMPOSED_WORD = /[\p{L}\p{M}\p{N}]+/gu;
/** One character that is trimmed from either end of a message: whitespace, punctuation or a symbol. */
const EDGE = /^[\s\p{P}\p{S}]$/u;
const SPACES = /\s+/g;

/** The code point that ends just before `end`, as a string (one or two code units). */
function codePointBefore(s: string, end: number): string {
  const low = s.charCodeAt(end - 1);
  const high = end >= 2 ? s.charCodeAt(end - 2) : 0;
  return low >= 0xdc00 && low <= 0xdfff && high >= 0xd800 && high <= 0xdbff ? s.slice(end - 2, end) : s.slice(end - 1, end);
}

/**
 * The text without whitespace, punctuation and symbols at either end. By scanning rather than by
 * `/[…]+$/`, which a regex engine retries from every character of a run that does not reach the
 * end: "STOP" followed by 100,000 spaces and an "x" took seconds that way.
 */
function trimEdges(s: string): string {
  let start = 0;
  while (start < s.length) {
    const c = String.fromCodePoint(s.codePointAt(start)!);
    if (!EDGE.test(c)) break;
    start += c.length;
  }
  let end = s.length;
  while (end > start) {
    const c = codePointBefore(s, end);
    if (!EDGE.test(c)) break;
    end -= c.length;
  }
  return s.slice(start, end);
}

/**
 * A word whose every letter is Latin or looks like a Latin letter, spelled in Latin ("ЅТОР" → STOP,
 * "sТоp" → sTOp); any other word as it is. A word with a letter that looks like no Latin letter
 * (Russian "стоп" has П) is a word of its own script, and is left alone.
 */
function latinWord(word: string): string {
  if (!ANY_LOOKALIKE.test(word) || OTHER_SCRIPT_LETTER.test(word)) return word;
  return word.replace(LOOKALIKES, (c) => (CYRILLIC_ES.test(c) ? C_OR_S : LOOKALIKE.get(c)!));
}

/**
 * Dashes and underscores become "-" (a gap between words, which `words` may join across: "un-
 * subscribe"); `normalizeText` shows them as spaces.
 */
function normalize(text: string, fold: boolean): string {
  let s = text;
  if (NON_ASCII.test(s)) {
    // Compatibility forms (full-width letters, ligatures, ideographic space) first, then what is
    // invisible: phones and copy-paste put zero-width and direction characters into keywords.
    // Decomposed, so that an accent on a look-alike letter does not hide it.
    s = s.normalize('NFKC').replace(INVISIBLE, '').normalize('NFD');
    if (ANY_LOOKALIKE.test(s)) s = s.replace(DECOMPOSED_WORD, latinWord);
    s = s.toUpperCase();
    if (fold) s = s.replace(MARKS, '');
    s = s.normalize('NFC').replace(EMOJI, ' ');
  } else {
    s = s.toUpperCase();
  }
  return trimEdges(s.replace(DASHES, '-')).replace(SPACES, ' ');
}

/**
 * The canonical form matching works on: compatibility characters folded (full-width letters),
 * invisible format characters removed, letters of other scripts that look Latin spelled in Latin
 * (Unicode confusables, UTS #39: Cyrillic "СТОР" is STOP), upper case, accents removed (ARRÊT =
 * ARRET, NO MÁS = NO MAS), emoji made spaces, dashes and underscores between words made spaces,
 * surrounding whitespace, punctuation and symbols removed, runs of whitespace made one space.
 */
export function normalizeText(text: string): string {
  return normalize(text, true).replace(HYPHENS, ' ').replace(STAND_IN, 'C').replace(SPACES, ' ');
}

const APOSTROPHES = /[’‘ʼ`´]/g;
/** English contractions lose their apostrophe (DON'T → DONT); other apostrophes separate words (M'ENVOYER). */
const CONTRACTION = /(\p{L})'(S|T|RE|VE|LL|D|M)(?![\p{L}\p{N}])/gu;
/** Letters typed three or more times in a row are one letter (STOOOOP, PLEEEASE). */
const ELONGATION = /(\p{L})\1{2,}/gu;
const WORD = /[\p{L}\p{N}]+/gu;
const SENTENCE_END = /[.!?;…¡¿。！？]/;
const CLAUSE_BREAK = /[.!?;…¡¿。！？,:()[\]{}"“”«»]/;

interface Words {
  /** The words, with adjacent repeats folded ("STOP STOP PLEASE" → STOP, PLEASE). */
  words: string[];
  /** The words joined by spaces, with " | " where punctuation separates clauses. */
  joined: string;
  /** Index in `words` of the first word of each sentence after the first. */
  sentenceStarts: number[];
}

/**
 * The opt-out keywords' words (STOP, UNSUBSCRIBE, OPT, OUT, …) and their beginnings: what pieces
 * of a message may be joined into, and when to stop trying.
 */
interface Joins {
  words: ReadonlySet<string>;
  prefixes: ReadonlySet<string>;
  /** The most pieces a word can be written in: one per letter of the longest keyword word. */
  longest: number;
}

/** Digits typed for the letters they look like. A 1 is an I or an L, a Cyrillic С a C or an S: each reading is tried. */
const DIGIT_LETTERS: Readonly<Record<string, string>> = { '0': 'O', '3': 'E', '4': 'A', '5': 'S', '7': 'T', '8': 'B' };
const DIGIT = /[0-9]/;
const REREAD = /[0-9\ua792]/;
const READINGS = [
  ['I', 'C'],
  ['L', 'C'],
  ['I', 'S'],
  ['L', 'S'],
] as const;
const ONLY_DIGITS = /^\p{N}+$/u;
const ANY_LETTER = /\p{L}/u;
const REPEATED_LETTER = /(\p{L})\1{2,}/gu;

function reread(piece: string, [one, es]: (typeof READINGS)[number]): string {
  if (!REREAD.test(piece)) return piece;
  let letters = '';
  for (const c of piece) letters += c === '1' ? one : c === C_OR_S ? es : (DIGIT_LETTERS[c] ?? c);
  return letters.replace(REPEATED_LETTER, '$1'); // ST000P: the zeros were an elongated O
}

/**
 * The keyword word that the pieces from `from` on spell, if any (`spelledNext` is then the index
 * after the last piece used). Pieces join when they are single characters separated by at most
 * three characters of spaces or punctuation ("S T O P", "S.T.O.P", "s - t - o - p"), or pieces of
 * any length separated by punctuation without a space ("ST.OP", "un-subscribe"); digits read as
 * the letters they look like ("ST0P", "5 T 0 P"). Only what then spells a keyword word is joined,
 * and never pieces that are keyword words already ("opt-out" stays OPT OUT). A word of digits
 * alone is a number, never a keyword, and a digit-spelled word has at least three letters (a seat
 * "7D" is not TD).
 */
function spelledAt(pieces: readonly string[], gaps: readonly string[], from: number, joins: Joins): string | undefined {
  const first = pieces[from]!;
  // Most words start no keyword word: answered before anything else is done.
  if (!REREAD.test(first) && !joins.prefixes.has(first)) return undefined;
  // One spelling while nothing can be read two ways; the four readings once a 1 or a С appears.
  let plain = '';
  let readings: string[] | undefined;
  let hasLetter = false;
  let hasDigit = false;
  let hasReread = false;
  let allKeywordWords = true;
  let allSingle = true;
  let found: string | undefined;
  const end = Math.min(pieces.length, from + joins.longest);
  for (let at = from; at < end; at++) {
    const word = pieces[at]!;
    const gap = gaps[at]!;
    const single = word.length === 1;
    if (at > from && gap.includes(' ') && !(single && pieces[at - 1]!.length === 1 && gap.length <= 3)) break;
    allSingle &&= single;
    // A number is joined only letter by letter ("5 T 0 P"), never to a longer piece ("5-top").
    if (!allSingle && ONLY_DIGITS.test(word)) break;
    hasLetter ||= ANY_LETTER.test(word);
    allKeywordWords &&= joins.words.has(word);
    let spelled: string | undefined;
    if (readings || REREAD.test(word)) {
      hasReread = true;
      hasDigit ||= DIGIT.test(word);
      readings ??= [plain, plain, plain, plain];
      let prefix = false;
      for (let r = 0; r < READINGS.length; r++) {
        const reading = readings[r]! + reread(word, READINGS[r]!);
        readings[r] = reading;
        prefix ||= joins.prefixes.has(reading);
        if (spelled === undefined && joins.words.has(reading)) spelled = reading;
      }
      if (!prefix) break;
    } else {
      plain += word;
      if (!joins.prefixes.has(plain)) break;
      if (joins.words.has(plain)) spelled = plain;
    }
    const joined = at > from;
    if (spelled && hasLetter && (joined ? !allKeywordWords : hasReread) && (!hasDigit || spelled.length >= 3)) {
      found = spelled;
      spelledNext = at + 1;
    }
  }
  return found;
}

/** Where the pieces `spelledAt` last joined end. */
let spelledNext = 0;

/**
 * Joins, in place, the pieces that spell a keyword word, and resolves the Cyrillic С stand-in.
 * Linear: each try looks at most `longest` pieces ahead.
 */
function joinSpelled(pieces: string[], gaps: string[], joins: Joins | undefined, standIn: boolean): void {
  let kept = 0;
  for (let at = 0; at < pieces.length; kept++) {
    const spelled = joins && spelledAt(pieces, gaps, at, joins);
    gaps[kept] = gaps[at]!;
    if (spelled) {
      pieces[kept] = spelled;
      at = spelledNext;
    } else {
      pieces[kept] = standIn ? pieces[at]!.replace(STAND_IN, 'C') : pieces[at]!;
      at++;
    }
  }
  pieces.length = kept;
  gaps.length = kept;
}

function words(normalized: string, joins?: Joins): Words {
  const s = normalized.replace(APOSTROPHES, "'").replace(CONTRACTION, '$1$2').replace(ELONGATION, '$1');
  const pieces: string[] = [];
  const gaps: string[] = [];
  let last = 0;
  for (const match of s.matchAll(WORD)) {
    pieces.push(match[0]);
    gaps.push(s.slice(last, match.index));
    last = match.index + match[0].length;
  }
  const standIn = s.includes(C_OR_S);
  if (joins || standIn) joinSpelled(pieces, gaps, joins, standIn);
  const list: string[] = [];
  const sentenceStarts: number[] = [];
  let joined = '';
  let clauseBreak = false;
  let sentenceBreak = false;
  for (let i = 0; i < pieces.length; i++) {
    const word = pieces[i]!;
    const gap = gaps[i]!;
    if (gap.length > 1 || (gap.length === 1 && gap !== ' ')) {
      if (CLAUSE_BREAK.test(gap)) clauseBreak = true;
      if (SENTENCE_END.test(gap)) sentenceBreak = true;
    }
    if (list.length && list[list.length - 1] === word && !clauseBreak) continue;
    if (list.length) {
      if (sentenceBreak) sentenceStarts.push(list.length);
      joined += clauseBreak ? ' | ' : ' ';
    }
    joined += word;
    list.push(word);
    clauseBreak = sentenceBreak = false;
  }
  return { words: list, joined, sentenceStarts };
}

/** Folds a whole-message repetition: "STOP ALL STOP ALL" → STOP ALL, "STOP. STOP!" → STOP. */
function unrepeated(list: readonly string[]): readonly string[] {
  const deduped = list.filter((word, i) => i === 0 || word !== list[i - 1]);
  const n = deduped.length;
  // The shortest block the words repeat, by the prefix function (Knuth–Morris–Pratt): linear,
  // where trying every divisor of the length is not on a long message that almost repeats.
  const border = new Array<number>(n).fill(0);
  for (let i = 1; i < n; i++) {
    let k = border[i - 1]!;
    while (k > 0 && deduped[i] !== deduped[k]) k = border[k - 1]!;
    border[i] = deduped[i] === deduped[k] ? k + 1 : k;
  }
  const period = n - (border[n - 1] ?? 0);
  return period < n && n % period === 0 ? deduped.slice(0, period) : deduped;
}

/** The key a text or keyword is looked up by. */
function keyOf(text: string, fold = true): string {
  return unrepeated(words(normalize(text, fold)).words).join(' ');
}

// ------------------------------------------------------------------------------------------------
// Compilation
// ------------------------------------------------------------------------------------------------

const NEGATION =
  '(?:DONT|DO NOT|DOES NOT|DOESNT|DID NOT|DIDNT|NOT|NEVER|CANT|CANNOT|CAN NOT|WONT|WILL NOT|WOULDNT|WOULD NOT|SHOULDNT|SHOULD NOT|COULDNT|COULD NOT|NE|PAS|NUNCA|JAMAIS)';
const NEGATION_MODAL =
  '(?:EVER|JUST|REALLY|SAY|SAID|TEXT|TEXTED|TYPE|TYPED|SEND|SENT|ASK|ASKED|REPLY|REPLIED|WANT TO|WANNA|NEED TO|MEAN TO|PLAN TO|WISH TO|WANT YOU TO|WANT U TO|NEED YOU TO|GONNA|GOING TO|EVEN)';
/** Right after a negation, optionally followed by a modal ("don't want to …") or, in French and Spanish, a pronoun ("ne pas me …"). */
const NEGATED_BEFORE = new RegExp(`(?:^| )(?:${NEGATION}(?: ${NEGATION_MODAL})?|(?:PAS|NE|N|NO) (?:ME|M|TE|SE|NOS|NOUS)) $`);

/** Words that, after STOP at the start of a short message, give it its ordinary meaning ("stop by", "stop sign"). */
const AFTER_VETO = new Set([
  'SHOP',
  'BY',
  'IN',
  'OVER',
  'AT',
  'OFF',
  'FOR',
  'AND',
  'ON',
  'NEAR',
  'SIGN',
  'SIGNS',
  'LIGHT',
  'LIGHTS',
  'WATCH',
  'LOSS',
  'MOTION',
  'GAP',
  'SHORT',
  'DE',
  'DU',
  'D',
]);
/** Words that, before STOP at the end of a short message, make it a noun ("bus stop", "the end"). */
const BEFORE_VETO = new Set([
  'BUS',
  'NEXT',
  'LAST',
  'FIRST',
  'PIT',
  'TRUCK',
  'FULL',
  'NON',
  'ONE',
  'TRAIN',
  'REST',
  'TRAM',
  'SUBWAY',
  'METRO',
  'MY',
  'YOUR',
  'UR',
  'OUR',
  'THE',
  'A',
  'AN',
  'HIS',
  'HER',
  'THEIR',
  'DOOR',
  'BACK',
  'WHISTLE',
  'EMERGENCY',
  'LA',
  'EL',
  'LE',
  'SU',
  'MI',
]);

interface Keyword {
  tokens: readonly string[];
  /** As listed, in list order; several when spellings differ only by accents (ARRÊT, ARRET). */
  spellings: { keyword: string; unfolded: string }[];
  ambiguous: boolean;
}

interface Compiled {
  exact: Map<string, { intent: Exclude<Intent, 'none'>; keyword: Keyword }>;
  byFirst: Map<string, Keyword[]>;
  byLast: Map<string, Keyword[]>;
  phrases: RegExp | undefined;
  phraseRules: readonly PhraseRule[];
  courtesy: Set<string>;
  /** One-word opt-in and help keywords: they may share a sentence with an opt-out keyword, which wins. */
  companions: Set<string>;
  typoTargets: Keyword[];
  shortMessageWords: number;
  sentences: boolean;
  joins: Joins;
}

const compiledLists = new WeakMap<KeywordLists, Compiled>();

function indexBy(map: Map<string, Keyword[]>, key: string, keyword: Keyword): void {
  const list = map.get(key) ?? [];
  list.push(keyword);
  // Longest first, so STOP ALL is preferred to STOP at the start of "stop all now".
  list.sort((a, b) => b.tokens.length - a.tokens.length);
  map.set(key, list);
}

function compilePhrases(rules: readonly PhraseRule[]): Pick<Compiled, 'phrases' | 'phraseRules'> {
  if (!rules.length) return { phrases: undefined, phraseRules: [] };
  // One regular expression for all rules; the negation guard is checked on a match rather than as
  // a lookbehind in every alternative, which would be tried at every word of every message.
  const alternatives = rules.map((rule, i) => `(?<p${i}>${rule.pattern.replace(/<START>/g, '(?<=^|\\| )').replace(/<END>/g, '(?=$| \\|)')})`);
  return { phrases: new RegExp(`(?:^| )(?:${alternatives.join('|')})(?= |$)`, 'g'), phraseRules: rules };
}

/**
 * The last `count` words before `end` (a word boundary), with the space before them: all that the
 * negation guard can match, so that testing it after each of many matches does not rescan the
 * whole message (which made a long run of negated phrases quadratic).
 */
function wordsBefore(text: string, end: number, count = 6): string {
  let from = end - 1;
  for (let n = 0; n < count && from > 0; n++) from = text.lastIndexOf(' ', from - 1);
  return from <= 0 ? text.slice(0, end) : text.slice(from, end);
}

/** The first phrase rule that matches, not right after a negation. */
function phrase(c: Compiled, joined: string): string | undefined {
  const regex = c.phrases!;
  regex.lastIndex = 0;
  for (let found = regex.exec(joined); found; found = regex.exec(joined)) {
    const groups = found.groups!;
    const rule = c.phraseRules.find((_rule, i) => groups[`p${i}`] !== undefined)!;
    const start = found.index + (found[0].startsWith(' ') ? 1 : 0);
    if (rule.negatable === false || !NEGATED_BEFORE.test(wordsBefore(joined, start))) return rule.id;
    regex.lastIndex = start;
  }
  return undefined;
}

function compile(lists: KeywordLists): Compiled {
  const ambiguous = new Set((lists.ambiguous ?? []).map((word) => keyOf(word)));
  const exact: Compiled['exact'] = new Map();
  const byFirst: Compiled['byFirst'] = new Map();
  const byLast: Compiled['byLast'] = new Map();
  const typoTargets: Keyword[] = [];
  const intents = [
    ['opt-out', lists.optOut],
    ['opt-in', lists.optIn],
    ['help', lists.help],
  ] as const;
  for (const [intent, keywords] of intents) {
    for (const listed of keywords) {
      const key = keyOf(listed);
      if (!key) continue; // a keyword of punctuation alone would match empty messages
      const spelling = { keyword: listed, unfolded: keyOf(listed, false) };
      const known = exact.get(key);
      if (known) {
        if (known.intent === intent && !known.keyword.spellings.some((s) => s.keyword === listed)) known.keyword.spellings.push(spelling);
        continue; // listed under an earlier intent: opt-out wins
      }
      const keyword: Keyword = { tokens: key.split(' '), spellings: [spelling], ambiguous: ambiguous.has(key) };
      exact.set(key, { intent, keyword });
      if (intent !== 'opt-out') continue;
      indexBy(byFirst, keyword.tokens[0]!, keyword);
      indexBy(byLast, keyword.tokens[keyword.tokens.length - 1]!, keyword);
      if (!keyword.ambiguous && keyword.tokens.length === 1 && key.length >= 4) typoTargets.push(keyword);
    }
  }
  const courtesyWords = lists.courtesy ?? Object.values(keywordLanguages).flatMap((language) => language.courtesy ?? []);
  const keywordWords = new Set([...byFirst.values()].flat().flatMap((keyword) => keyword.tokens));
  // The built-in unsubscribe phrase's short word, spelled out as "U-N-S-U-B" as often as STOP is.
  if (lists.phrases?.some((rule) => rule.id === 'unsubscribe')) keywordWords.add('UNSUB');
  const prefixes = new Set([...keywordWords].flatMap((word) => [...word].map((_c, i) => word.slice(0, i + 1))));
  return {
    exact,
    byFirst,
    byLast,
    ...compilePhrases(lists.phrases ?? []),
    courtesy: new Set(courtesyWords.flatMap((word) => words(normalize(word, true)).words)),
    companions: new Set([...exact].filter(([key, { intent }]) => intent !== 'opt-out' && !key.includes(' ')).map(([key]) => key)),
    typoTargets: lists.typos === false ? [] : typoTargets,
    shortMessageWords: lists.shortMessageWords ?? 6,
    sentences: lists.sentences ?? true,
    joins: { words: keywordWords, prefixes, longest: Math.max(0, ...[...keywordWords].map((word) => word.length)) },
  };
}

function compiled(lists: KeywordLists): Compiled {
  let result = compiledLists.get(lists);
  if (!result) {
    result = compile(lists);
    compiledLists.set(lists, result);
  }
  return result;
}

// ------------------------------------------------------------------------------------------------
// Matching
// ------------------------------------------------------------------------------------------------

function startsWith(list: readonly string[], tokens: readonly string[], at = 0): boolean {
  if (at + tokens.length > list.length) return false;
  for (let i = 0; i < tokens.length; i++) if (list[at + i] !== tokens[i]) return false;
  return true;
}

function negatedBefore(list: readonly string[], end: number): boolean {
  if (end === 0) return false;
  return NEGATED_BEFORE.test(`${list.slice(Math.max(0, end - 4), end).join(' ')} `);
}

/** The listed spelling of a keyword: the one written in the message (ARRÊT or ARRET), else the first. */
function spelling(keyword: Keyword, text: string): string {
  const { spellings } = keyword;
  if (spellings.length === 1) return spellings[0]!.keyword;
  const unfolded = ` ${keyOf(text, false)} `;
  return (spellings.find((s) => unfolded.includes(` ${s.unfolded} `)) ?? spellings[0]!).keyword;
}

function edgeWord(c: Compiled, list: readonly string[]): { keyword: Keyword; position: 'start' | 'end' } | undefined {
  if (list.length > c.shortMessageWords || list.length < 2) return undefined;
  for (const keyword of c.byFirst.get(list[0]!) ?? []) {
    const n = keyword.tokens.length;
    if (n >= list.length || !startsWith(list, keyword.tokens)) continue;
    const rest = list.slice(n);
    if (keyword.ambiguous ? rest.every((word) => c.courtesy.has(word)) : !AFTER_VETO.has(rest[0]!)) return { keyword, position: 'start' };
  }
  for (const keyword of c.byLast.get(list[list.length - 1]!) ?? []) {
    const n = keyword.tokens.length;
    if (n >= list.length || !startsWith(list, keyword.tokens, list.length - n)) continue;
    const before = list.slice(0, list.length - n);
    if (BEFORE_VETO.has(before[before.length - 1]!)) continue;
    if (keyword.ambiguous ? before.every((word) => c.courtesy.has(word)) : !negatedBefore(before, before.length)) return { keyword, position: 'end' };
  }
  return undefined;
}

/**
 * A sentence that is an opt-out keyword with nothing but courtesy words and other intents' keywords
 * ("HELP STOP HELP"). An ambiguous keyword counts only in the last sentence ("Thanks for the
 * update. End."; CANCEL is a per-se revocation word, so "Can't make it. Cancel." is one too).
 */
function sentence(c: Compiled, all: Words): Keyword | undefined {
  const bounds = [0, ...all.sentenceStarts, all.words.length];
  for (let s = 0; s + 1 < bounds.length; s++) {
    const last = s + 2 === bounds.length;
    const list = all.words.slice(bounds[s], bounds[s + 1]);
    const plain = (word: string) => c.courtesy.has(word) || c.companions.has(word);
    // Counted once, so that a long sentence full of keywords stays linear.
    const others = list.reduce((n, word) => (plain(word) ? n : n + 1), 0);
    for (let i = 0; i < list.length; i++) {
      for (const keyword of c.byFirst.get(list[i]!) ?? []) {
        const end = i + keyword.tokens.length;
        if ((keyword.ambiguous && !last) || !startsWith(list, keyword.tokens, i)) continue;
        // The same ordinary meanings as at the edge of a short message: "my stop.", "Stop by."
        if (AFTER_VETO.has(list[end]!) || BEFORE_VETO.has(list[i - 1]!)) continue;
        let inside = 0;
        for (let j = i; j < end; j++) if (!plain(list[j]!)) inside++;
        if (others === inside) return keyword;
      }
    }
  }
  return undefined;
}

/** One edit (7+ letters), or one adjacent swap or doubled letter (4–6 letters). */
function nearMiss(typed: string, target: string): boolean {
  if (typed === target) return false;
  const lt = typed.length;
  const lk = target.length;
  if (Math.abs(lt - lk) > 1) return false;
  let i = 0;
  while (i < Math.min(lt, lk) && typed[i] === target[i]) i++;
  const swapped = lt === lk && i + 1 < lk && typed[i] === target[i + 1] && typed[i + 1] === target[i] && typed.slice(i + 2) === target.slice(i + 2);
  const doubled = lt === lk + 1 && i > 0 && typed[i] === typed[i - 1] && typed.slice(i + 1) === target.slice(i);
  if (lk < 7) return swapped || doubled;
  if (swapped) return true;
  if (lt === lk) return typed.slice(i + 1) === target.slice(i + 1); // substitution
  if (lt === lk + 1) return typed.slice(i + 1) === target.slice(i); // insertion
  return typed.slice(i) === target.slice(i + 1); // deletion
}

const none = (): Classification => ({ intent: 'none' });

export function classify(text: string, lists: KeywordLists = defaultKeywords): Classification {
  const c = compiled(lists);
  const all = words(normalize(text, true), c.joins);
  if (!all.words.length) return none();
  const whole = unrepeated(all.words);
  const found = c.exact.get(whole.join(' '));
  if (found?.intent === 'opt-out') return { intent: 'opt-out', match: { kind: 'keyword', keyword: spelling(found.keyword, text) } };

  const id = c.phrases && phrase(c, all.joined);
  if (id) return { intent: 'opt-out', match: { kind: 'phrase', phrase: id } };
  const edge = edgeWord(c, all.words);
  if (edge) return { intent: 'opt-out', match: { kind: 'edge-word', keyword: spelling(edge.keyword, text), position: edge.position } };
  if (c.sentences) {
    const keyword = sentence(c, all);
    if (keyword) return { intent: 'opt-out', match: { kind: 'sentence', keyword: spelling(keyword, text) } };
  }
  if (whole.length === 1 && !found) {
    const typed = whole[0]!;
    const keyword = c.typoTargets.find((target) => nearMiss(typed, target.tokens[0]!));
    if (keyword) return { intent: 'opt-out', match: { kind: 'typo', keyword: keyword.spellings[0]!.keyword, typed } };
  }
  if (found) return { intent: found.intent, match: { kind: 'keyword', keyword: spelling(found.keyword, text) } };
  return none();
}
