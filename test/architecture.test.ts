import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The layers of docs/architecture.md, measured from the imports: data flows one way, no
// file imports one above its layer, no files import each other in a circle, none is long.

const root = fileURLToPath(new URL('..', import.meta.url));

/** Layer of a file under src/: a file may import its own layer and those below. */
function layer(file: string): number {
  const path = relative(join(root, 'src'), file);
  const top = path.split('/')[0]!;
  const ranks: Record<string, number> = {
    'validate.ts': 0,
    'warn.ts': 0,
    time: 1,
    backoff: 2,
    fs: 2,
    retry: 3,
    fleet: 4,
    redis: 5,
    http: 5,
    undici: 6,
    testing: 6,
    cli: 7,
    'index.ts': 8,
    'utils.ts': 8,
  };
  const rank = ranks[top];
  if (rank === undefined) throw new Error(`src/${path} is in no layer of this test`);
  return rank;
}

function sources(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && /\.(ts|mjs)$/.test(e.name) && !e.name.endsWith('.d.ts'))
    .map((e) => join(e.parentPath, e.name))
    .filter((f) => !/(node_modules|\/\.build\/|\/results\/)/.test(f));
}

/** Relative imports of a file (static, type-only and dynamic), resolved to files. */
function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const found = [...text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)];
  return found.map((m) => resolve(dirname(file), m[1]!.replace(/\.js$/, '.ts')));
}

function graph(files: readonly string[]): Map<string, string[]> {
  const known = new Set(files);
  return new Map(files.map((f) => [f, imports(f).filter((g) => known.has(g))]));
}

/** Every circle in the graph, as the files in it (Tarjan's strongly connected components). */
function circles(edges: Map<string, string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  let next = 0;
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const part: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        part.push(relative(root, w));
      } while (w !== v);
      if (part.length > 1 || (edges.get(v) ?? []).includes(v)) found.push(part.sort());
    }
  };
  for (const v of edges.keys()) if (!index.has(v)) visit(v);
  return found;
}

describe('the architecture', () => {
  const src = sources(join(root, 'src'));

  it('has no import that runs back up the layers', () => {
    const upward = [...graph(src)].flatMap(([file, deps]) =>
      deps
        .filter((dep) => layer(dep) > layer(file))
        .map((dep) => `${relative(root, file)} → ${relative(root, dep)}`),
    );
    expect(upward).toEqual([]);
  });

  it('has no files that import each other in a circle, in src, test or bench', () => {
    for (const dir of ['src', 'test', 'bench']) {
      expect(circles(graph(sources(join(root, dir)))), dir).toEqual([]);
    }
  });

  it('keeps every file in src under 400 lines', () => {
    const long = src
      .map((f) => [relative(root, f), readFileSync(f, 'utf8').split('\n').length] as const)
      .filter(([, lines]) => lines > 400);
    expect(long).toEqual([]);
  });

  it('finds the imports it checks (a test that could not fail would prove nothing)', () => {
    const edges = graph(src);
    const session = join(root, 'src/http/session.ts');
    expect(edges.get(session)).toContain(join(root, 'src/retry/run.ts'));
    expect(layer(session)).toBeGreaterThan(layer(join(root, 'src/retry/run.ts')));
    const fake = new Map([
      ['a', ['b']],
      ['b', ['a']],
    ]);
    expect(circles(fake)).toHaveLength(1);
  });
});
