import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { faults, methodClasses, profileNames } from './faults.js';
import { END, REPORT_PATH, renderFaultMatrix, replaceBlock, START } from './report.js';

const root = resolve(import.meta.dirname, '../..');

describe('docs/reliability.md', () => {
  it('holds exactly the fault matrix rendered from faults.ts (npm run report:reliability rewrites it)', () => {
    const text = readFileSync(resolve(root, REPORT_PATH), 'utf8');
    const from = text.indexOf(START);
    const to = text.indexOf(END);
    expect(from).toBeGreaterThanOrEqual(0);
    expect(text.slice(from, to + END.length)).toBe(renderFaultMatrix());
  });

  it('renders one table row per fault and one cell per method class, for each profile', () => {
    const block = renderFaultMatrix();
    const rows = block
      .split('\n')
      .filter((line) => line.startsWith('| ') && !line.startsWith('| fault'));
    expect(rows).toHaveLength(faults.length * profileNames.length);
    for (const row of rows) expect(row.split(' | ')).toHaveLength(1 + methodClasses.length);
  });

  it('replaces only the block between the markers', () => {
    const text = `before\n${START}\nold\n${END}\nafter\n`;
    expect(replaceBlock(text, 'new')).toBe('before\nnew\nafter\n');
    expect(() => replaceBlock('no markers', 'new')).toThrow(/markers/);
  });
});
