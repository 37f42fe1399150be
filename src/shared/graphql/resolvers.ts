/**
 * Resolvers: each calls the same core function as the REST endpoint and validates arguments with
 * the same zod schemas, so GraphQL and REST cannot drift. Scopes are checked per field.
 */
import { GraphQLScalarType } from 'graphql';
import { z } from 'zod';
import { AppError, forbidden } from '../core/errors';
import { hasScope, type Principal, type Scope } from '../core/principal';
import type { Page } from '../adapters/cosmos';
import { getDocument, listDocumentsPage } from '../documents/documents';
import type { DocumentRecord } from '../documents/document-records';
import { deleteSpace } from '../documents/space-cleanup';
import { createSpaceBody, patchSpaceBody } from '../spaces/space-schemas';
import { SPACE_ID_PATTERN, type SpaceRecord } from '../spaces/space-records';
import { createSpace, getSpace, listSpacesPage, updateSpace } from '../spaces/spaces';

export interface GraphQLContext {
  principal: Principal;
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
// A malformed id can never name a space of this tenant: NOT_FOUND, as REST's 404 would be for a foreign id.
const spaceId = (id: string): string => {
  if (!SPACE_ID_PATTERN.test(id)) throw new AppError('NOT_FOUND', 'Space not found.');
  return id;
};

/** Page → connection. The store has one cursor per page (its end), not one per item: edges carry it on the last edge only, others get "". */
function connection<T, N>(page: Page<T>, toNode: (t: T) => N): { nodes: N[]; edges: Array<{ cursor: string; node: N }>; pageInfo: { hasNextPage: boolean; endCursor: string | null } } {
  const nodes = page.items.map(toNode);
  return {
    nodes,
    edges: nodes.map((node, i) => ({ cursor: i === nodes.length - 1 && page.cursor ? page.cursor : '', node })),
    pageInfo: { hasNextPage: page.has_next, endCursor: page.cursor },
  };
}

const space = (s: SpaceRecord): Omit<SpaceRecord, 'type' | 'tenantId' | 'nameKey' | '_etag'> => ({
  id: s.id,
  name: s.name,
  description: s.description,
  metadata: s.metadata,
  documentCount: s.documentCount,
  createdAt: s.createdAt,
  updatedAt: s.updatedAt,
});

const doc = (d: DocumentRecord): Record<string, unknown> => ({
  id: d.id,
  spaceId: d.spaceId,
  filename: d.filename,
  contentType: d.contentType,
  sizeBytes: d.sizeBytes,
  sha256: d.sha256,
  status: d.status,
  failureReason: d.failureReason,
  failureMessage: d.failureMessage,
  chunkCount: d.chunkCount,
  pageCount: d.pageCount,
  createdAt: d.createdAt,
  updatedAt: d.updatedAt,
  processedAt: d.processedAt,
});

interface PageArgs {
  first: number;
  after?: string | null;
}

export const resolvers = {
  JSON: new GraphQLScalarType({ name: 'JSON', description: 'Any JSON value (space metadata).' }),
  Query: {
    spaces: async (_: unknown, a: PageArgs, ctx: GraphQLContext) => {
      const tenantId = need(ctx, 'spaces:read');
      const page = await listSpacesPage(tenantId, {
        limit: parse(first, a.first, 'first'),
        cursor: parse(after, a.after, 'after') ?? undefined,
        sort: 'created_at',
        order: 'desc',
      });
      return connection(page, space);
    },
    space: async (_: unknown, a: { id: string }, ctx: GraphQLContext) => space(await getSpace(need(ctx, 'spaces:read'), spaceId(a.id))),
    documents: async (_: unknown, a: PageArgs & { spaceId: string }, ctx: GraphQLContext) => {
      const tenantId = need(ctx, 'documents:read');
      const page = await listDocumentsPage(tenantId, spaceId(a.spaceId), {
        limit: parse(first, a.first, 'first'),
        cursor: parse(after, a.after, 'after') ?? undefined,
      });
      return connection(page, doc);
    },
    document: async (_: unknown, a: { spaceId: string; id: string }, ctx: GraphQLContext) =>
      doc(await getDocument(need(ctx, 'documents:read'), spaceId(a.spaceId), a.id)),
  },
  Mutation: {
    createSpace: async (_: unknown, a: { input: unknown }, ctx: GraphQLContext) => {
      const tenantId = need(ctx, 'spaces:write');
      return space(await createSpace(tenantId, parse(createSpaceBody.strict(), a.input, 'input')));
    },
    updateSpace: async (_: unknown, a: { id: string; input: unknown; ifMatch?: string | null }, ctx: GraphQLContext) => {
      const tenantId = need(ctx, 'spaces:write');
      const input = parse(patchSpaceBody, dropUndefined(a.input), 'input');
      return space(await updateSpace(tenantId, spaceId(a.id), input, 'merge', a.ifMatch ?? null));
    },
    deleteSpace: async (_: unknown, a: { id: string; ifMatch?: string | null }, ctx: GraphQLContext) => {
      await deleteSpace(need(ctx, 'spaces:write'), spaceId(a.id), a.ifMatch ?? null);
      return true;
    },
  },
};

/** Drops undefined members so PATCH's "at least one field" rule sees only the fields given. */
function dropUndefined(input: unknown): unknown {
  if (typeof input !== 'object' || input === null) return input;
  return Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined));
}
