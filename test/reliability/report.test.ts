import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { faults, methodClasses, profileNames, transportNames } from './faults.js';
import {
  END,
  extractBlock,
  normalizeTables,
  REPORT_PATH,
  renderFaultMatrix,
  replaceBlock,
  START,
} from './report.js';

const root = resolve(import.meta.dirname, '../..');

describe('docs/reliability.md', () => {
  it('holds exactly the fault matrix rendered from faults.ts (npm run report:reliability rewrites it)', () => {
    const block = extractBlock(readFileSync(resolve(root, REPORT_PATH), 'utf8'));
    expect(block).toBeDefined();
    expect(normalizeTables(block ?? '')).toBe(normalizeTables(renderFaultMatrix()));
  });

  it('renders one table row per fault and one cell per method class, for each profile', () => {
    const profileTables = renderFaultMatrix()
      .split('### ')
      .filter((section) => / profile\n/.test(section));
    expect(profileTables).toHaveLength(profileNames.length);
    const rows = profileTables
      .join('\n')
      .split('\n')
      .filter((line) => line.startsWith('| ') && !/^\| (fault|-)/.test(line));
    expect(rows).toHaveLength(faults.length * profileNames.length);
    for (const row of rows) expect(row.split(' | ')).toHaveLength(1 + methodClasses.length);
  });

  it('lists, for each transport but the session, the rows that differ and why', () => {
    const block = renderFaultMatrix();
    for (const transport of transportNames.slice(1)) {
      const differing = faults.filter((row) => row.differs?.[transport]);
      const section = block.split('### ').find((s) => s.includes(`\`${transport}\`\n`));
      expect(section, transport).toBeDefined();
      for (const row of differing) expect(section).toContain(row.differs![transport]!.why);
    }
    expect(faults.some((row) => row.differs?.['undici.fetch'])).toBe(true);
  });

  it('compares tables whatever their padding', () => {
    expect(normalizeTables('| a   | bb |\n| --- | -- |\n| ccc | d  |')).toBe(
      '| a | bb |\n| --- | --- |\n| ccc | d |',
    );
    expect(normalizeTables('| a | b |')).not.toBe(normalizeTables('| a | c |'));
  });

  it('replaces only the block between the markers', () => {
    const text = `before\n${START}\nold\n${END}\nafter\n`;
    expect(replaceBlock(text, 'new')).toBe('before\nnew\nafter\n');
    expect(() => replaceBlock('no markers', 'new')).toThrow(/markers/);
  });
});
