/**
 * Query cost, as Shopify counts it: every object (a field whose type is an object) costs 1, and a
 * list costs as many objects as it can hold — a connection's `first`, or a list field's own
 * `first`. Scalars are free. So `spaces(first: 20) { nodes { id name } }` is 1 + 20 = 21.
 * Computed before execution from the document and the variables.
 */
import {
  getNamedType,
  getNullableType,
  isCompositeType,
  isListType,
  isObjectType,
  Kind,
  OperationTypeNode,
  valueFromAST,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLObjectType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';

interface Walk {
  schema: GraphQLSchema;
  fragments: Record<string, FragmentDefinitionNode>;
  variables: Record<string, unknown>;
}

function firstArg(field: FieldNode, def: GraphQLField<unknown, unknown>, w: Walk): number | undefined {
  const argDef = def.args.find((a) => a.name === 'first');
  if (!argDef) return undefined;
  const node = field.arguments?.find((a) => a.name.value === 'first');
  const v = node ? valueFromAST(node.value, argDef.type, w.variables) : argDef.defaultValue;
  return typeof v === 'number' && Number.isFinite(v) ? Math.max(0, v) : undefined;
}

/** The fields a selection set selects on `type`, fragments flattened. */
function fieldsOf(set: SelectionSetNode, type: GraphQLObjectType, w: Walk, seen: Set<string>, out: FieldNode[] = []): FieldNode[] {
  for (const s of set.selections) {
    if (s.kind === Kind.FIELD) out.push(s);
    else if (s.kind === Kind.INLINE_FRAGMENT) {
      if (!s.typeCondition || s.typeCondition.name.value === type.name) fieldsOf(s.selectionSet, type, w, seen, out);
    } else if (!seen.has(s.name.value)) {
      const f = w.fragments[s.name.value];
      if (f && f.typeCondition.name.value === type.name) fieldsOf(f.selectionSet, type, w, new Set([...seen, s.name.value]), out);
    }
  }
  return out;
}

/** `items`: how many objects a list here holds (the enclosing connection's first). */
function costOf(set: SelectionSetNode, type: GraphQLObjectType, multiplier: number, items: number, w: Walk): number {
  let cost = 0;
  const defs = type.getFields();
  for (const field of fieldsOf(set, type, w, new Set())) {
    const def = defs[field.name.value];
    if (!def) continue; // __typename, introspection: free (and off in production)
    const named = getNamedType(def.type);
    if (!isCompositeType(named) || !isObjectType(named) || !field.selectionSet) continue;
    const first = firstArg(field, def, w);
    const list = isListType(getNullableType(def.type));
    const objects = list ? multiplier * (first ?? items) : multiplier;
    cost += objects + costOf(field.selectionSet, named, objects, list ? 1 : (first ?? items), w);
  }
  return cost;
}

export function queryCost(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  fragments: Record<string, FragmentDefinitionNode>,
  variables: Record<string, unknown>,
): number {
  const root =
    operation.operation === OperationTypeNode.MUTATION
      ? schema.getMutationType()
      : operation.operation === OperationTypeNode.SUBSCRIPTION
        ? schema.getSubscriptionType()
        : schema.getQueryType();
  if (!root) return 0;
  return costOf(operation.selectionSet, root, 1, 1, { schema, fragments, variables });
}

/** What the result holds: every object in it (each list item counted, the root not), Shopify's actualQueryCost. */
export function actualCost(data: unknown): number {
  return Math.max(0, objects(data) - 1);
}

function objects(v: unknown): number {
  if (Array.isArray(v)) return v.reduce((n: number, d) => n + objects(d), 0);
  if (typeof v !== 'object' || v === null) return 0;
  return 1 + Object.values(v).reduce((n: number, d) => n + objects(d), 0);
}
