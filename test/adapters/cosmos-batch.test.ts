/** Group commit against the embedded Cosmos emulator. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulators, type RunningEmulators } from '../../local/emulators';
import { batched, isOk, orThrow } from '../../src/shared/adapters/cosmos-batch';
import { getContainer } from '../../src/shared/adapters/cosmos';
import { AppError } from '../../src/shared/core/errors';
import { resetServices } from '../../src/shared/services';
import { insertSpace } from '../../src/shared/spaces/space-store';
import { newSpaceId } from '../../src/shared/spaces/space-records';

let emulators: RunningEmulators;
beforeAll(async () => {
  emulators = await startEmulators({ blob: false });
  await resetServices();
});
afterAll(async () => {
  await resetServices();
  await emulators.stop();
});

describe('batched Cosmos operations', () => {
  it('runs concurrent operations of one partition and answers each its own result', async () => {
    const pk = `t-${Date.now()}`;
    const results = await Promise.all(
      Array.from({ length: 150 }, (_, i) => batched('outbox', pk, { operationType: 'Create', resourceBody: { id: `e${i}`, tenantId: pk, n: i } })),
    );
    expect(results.every(isOk)).toBe(true);
    const c = await getContainer('outbox');
    const { resources } = await c.items
      .query({ query: 'SELECT VALUE COUNT(1) FROM c WHERE c.tenantId = @t', parameters: [{ name: '@t', value: pk }] }, { partitionKey: pk })
      .fetchAll();
    expect(resources[0]).toBe(150);
  });

  it('a failing operation (conflict, missing, stale ETag) does not fail the others in its batch', async () => {
    const pk = `t-${Date.now()}-b`;
    await batched('outbox', pk, { operationType: 'Create', resourceBody: { id: 'exists', tenantId: pk } });
    const [dup, missing, stale, fresh, read] = await Promise.all([
      batched('outbox', pk, { operationType: 'Create', resourceBody: { id: 'exists', tenantId: pk } }),
      batched('outbox', pk, { operationType: 'Read', id: 'nope' }),
      batched('outbox', pk, { operationType: 'Replace', id: 'exists', ifMatch: '"stale"', resourceBody: { id: 'exists', tenantId: pk, x: 1 } }),
      batched('outbox', pk, { operationType: 'Create', resourceBody: { id: 'fresh', tenantId: pk } }),
      batched('outbox', pk, { operationType: 'Read', id: 'exists' }),
    ]);
    expect([dup.statusCode, missing.statusCode, stale.statusCode]).toEqual([409, 404, 412]);
    expect(isOk(fresh)).toBe(true);
    expect(read.statusCode).toBe(200);
    expect(() => orThrow(dup)).toThrow(AppError);
    try {
      orThrow(stale);
    } catch (e) {
      expect((e as AppError).code).toBe('PRECONDITION_FAILED');
    }
  });

  // Last in the file: it stops the emulator.
  it('a batch request that fails as a whole (Cosmos gone) is DEPENDENCY_UNAVAILABLE, not INTERNAL; so is a space create', async () => {
    await getContainer('outbox');
    await getContainer('spaces');
    await emulators.stop();
    const failure = (p: Promise<unknown>): Promise<unknown> =>
      p.then(
        () => undefined,
        (err: unknown) => err,
      );
    const batch = await failure(batched('outbox', 'gone', { operationType: 'Create', resourceBody: { id: 'x', tenantId: 'gone' } }));
    expect(batch).toMatchObject({ code: 'DEPENDENCY_UNAVAILABLE' });
    const at = new Date().toISOString();
    const space = await failure(
      insertSpace(
        {
          id: newSpaceId(),
          type: 'space',
          tenantId: 'gone',
          name: 'Gone',
          nameKey: 'gone',
          description: null,
          metadata: {},
          documentCount: 0,
          createdAt: at,
          updatedAt: at,
        },
        new Date(),
      ),
    );
    expect(space).toMatchObject({ code: 'DEPENDENCY_UNAVAILABLE' });
  });
});
