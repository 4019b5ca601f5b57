import { labelledMessages } from './bench/keywords.js';
import { defaultKeywords } from './shared/keywords.js';
const texts = labelledMessages.filter((m) => m.intent === 'none').map((m) => m.text.toUpperCase().replace(/[^A-Z0-9 ]+/g, ' ').replace(/\s+/g, ' ').trim());
const rules = defaultKeywords.phrases!;
const src = (r: any) => r.pattern.replace(/<START>/g, '(?<=^|\\| )').replace(/<END>/g, '(?=$| \\|)');
const A = new RegExp(`(?:^| )(?:${rules.map((r, i) => `(?<p${i}>${src(r)})`).join('|')})(?= |$)`);
const B = new RegExp(`(?:^| )(?:${rules.map((r) => `(?:${src(r)})`).join('|')})(?= |$)`);
const C = new RegExp(`(?<=^| )(?:${rules.map((r) => `(?:${src(r)})`).join('|')})(?= |$)`);
const D = new RegExp(`\\b(?:${rules.map((r) => `(?:${src(r)})`).join('|')})(?= |$)`);
const N = 200000;
for (const [label, re] of [['A', A], ['B', B], ['C', C], ['D', D]] as const) { const s = performance.now(); let k = 0; for (let i = 0; i < N; i++) if (re.test(texts[i % texts.length]!)) k++; console.log(label, Math.round(N / ((performance.now() - s) / 1000)), k); }
