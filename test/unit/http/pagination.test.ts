import { describe, expect, it } from 'vitest';
import { listDocumentsQuery } from '../../../src/shared/documents/document-schemas';
import { listQuery as identityListQuery } from '../../../src/shared/identity/schemas';
import { listSpacesQuery } from '../../../src/shared/spaces/space-schemas';
import { listQuery as webhooksListQuery, logsQuery } from '../../../src/shared/webhooks/schemas';

// Every list endpoint's query schema: the same limit bounds, default and message.
const schemas = { identityListQuery, webhooksListQuery, logsQuery, listSpacesQuery, listDocumentsQuery };

describe('one pagination schema', () => {
  for (const [name, schema] of Object.entries(schemas)) {
    it(`${name}: limit defaults to 20, takes 1..100, refuses the rest with one message`, () => {
      expect(schema.parse({}).limit).toBe(20);
      expect(schema.parse({ limit: '100', cursor: 'abc' })).toMatchObject({ limit: 100, cursor: 'abc' });
      for (const bad of ['0', '101', '2.5', 'ten']) {
        const r = schema.safeParse({ limit: bad });
        expect(r.success).toBe(false);
        expect(r.error?.issues[0]?.message).toBe('must be an integer from 1 to 100');
      }
      expect(schema.safeParse({ cursor: '' }).success).toBe(false);
      expect(schema.safeParse({ cursor: 'x'.repeat(4097) }).success).toBe(false);
    });
  }
});
