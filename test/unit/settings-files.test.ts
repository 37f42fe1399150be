import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configSchema, loadConfig } from '../../src/shared/config';

const root = join(__dirname, '..', '..');
const names = Object.keys(configSchema.shape);

describe('settings files list every setting', () => {
  it('local.settings.example.json has every setting, and its values parse', () => {
    const values = JSON.parse(readFileSync(join(root, 'local.settings.example.json'), 'utf8')).Values as Record<string, string>;
    expect(names.filter((n) => !(n in values))).toEqual([]);
    const parsable = Object.fromEntries(Object.entries(values).filter(([, v]) => !v.startsWith('<')));
    expect(() => loadConfig(parsable)).not.toThrow();
  });

  it('.env.production.example has every setting', () => {
    const text = readFileSync(join(root, '.env.production.example'), 'utf8');
    const keys = new Set(
      text
        .split('\n')
        .filter((l) => /^[A-Z_]+=/.test(l))
        .map((l) => l.split('=')[0]),
    );
    expect(names.filter((n) => !keys.has(n))).toEqual([]);
  });

  it('the README settings table has every setting', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    expect(names.filter((n) => !readme.includes(`| \`${n}\``))).toEqual([]);
  });
});
