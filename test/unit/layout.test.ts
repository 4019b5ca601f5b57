import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const layout = /## Layout\n([\s\S]*?)\n## |## Layout\n([\s\S]*)$/.exec(readFileSync(join(root, 'README.md'), 'utf8'));
const section = layout?.[1] ?? layout?.[2] ?? '';
const folders = (dir: string) =>
  readdirSync(join(root, dir), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name);

describe("README's Layout section", () => {
  it('names every folder of shared/ and nothing that is not there', () => {
    const named = [...section.matchAll(/^shared\/([a-z-]+)\//gm)].map((match) => match[1]);
    expect(named.sort()).toEqual(folders('shared').sort());
  });

  it('names every intake', () => {
    for (const intake of folders('shared/intake')) expect(section).toContain(`${intake}/`);
  });

  it('names every top-level code folder', () => {
    for (const folder of ['functions', 'cli', 'infra', 'bench', 'docs', 'test']) expect(section).toMatch(new RegExp(`^${folder}/`, 'm'));
  });
});
