import { describe, expect, it } from '@jest/globals';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, posix, relative } from 'node:path';

// The house rules of lib/ (see lib/README.md): one folder per feature over a small base, every arrow running
// downward. A module's node is its folder, or the file itself at the top level of lib/.
const LIB = 'lib';
const BASE_FILES = ['clock.ts', 'debug.ts', 'errors.ts', 'redact.ts'];
const MAX_FILES_PER_FOLDER = 20;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

/** Every relative import of a module (type-only imports included: they are arrows too), as lib-relative paths. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs = [...text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)].map((m) => m[1]!);
  return specs.map((spec) => relative(LIB, join(dirname(file), spec)).split('\\').join('/').replace(/\.js$/, '.ts'));
}

const nodeOf = (libPath: string): string => (libPath.includes('/') ? libPath.split('/')[0]! + '/' : libPath);

function moduleGraph(): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  for (const file of sourceFiles(LIB)) {
    graph.set(relative(LIB, file).split('\\').join('/'), new Set(importsOf(file)));
  }
  return graph;
}

function folderGraph(modules: Map<string, Set<string>>): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  for (const [from, targets] of modules) {
    const edges = graph.get(nodeOf(from)) ?? new Set<string>();
    for (const to of targets) if (nodeOf(to) !== nodeOf(from)) edges.add(nodeOf(to));
    graph.set(nodeOf(from), edges);
  }
  return graph;
}

/** The first cycle found, as a path that ends where it starts; null when the graph is acyclic. */
function findCycle(graph: Map<string, Set<string>>): string[] | null {
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (node: string): string[] | null => {
    if (state.get(node) === 'done') return null;
    if (state.get(node) === 'open') return [...path.slice(path.indexOf(node)), node];
    state.set(node, 'open');
    path.push(node);
    for (const next of graph.get(node) ?? []) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    path.pop();
    state.set(node, 'done');
    return null;
  };
  for (const node of graph.keys()) {
    const cycle = visit(node);
    if (cycle) return cycle;
  }
  return null;
}

describe('the layout of lib/', () => {
  const modules = moduleGraph();
  const folders = folderGraph(modules);

  it('has no import cycle between modules', () => {
    expect(findCycle(modules)).toBeNull();
  });

  it('has no folder that imports a folder importing it back: every arrow runs downward', () => {
    expect(findCycle(folders)).toBeNull();
  });

  it('keeps config below the features: config/ imports only the base, wechat/ and store/', () => {
    const allowed = new Set(['config/', 'wechat/', 'store/', ...BASE_FILES]);
    expect([...folders.get('config/')!].filter((to) => !allowed.has(to))).toEqual([]);
  });

  it('keeps the base at the bottom: clock, debug, errors and redact import nothing of lib/ but each other', () => {
    for (const file of BASE_FILES) {
      expect([...modules.get(file)!].filter((to) => !BASE_FILES.includes(to))).toEqual([]);
    }
  });

  it('keeps the shared store plumbing free of features: store/ imports only the base and wechat/', () => {
    const allowed = new Set(['store/', 'wechat/', ...BASE_FILES]);
    expect([...folders.get('store/')!].filter((to) => !allowed.has(to))).toEqual([]);
  });

  it(`has at most ${MAX_FILES_PER_FOLDER} files at the top level of any folder, and a README.md in each`, () => {
    const dirs = [LIB, ...readdirSync(LIB).map((name) => join(LIB, name)).filter((p) => statSync(p).isDirectory())];
    for (const dir of dirs) {
      const files = readdirSync(dir).filter((name) => statSync(join(dir, name)).isFile());
      expect({ dir, count: files.length <= MAX_FILES_PER_FOLDER }).toEqual({ dir, count: true });
      expect({ dir, readme: existsSync(join(dir, 'README.md')) }).toEqual({ dir, readme: true });
    }
  });

  it('resolves every relative import to a file that exists', () => {
    const missing = [...modules].flatMap(([from, targets]) =>
      [...targets].filter((to) => !existsSync(join(LIB, to))).map((to) => `${from} -> ${posix.normalize(to)}`),
    );
    expect(missing).toEqual([]);
  });
});
