/**
 * Depth and alias limits as validation rules. Hand-written (about 40 lines) rather than
 * @escape.tech/graphql-armor: that package's plugins were not tried under the time box of this
 * change; swapping these for graphql-armor's maxDepth/maxAliases is a drop-in change.
 */
import { GraphQLError, Kind, type ASTVisitor, type FragmentDefinitionNode, type SelectionSetNode, type ValidationContext } from 'graphql';

export const MAX_DEPTH = 8;
export const MAX_ALIASES = 15;

function depthOf(set: SelectionSetNode | undefined, fragments: Record<string, FragmentDefinitionNode>, seen: Set<string>): number {
  if (!set) return 0;
  let max = 0;
  for (const s of set.selections) {
    let d = 0;
    if (s.kind === Kind.FIELD) d = s.selectionSet ? 1 + depthOf(s.selectionSet, fragments, seen) : 1;
    else if (s.kind === Kind.INLINE_FRAGMENT) d = depthOf(s.selectionSet, fragments, seen);
    else {
      const f = fragments[s.name.value];
      if (f && !seen.has(f.name.value)) d = depthOf(f.selectionSet, fragments, new Set([...seen, f.name.value]));
    }
    if (d > max) max = d;
  }
  return max;
}

export function maxDepthRule(context: ValidationContext): ASTVisitor {
  return {
    OperationDefinition(node) {
      const fragments: Record<string, FragmentDefinitionNode> = {};
      for (const d of context.getDocument().definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments[d.name.value] = d;
      const depth = depthOf(node.selectionSet, fragments, new Set());
      if (depth > MAX_DEPTH) {
        context.reportError(
          new GraphQLError(`Query depth ${depth} exceeds the limit of ${MAX_DEPTH}.`, { nodes: [node], extensions: { code: 'VALIDATION_ERROR' } }),
        );
      }
    },
  };
}

export function maxAliasesRule(context: ValidationContext): ASTVisitor {
  let aliases = 0;
  return {
    Field(node) {
      if (node.alias) aliases += 1;
    },
    Document: {
      leave() {
        if (aliases > MAX_ALIASES) {
          context.reportError(
            new GraphQLError(`The document uses ${aliases} aliases; the limit is ${MAX_ALIASES}.`, { extensions: { code: 'VALIDATION_ERROR' } }),
          );
        }
      },
    },
  };
}
