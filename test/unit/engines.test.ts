/**
 * The Function App runs Node 20 (package.json engines): no package that ships with it may declare
 * a newer Node. Newer releases of several dependencies do (graphql 17, openai 7, @azure/identity
 * 4.13.2+, @whatwg-node 2.x under graphql-yoga): package.json pins or overrides them, and this
 * test keeps a later install from bringing one back.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import semver from 'semver';
import { describe, expect, it } from 'vitest';

const root = join(__dirname, '../..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { engines: { node: string } };
const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, { dev?: boolean; optional?: boolean; engines?: { node?: string } | string[] }>;
};

describe('dependencies and the Node 20 runtime', () => {
  it('every production package in the lockfile accepts the lowest Node the app declares', () => {
    const lowest = semver.minVersion(pkg.engines.node);
    expect(lowest?.major).toBe(20);
    const refused = Object.entries(lock.packages)
      .filter(([path, p]) => path !== '' && !p.dev)
      .filter(([, p]) => !Array.isArray(p.engines) && p.engines?.node && !semver.satisfies(lowest!, p.engines.node))
      .map(([path, p]) => `${path} (${(p.engines as { node: string }).node})`);
    expect(refused).toEqual([]);
  });
});
