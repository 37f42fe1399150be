import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The directory holding package.json above this file (works from sources and from dist/). */
export function projectRoot(): string {
  let dir = __dirname;
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return process.cwd();
    dir = parent;
  }
}
