import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { printSchema } from 'graphql';
import { describe, expect, it } from 'vitest';
import { getSchema } from '../../src/shared/graphql/schema';

describe('schema.graphql', () => {
  it('is the schema the code serves (run npm run graphql:sdl after changing sdl.ts)', () => {
    const committed = readFileSync(join(__dirname, '..', '..', 'schema.graphql'), 'utf8');
    expect(committed).toBe(`${printSchema(getSchema())}\n`);
  });
});
