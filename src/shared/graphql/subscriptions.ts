/**
 * GraphQL subscriptions over Web PubSub. POST /api/graphql with a subscription operation registers
 * it (validated, scope- and tenant-checked like a query) and answers a Web PubSub client URL for one
 * group; the real-time push then shapes every matching event as that operation's result and sends
 * `{ type: "next", id, payload: { data } }` to the group (graphql-ws's message shape).
 */
import { createHash } from 'node:crypto';
import {
  execute,
  getArgumentValues,
  getVariableValues,
  GraphQLError,
  Kind,
  specifiedRules,
  validate,
  type DocumentNode,
  type FragmentDefinitionNode,
  type OperationDefinitionNode,
} from 'graphql';
import { getConfig } from '../config';
import type { EventEnvelope } from '../core/events';
import { forbidden, notFound } from '../core/errors';
import { hasScope, type Principal, type Scope } from '../core/principal';
import type { Logger } from '../logger';
import { QUERY_ID_PATTERN } from '../queries/query-records';
import { getQuery } from '../queries/queries';
import { getRealtimeNegotiator } from '../realtime/realtime';
import { SPACE_ID_PATTERN } from '../spaces/space-records';
import { getSpace } from '../spaces/spaces';
import { queryCost } from './cost';
import { parseDocument } from './document';
import { maxAliasesRule, maxDepthRule } from './limits';
import { createLoaders } from './loaders';
import { getLiveSubscriptions, invalidateSubscriptions } from './subscription-cache';
import { upsertSubscription, type SubscriptionRecord } from './subscription-store';
import { camelize } from './views';
import { getSchema } from './schema';

export interface SubscriptionTicket {
  /** The subscription id: every message for it carries `id`. */
  id: string;
  /** A Web PubSub client access URL that may join exactly `group` (and starts in it). */
  url: string;
  group: string;
  expiresIn: number;
}

/** Thrown for a refused registration: the function answers 400 with these errors. */
export class SubscriptionRequestError extends Error {
  constructor(readonly errors: readonly GraphQLError[]) {
    super(errors[0]?.message ?? 'invalid subscription');
  }
}

const refuse = (message: string, code = 'VALIDATION_ERROR'): never => {
  throw new SubscriptionRequestError([new GraphQLError(message, { extensions: { code } })]);
};

const need = (p: Principal, scope: Scope): void => {
  if (!hasScope(p, scope)) throw forbidden(`This field needs the ${scope} scope.`);
};

/** Checks the root field's scope and ownership; returns the key it listens to. */
async function keyFor(field: string, args: Record<string, unknown>, p: Principal): Promise<string> {
  switch (field) {
    case 'documentAdded':
    case 'documentProcessed': {
      need(p, 'documents:read');
      const id = String(args.spaceId);
      if (!SPACE_ID_PATTERN.test(id)) throw notFound('Space');
      await getSpace(p.tenantId, id);
      return `space:${id}`;
    }
    case 'spaceEvents':
      need(p, 'spaces:read');
      return `tenant:${p.tenantId}`;
    case 'queryCompleted': {
      need(p, 'queries:execute');
      const id = String(args.id);
      if (!QUERY_ID_PATTERN.test(id)) throw notFound('Query');
      await getQuery(p.tenantId, id);
      return `query:${id}`;
    }
    default:
      return refuse(`Unknown subscription field ${field}.`);
  }
}

