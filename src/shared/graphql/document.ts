/**
 * Parsing a GraphQL document: with the token limit (GRAPHQL_MAX_TOKENS, so a huge document is
 * refused before any work) and the one compatibility rewrite: the production checklist's
 * `{ spaces { id name documentCount } }` (spaces selected as a list, no connection fields) is served
 * by `spacesList`, aliased back to `spaces`, so the result is `{ data: { spaces: [ … ] } }`.
 */
import { GraphQLError, Kind, OperationTypeNode, parse, visit, type DocumentNode, type FieldNode, type OperationDefinitionNode } from 'graphql';
import { getConfig } from '../config';

const CONNECTION_FIELDS = new Set(['nodes', 'edges', 'pageInfo', 'totalCount']);

/** Top-level `spaces` selecting Space fields directly (and no fragments) is the list form. */
function isListShape(f: FieldNode): boolean {
  const sel = f.selectionSet?.selections ?? [];
  return sel.length > 0 && sel.every((s) => s.kind === Kind.FIELD && !CONNECTION_FIELDS.has(s.name.value) && s.name.value !== '__typename');
}

export function rewriteListShape(doc: DocumentNode): DocumentNode {
  return visit(doc, {
    OperationDefinition(op) {
      if (op.operation !== OperationTypeNode.QUERY) return undefined;
      const selections = op.selectionSet.selections.map((s) =>
        s.kind === Kind.FIELD && s.name.value === 'spaces' && isListShape(s)
          ? { ...s, alias: s.alias ?? { kind: Kind.NAME, value: 'spaces' }, name: { kind: Kind.NAME, value: 'spacesList' } }
          : s,
      );
      return { ...op, selectionSet: { ...op.selectionSet, selections } } as OperationDefinitionNode;
    },
  });
}

export function parseDocument(source: string): DocumentNode {
  const maxTokens = getConfig().GRAPHQL_MAX_TOKENS;
  try {
    return rewriteListShape(parse(source, { maxTokens }));
  } catch (e) {
    if (e instanceof GraphQLError && /more th(?:an|at) \d+ tokens/.test(e.message)) {
      throw new GraphQLError(`The document has more than ${maxTokens} tokens (GRAPHQL_MAX_TOKENS).`, { extensions: { code: 'VALIDATION_ERROR' } });
    }
    if (e instanceof GraphQLError) throw new GraphQLError(e.message, { source: e.source, positions: e.positions, extensions: { code: 'VALIDATION_ERROR' } });
    throw e;
  }
}

/** The operation a request names (or its only one); undefined when ambiguous or absent. */
export function operationOf(doc: DocumentNode, operationName: string | null | undefined): OperationDefinitionNode | undefined {
  const ops = doc.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  if (operationName) return ops.find((o) => o.name?.value === operationName);
  return ops.length === 1 ? ops[0] : undefined;
}
