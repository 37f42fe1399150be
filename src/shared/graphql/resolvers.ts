/**
 * Resolvers: each calls the same core function as the REST endpoint and validates arguments with
 * the same zod schemas, so GraphQL and REST cannot drift (same checks, same events). Scopes are
 * checked per field; another tenant's ids are NOT_FOUND, as in REST.
 */
import { GraphQLScalarType } from 'graphql';
import { z } from 'zod';
import { getConfig } from '../config';
import { AppError, forbidden, notFound } from '../core/errors';
import { hasScope, type Principal, type Scope } from '../core/principal';
import type { Page } from '../adapters/cosmos';
import { DOCUMENT_ID_PATTERN } from '../documents/document-records';
import { getDocument, listDocumentsPage } from '../documents/documents';
import { QUERY_ID_PATTERN } from '../queries/query-records';
import { submitQueryBody } from '../queries/query-schemas';
import { getQuery, queryNotFound, submitQuery, waitForQuery } from '../queries/queries';
import { createSpaceBody, patchSpaceBody } from '../spaces/space-schemas';
import { SPACE_ID_PATTERN } from '../spaces/space-records';
import { deleteSpace } from '../documents/space-cleanup';
import { countSpacesOf, createSpace, getSpace, listSpacesPage, updateSpace } from '../spaces/spaces';
import { webhookBody } from '../webhooks/schemas';
import { WEBHOOK_ID_PATTERN } from '../webhooks/webhook-store';
import { createWebhook, listWebhooks, removeWebhook } from '../webhooks/webhooks';
import type { Loaders } from './loaders';
import { chunkView, documentView, meView, queryView, spaceView, webhookGqlView, type View } from './views';

export interface GraphQLContext {
  principal: Principal;
  loaders: Loaders;
}

function need(ctx: GraphQLContext, scope: Scope): string {
  if (!hasScope(ctx.principal, scope)) throw forbidden(`This field needs the ${scope} scope.`);
  return ctx.principal.tenantId;
}

function parse<S extends z.ZodType>(schema: S, value: unknown, field: string): z.output<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  throw new AppError('VALIDATION_ERROR', 'The arguments are not valid.', {
    details: r.error.issues.map((i) => ({ field: [field, ...i.path.map(String)].join('.'), issue: i.message })),
  });
}

const first = z.number().int().min(1, 'must be an integer from 1 to 100').max(100, 'must be an integer from 1 to 100');
const after = z.string().min(1).max(4096).optional().nullable();
const namePrefix = z.string().min(1).max(200).optional().nullable();
// A malformed id can never name a record of this tenant: NOT_FOUND, as REST's 404 would be for a foreign id.
const idOf =
  (pattern: RegExp, what: string) =>
  (id: string): string => {
    if (!pattern.test(id)) throw notFound(what);
    return id;
  };
const spaceId = idOf(SPACE_ID_PATTERN, 'Space');
const documentId = idOf(DOCUMENT_ID_PATTERN, 'Document');
const webhookId = idOf(WEBHOOK_ID_PATTERN, 'Webhook');

interface Connection {
  nodes: View[];
  edges: Array<{ cursor: string; node: View }>;
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

/** Page → connection. The store has one cursor per page (its end), not one per item: edges carry it on the last edge only, others get "". */
function connection<T>(page: Page<T>, toNode: (t: T) => View): Connection {
  const nodes = page.items.map(toNode);
  return {
    nodes,
    edges: nodes.map((node, i) => ({ cursor: i === nodes.length - 1 && page.cursor ? page.cursor : '', node })),
    pageInfo: { hasNextPage: page.has_next, endCursor: page.cursor },
  };
}

interface PageArgs {
  first: number;
  after?: string | null;
}

interface SpacesArgs {
  first: number;
  after?: string | null;
  namePrefix?: string | null;
  orderBy?: { field: 'CREATED_AT' | 'NAME'; direction?: 'ASC' | 'DESC' | null } | null;
}

function spacesQuery(a: SpacesArgs) {
  const sort = a.orderBy?.field === 'NAME' ? ('name' as const) : ('created_at' as const);
  const order = a.orderBy?.direction ?? (sort === 'name' ? 'ASC' : 'DESC');
  return {
    limit: parse(first, a.first, 'first'),
    cursor: parse(after, a.after, 'after') ?? undefined,
    prefix: parse(namePrefix, a.namePrefix, 'namePrefix') ?? undefined,
    sort,
    order: order === 'ASC' ? ('asc' as const) : ('desc' as const),
  };
}

/** Drops undefined members so PATCH's "at least one field" rule sees only the fields given. */
function dropUndefined(input: unknown): unknown {
  if (typeof input !== 'object' || input === null) return input;
  return Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined));
}

