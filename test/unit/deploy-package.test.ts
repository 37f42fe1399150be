/**
 * The deployed package holds only what runs in Azure: the functions reach nothing outside src/,
 * every package they import at run time is a dependency (and every dependency is imported), the
 * deploy build compiles src/ alone, and .funcignore leaves the local host, scripts and tests out.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

const root = join(__dirname, '../..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
/** Imported by src/ but never loaded in Azure: the console bundles its client with it only where dist/console/ lacks the build. */
const DEV_ONLY_FALLBACKS = new Set(['esbuild']);
/** Required at run time by name, so the bundler cannot see them: telemetry loads only with a connection string. */
const LOADED_ON_DEMAND = new Set(['applicationinsights']);

const packageOf = (spec: string): string =>
  spec
    .split('/')
    .slice(0, spec.startsWith('@') ? 2 : 1)
    .join('/');

async function functionGraph(): Promise<{ inputs: string[]; packages: Set<string> }> {
  // index.ts is what the host loads first (package.json main), then each function file; the
  // extraction worker is started by path in a worker thread.
  const entryPoints = [
    join(root, 'src/index.ts'),
    join(root, 'src/shared/extraction/worker.ts'),
    ...readdirSync(join(root, 'src/functions')).map((f) => join(root, 'src/functions', f)),
  ];
  const r = await build({
    entryPoints,
    absWorkingDir: root,
    bundle: true,
    platform: 'node',
    packages: 'external',
    write: false,
    metafile: true,
    outdir: 'out',
    logLevel: 'silent',
  });
  const packages = new Set<string>();
  for (const out of Object.values(r.metafile.outputs))
    for (const i of out.imports) if (i.external && !i.path.startsWith('node:')) packages.add(packageOf(i.path));
  return { inputs: Object.keys(r.metafile.inputs), packages };
}

describe('the deployed package', () => {
  it('functions reach only src/, and import only dependencies (each of which they use)', async () => {
    const { inputs, packages } = await functionGraph();
    expect(inputs.filter((f) => !f.startsWith('src/'))).toEqual([]);
    const deps = Object.keys(pkg.dependencies);
    expect([...packages].filter((p) => !deps.includes(p) && !DEV_ONLY_FALLBACKS.has(p)).sort(), 'imported but not a dependency').toEqual([]);
    expect(deps.filter((d) => !packages.has(d) && !LOADED_ON_DEMAND.has(d)).sort(), 'a dependency nothing in src/functions imports').toEqual([]);
  });

  it('the deploy build compiles src/ alone (and the console bundling and reference copying steps)', () => {
    const cfg = JSON.parse(readFileSync(join(root, 'tsconfig.build.json'), 'utf8')) as { include: string[] };
    expect(cfg.include).toEqual(['src/**/*.ts', 'scripts/bundle-console.ts', 'scripts/copy-reference-assets.ts']);
  });

  it('.funcignore leaves out the local host, scripts, tests and sources, and keeps the build and the console', () => {
    const lines = readFileSync(join(root, '.funcignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    for (const out of [
      '/local/',
      '/scripts/',
      '/test/',
      '/src/',
      '/dist/local/',
      '/dist/scripts/',
      '/load-tests/',
      '/bicep/',
      '/docs/',
      '/local.settings*.json',
      '/.env*',
    ])
      expect(lines, out).toContain(out);
    // Unanchored directory patterns match at any depth: `src/` would drop dist/src/ too.
    expect(
      lines.filter((l) => /^[^/*].*\/$/.test(l) && !l.startsWith('__')),
      'unanchored directory patterns',
    ).toEqual([]);
    for (const kept of ['/dist/', '/dist/src/', '/dist/reference/', '/console/', '/host.json', '/package.json', '/node_modules/', '*.js'])
      expect(lines, kept).not.toContain(kept);
  });
});
