/**
 * Generated regions of a Markdown document: the text between `<!-- name:start -->` and
 * `<!-- name:end -->` is the benchmark's; everything else is written by hand and kept.
 */
import { readFileSync, writeFileSync } from 'node:fs';

const markers = (name: string) => [`<!-- ${name}:start -->`, `<!-- ${name}:end -->`] as const;

/** `text` with each named region's content replaced; a region without its markers throws. */
export function replaceRegions(text: string, regions: Readonly<Record<string, string>>): string {
  let out = text;
  for (const [name, content] of Object.entries(regions)) {
    const [start, end] = markers(name);
    const from = out.indexOf(start);
    const to = out.indexOf(end);
    if (from < 0 || to < from) throw new Error(`region markers ${start} … ${end} not found`);
    out = `${out.slice(0, from + start.length)}\n${content.trim()}\n${out.slice(to)}`;
  }
  return out;
}

/** Rewrites the named regions of the Markdown file `file` in place. */
export function writeRegions(file: string, regions: Readonly<Record<string, string>>): void {
  writeFileSync(file, replaceRegions(readFileSync(file, 'utf8'), regions));
}
