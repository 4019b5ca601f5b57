import { labelledMessages } from './bench/keywords.js';
import { classify, normalizeText, defaultKeywords } from './shared/keywords.js';
const ordinary = labelledMessages.filter((m) => m.intent === 'none').map((m) => m.text);
const N = 100000;
function t(label: string, f: (s: string) => unknown) { const s = performance.now(); for (let i = 0; i < N; i++) f(ordinary[i % ordinary.length]!); console.log(label, Math.round(N / ((performance.now() - s) / 1000))); }
t('normalize', normalizeText); t('normalize', normalizeText);
t('classify', (s) => classify(s)); t('classify', (s) => classify(s));
t('classify nophr', (s) => classify(s, { ...defaultKeywords, phrases: [] })); 
const nophr = { ...defaultKeywords, phrases: [] };
t('classify nophr', (s) => classify(s, nophr));
