/**
 * GraphQL subscriptions in Cosmos (container `graphqlSubscriptions`, partition /tenantId): what the
 * real-time push needs to shape each event as the subscriber's GraphQL result. A registration lives
 * until its Web PubSub token expires; registering the same operation again extends it.
 */
import { cosmosCall, getContainer } from '../adapters/cosmos';
import type { Principal } from '../core/principal';

const WHAT = 'Subscription';

export interface SubscriptionRecord {
  /** gqls_…: a hash of tenant, document and variables (the same operation = the same id and group). */
  id: string;
  type: 'graphqlSubscription';
  tenantId: string;
  /** The root field (documentAdded, documentProcessed, spaceEvents, queryCompleted). */
  field: string;
  /** What the field listens to: `space:{id}`, `tenant:{id}` or `query:{id}`. */
  key: string;
  query: string;
  operationName: string | null;
  variables: Record<string, unknown>;
  /** The Web PubSub group its results go to. */
  group: string;
  /** Who registered it (nested fields check these scopes when an event is shaped). */
  principal: Pick<Principal, 'kind' | 'tenantId' | 'subject' | 'scopes'>;
  expiresAt: string;
}

export async function upsertSubscription(s: SubscriptionRecord): Promise<void> {
  const c = await getContainer('graphqlSubscriptions');
  await cosmosCall(() => c.items.upsert(s), WHAT);
}

/** The live subscriptions of one field and key. */
export async function findSubscriptions(tenantId: string, field: string, key: string, now = new Date()): Promise<SubscriptionRecord[]> {
  const c = await getContainer('graphqlSubscriptions');
  const { resources } = await cosmosCall(
    () =>
      c.items
        .query<SubscriptionRecord>(
          {
            query: "SELECT * FROM c WHERE c.tenantId = @t AND c.type = 'graphqlSubscription' AND c.field = @f AND c.key = @k AND c.expiresAt > @now",
            parameters: [
              { name: '@t', value: tenantId },
              { name: '@f', value: field },
              { name: '@k', value: key },
              { name: '@now', value: now.toISOString() },
            ],
          },
          { partitionKey: tenantId },
        )
        .fetchAll(),
    WHAT,
  );
  return resources;
}
