/**
 * The event catalogue is the one list: every type emitted in src/ is in it, everything in it is
 * emitted somewhere, and the table in docs/events-and-webhooks.md is rendered from it.
 * After changing EVENT_TYPES, paste the table this test prints on failure between the markers.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EVENT_TYPE_PATTERN } from '../../src/shared/core/event-filter';
import { EVENT_TYPE_NAMES, EVENT_TYPES } from '../../src/shared/core/event-types';

const root = join(__dirname, '../..');
const START = '<!-- event-types:start (rendered from src/shared/core/event-types.ts; test/unit/event-types.test.ts checks it) -->';
const END = '<!-- event-types:end -->';

function renderTable(): string {
  const rows = EVENT_TYPE_NAMES.map((t) => {
    const fields = Object.keys(EVENT_TYPES[t].data.shape)
      .map((f) => `\`${f}\``)
      .join(', ');
    return `| \`${t}\` | ${EVENT_TYPES[t].description} | ${fields} |`;
  });
  return ['| Event type | When | `data` fields |', '|---|---|---|', ...rows].join('\n');
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

describe('EVENT_TYPES', () => {
  it('names are dot-separated lowercase words', () => {
    for (const t of EVENT_TYPE_NAMES) expect(t).toMatch(EVENT_TYPE_PATTERN);
  });

  it('every catalogued type is emitted by some code in src/ (no stale entries)', () => {
    const code = sourceFiles(join(root, 'src'))
      .filter((f) => !f.endsWith('event-types.ts'))
      .map((f) => readFileSync(f, 'utf8'))
      .join('\n');
    for (const t of EVENT_TYPE_NAMES) expect(code.includes(`'${t}'`), t).toBe(true);
  });

  it('the docs table is the catalogue', () => {
    const doc = readFileSync(join(root, 'docs/events-and-webhooks.md'), 'utf8');
    const start = doc.indexOf(START);
    const end = doc.indexOf(END);
    expect(start, 'the start marker in docs/events-and-webhooks.md').toBeGreaterThan(-1);
    expect(doc.slice(start + START.length, end).trim(), `expected table:\n${renderTable()}`).toBe(renderTable());
  });
});
