/**
 * The console's static files (console/ at the project root) and the browser build of
 * @azure/web-pubsub-client, served by the app (no CDN). The client is bundled with esbuild into
 * one IIFE exposing `WebPubSubClientBundle`: `npm run build` writes it to dist/console/, and where
 * that file is absent (tests, a dev run from sources) it is bundled once per process in memory.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { projectRoot } from '../project-root';

export const CONSOLE_ASSETS = {
  'index.html': 'text/html; charset=utf-8',
  'console.js': 'text/javascript; charset=utf-8',
  'console.css': 'text/css; charset=utf-8',
  'web-pubsub-client.js': 'text/javascript; charset=utf-8',
} as const;
export type ConsoleAsset = keyof typeof CONSOLE_ASSETS;

export const CLIENT_BUNDLE_GLOBAL = 'WebPubSubClientBundle';

/** Bundles the package's browser entry (its `browser` export condition) for a <script> tag. */
export async function bundleWebPubSubClient(): Promise<string> {
  const esbuild = await import('esbuild');
  const out = await esbuild.build({
    stdin: { contents: `export { WebPubSubClient } from '@azure/web-pubsub-client';`, resolveDir: projectRoot(), loader: 'js' },
    bundle: true,
    platform: 'browser',
    format: 'iife',
    globalName: CLIENT_BUNDLE_GLOBAL,
    target: 'es2020',
    minify: true,
    write: false,
    logLevel: 'silent',
  });
  const file = out.outputFiles[0];
  if (!file) throw new Error('esbuild produced no output');
  return file.text;
}

const cache = new Map<ConsoleAsset, Promise<string>>();

export function readConsoleAsset(name: ConsoleAsset): Promise<string> {
  let p = cache.get(name);
  if (!p) {
    const root = projectRoot();
    if (name === 'web-pubsub-client.js') {
      const built = join(root, 'dist', 'console', name);
      p = existsSync(built) ? readFile(built, 'utf8') : bundleWebPubSubClient();
    } else {
      p = readFile(join(root, 'console', name), 'utf8');
    }
    // A failure is not cached: the next request tries again.
    p.catch(() => cache.delete(name));
    cache.set(name, p);
  }
  return p;
}