export async function registerSubscription(
  principal: Principal,
  query: string,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  rawVariables: unknown,
): Promise<SubscriptionTicket> {
  const schema = getSchema();
  const errors = validate(schema, document, [...specifiedRules, maxDepthRule, maxAliasesRule]);
  if (errors.length > 0)
    throw new SubscriptionRequestError(errors.map((e) => new GraphQLError(e.message, { nodes: e.nodes, extensions: { code: 'VALIDATION_ERROR' } })));
  const vars = getVariableValues(schema, operation.variableDefinitions ?? [], (rawVariables ?? {}) as Record<string, unknown>);
  if (vars.errors) throw new SubscriptionRequestError(vars.errors.map((e) => new GraphQLError(e.message, { extensions: { code: 'VALIDATION_ERROR' } })));
  const fragments = Object.fromEntries(
    document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((f) => [f.name.value, f]),
  );
  const cost = queryCost(schema, operation, fragments, vars.coerced);
  const c = getConfig();
  if (cost > c.GRAPHQL_MAX_COST) refuse(`The subscription's cost ${cost} exceeds the limit of ${c.GRAPHQL_MAX_COST}.`);
  // Validation guarantees exactly one root field (SingleFieldSubscriptionsRule), not in a fragment here.
  const root = operation.selectionSet.selections[0];
  if (root?.kind !== Kind.FIELD) return refuse('A subscription selects one field directly.');
  const field = root.name.value;
  const def = schema.getSubscriptionType()?.getFields()[field];
  if (!def) return refuse(`Unknown subscription field ${field}.`);
  const key = await keyFor(field, getArgumentValues(def, root, vars.coerced), principal);

  const id = `gqls_${createHash('sha256')
    .update(JSON.stringify([principal.tenantId, query, operation.name?.value ?? null, vars.coerced]))
    .digest('hex')
    .slice(0, 32)}`;
  const group = `graphql:${id}`;
  const minutes = c.REALTIME_TOKEN_MINUTES;
  const access = await getRealtimeNegotiator().clientAccess(principal.subject, [group], minutes);
  await upsertSubscription({
    id,
    type: 'graphqlSubscription',
    tenantId: principal.tenantId,
    field,
    key,
    query,
    operationName: operation.name?.value ?? null,
    variables: vars.coerced,
    group,
    principal: { kind: principal.kind, tenantId: principal.tenantId, subject: principal.subject, scopes: [...principal.scopes] },
    expiresAt: new Date(Date.now() + minutes * 60_000).toISOString(),
  });
  // This instance's pushes see the registration at once (others within SUBSCRIPTION_CACHE_MS).
  invalidateSubscriptions(principal.tenantId, field, key);
  return { id, url: access.url, group, expiresIn: access.expiresInSeconds };
}

/** Which subscription field an event feeds, under which key, with which root value. */
export function subscriptionInput(event: EventEnvelope): { field: string; key: string; value: unknown } | undefined {
  const d = event.data;
  switch (event.event_type) {
    case 'document.added':
      return event.space_id ? { field: 'documentAdded', key: `space:${event.space_id}`, value: camelize(d.document) } : undefined;
    case 'document.processed':
    case 'document.failed':
      return event.space_id ? { field: 'documentProcessed', key: `space:${event.space_id}`, value: camelize(d.document) } : undefined;
    case 'space.created':
    case 'space.updated':
    case 'space.deleted':
      return {
        field: 'spaceEvents',
        key: `tenant:${event.tenant_id}`,
        value: {
          type: event.event_type,
          eventId: event.event_id,
          timestamp: event.timestamp,
          space: camelize(d.space),
          changedFields: d.changed_fields ?? null,
        },
      };
    case 'query.completed':
    case 'query.failed': {
      const q = d.query as { id?: string } | undefined;
      return q?.id ? { field: 'queryCompleted', key: `query:${q.id}`, value: camelize(q) } : undefined;
    }
    default:
      return undefined;
  }
}

export interface ShapedMessage {
  group: string;
  payload: { type: 'next'; id: string; payload: { data?: unknown; errors?: unknown } };
}

/** The event, shaped as each matching subscription's GraphQL result. */
export async function shapeForSubscriptions(event: EventEnvelope, log: Logger): Promise<ShapedMessage[]> {
  const input = subscriptionInput(event);
  if (!input) return [];
  const subs = await getLiveSubscriptions(event.tenant_id, input.field, input.key);
  const out: ShapedMessage[] = [];
  for (const s of subs) {
    try {
      out.push({ group: s.group, payload: { type: 'next', id: s.id, payload: await shape(s, input.field, input.value) } });
    } catch (e) {
      log.warn('graphql subscription: event not shaped', { subscription_id: s.id, error: e instanceof Error ? e.message : String(e) });
    }
  }
  return out;
}

async function shape(s: SubscriptionRecord, field: string, value: unknown): Promise<{ data?: unknown; errors?: unknown }> {
  const principal: Principal = { ...s.principal };
  const result = await execute({
    schema: getSchema(),
    document: parseDocument(s.query),
    rootValue: { [field]: value },
    variableValues: s.variables,
    operationName: s.operationName,
    contextValue: { principal, loaders: createLoaders(s.tenantId) },
  });
  return result.errors ? { data: result.data, errors: result.errors.map((e) => ({ message: e.message, path: e.path })) } : { data: result.data };
}