export const resolvers = {
  JSON: new GraphQLScalarType({ name: 'JSON', description: 'Any JSON value (space metadata).' }),
  Query: {
    spaces: async (_: unknown, a: SpacesArgs, ctx: GraphQLContext) => {
      const tenantId = need(ctx, 'spaces:read');
      const q = spacesQuery(a);
      // totalCount is resolved only when selected (one COUNT query).
      return { ...connection(await listSpacesPage(tenantId, q), spaceView), totalCount: () => countSpacesOf(tenantId, q.prefix) };
    },
    spacesList: async (_: unknown, a: SpacesArgs, ctx: GraphQLContext) => {
      const tenantId = need(ctx, 'spaces:read');
      return (await listSpacesPage(tenantId, { ...spacesQuery(a), cursor: undefined })).items.map(spaceView);
    },
    space: async (_: unknown, a: { id: string }, ctx: GraphQLContext) => spaceView(await getSpace(need(ctx, 'spaces:read'), spaceId(a.id))),
    documents: async (_: unknown, a: PageArgs & { spaceId: string }, ctx: GraphQLContext) => {
      const tenantId = need(ctx, 'documents:read');
      const page = await listDocumentsPage(tenantId, spaceId(a.spaceId), {
        limit: parse(first, a.first, 'first'),
        cursor: parse(after, a.after, 'after') ?? undefined,
      });
      return connection(page, documentView);
    },
    document: async (_: unknown, a: { spaceId: string; id: string }, ctx: GraphQLContext) =>
      documentView(await getDocument(need(ctx, 'documents:read'), spaceId(a.spaceId), documentId(a.id))),
    webhooks: async (_: unknown, a: PageArgs, ctx: GraphQLContext) => {
      const tenantId = need(ctx, 'webhooks:manage');
      return connection(await listWebhooks(tenantId, parse(first, a.first, 'first'), parse(after, a.after, 'after') ?? undefined), webhookGqlView);
    },
    query: async (_: unknown, a: { id: string }, ctx: GraphQLContext) => {
      const tenantId = need(ctx, 'queries:execute');
      if (!QUERY_ID_PATTERN.test(a.id)) throw queryNotFound();
      return queryView(await getQuery(tenantId, a.id));
    },
    me: (_: unknown, __: unknown, ctx: GraphQLContext) => meView(ctx.principal),
  },
  Space: {
    documents: async (s: View, a: { first: number }, ctx: GraphQLContext) => {
      need(ctx, 'documents:read');
      const found = await ctx.loaders.spaceDocuments(parse(first, a.first, 'first')).load(String(s.id));
      const nodes = found.items.map(documentView);
      return { nodes, edges: nodes.map((node) => ({ cursor: '', node })), pageInfo: { hasNextPage: found.hasMore, endCursor: null } };
    },
  },
  Document: {
    chunks: async (d: View, a: { first: number }, ctx: GraphQLContext) => {
      need(ctx, 'documents:read');
      const rows = await ctx.loaders.documentChunks(String(d.spaceId), parse(first, a.first, 'first')).load(String(d.id));
      return rows.map(chunkView);
    },
  },
  Mutation: {
    createSpace: async (_: unknown, a: { input: unknown }, ctx: GraphQLContext) => {
      const tenantId = need(ctx, 'spaces:write');
      return spaceView(await createSpace(tenantId, parse(createSpaceBody.strict(), a.input, 'input')));
    },
    updateSpace: async (_: unknown, a: { id: string; input: unknown; ifMatch?: string | null }, ctx: GraphQLContext) => {
      const tenantId = need(ctx, 'spaces:write');
      const input = parse(patchSpaceBody, dropUndefined(a.input), 'input');
      return spaceView(await updateSpace(tenantId, spaceId(a.id), input, 'merge', a.ifMatch ?? null));
    },
    deleteSpace: async (_: unknown, a: { id: string; ifMatch?: string | null }, ctx: GraphQLContext) => {
      await deleteSpace(need(ctx, 'spaces:write'), spaceId(a.id), a.ifMatch ?? null);
      return true;
    },
    askQuestion: async (
      _: unknown,
      a: { spaceId: string; input: { question: string; topK?: number | null; documentIds?: string[] | null; mode?: string | null }; wait?: boolean | null },
      ctx: GraphQLContext,
    ) => {
      const tenantId = need(ctx, 'queries:execute');
      const body = parse(
        submitQueryBody.strict(),
        dropUndefined({
          question: a.input.question,
          top_k: a.input.topK ?? undefined,
          document_ids: a.input.documentIds ?? undefined,
          mode: a.input.mode ?? undefined,
        }),
        'input',
      );
      let q = await submitQuery(tenantId, spaceId(a.spaceId), body, { tier: ctx.principal.tier });
      if (a.wait) q = await waitForQuery(tenantId, q.id, getConfig().QUERY_WAIT_SECONDS * 1000);
      return queryView(q);
    },
    createWebhook: async (
      _: unknown,
      a: { input: { url: string; eventTypes: string[]; description?: string | null; enabled?: boolean | null } },
      ctx: GraphQLContext,
    ) => {
      const tenantId = need(ctx, 'webhooks:manage');
      const body = parse(
        webhookBody.strict(),
        dropUndefined({ url: a.input.url, event_types: a.input.eventTypes, description: a.input.description, enabled: a.input.enabled ?? undefined }),
        'input',
      );
      const { record, secret } = await createWebhook(tenantId, body);
      return { webhook: webhookGqlView(record), secret };
    },
    deleteWebhook: async (_: unknown, a: { id: string; ifMatch?: string | null }, ctx: GraphQLContext) => {
      await removeWebhook(need(ctx, 'webhooks:manage'), webhookId(a.id), a.ifMatch ?? null);
      return true;
    },
  },
};
