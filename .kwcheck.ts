import { labelledMessages } from './bench/keywords.js';
import { classify } from './shared/keywords.js';
let bad = 0;
const counts: Record<string, number> = {};
for (const m of labelledMessages) {
  const r = classify(m.text);
  counts[m.intent] = (counts[m.intent] ?? 0) + 1;
  const got = r.match as any;
  const by = got?.keyword ?? got?.phrase;
  if (r.intent !== m.intent || got?.kind !== m.kind || (m.by && by !== m.by)) { bad++; console.log(JSON.stringify(m.text), 'expected', m.intent, m.kind, m.by, 'got', JSON.stringify(r)); }
}
console.log('total', labelledMessages.length, counts, 'bad', bad);
