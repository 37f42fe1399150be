/**
 * Makes the embedded Cosmos emulator's queries linear instead of quadratic, without changing what
 * they return. @zeit/cosmosdb-query (used by @vercel/cosmosdb-server) compiles every FROM/JOIN into
 * `collection.reduce(($, c) => [...$, { c }], [])`: each step copies the whole accumulator, so a
 * query over n items costs n²/2 copies (bench:spaces profile: ~70% of the emulator's CPU for a list
 * over a 2,000-item partition, plus most of its GC). This rewrites those accumulators to append in
 * place, `($.push({ c }), $)`: the accumulator is the reduce's own fresh `[]`, never shared, so the
 * result is the same array contents. It wraps the package (compiling with its own transformer and
 * generator, then replacing the compiled code) rather than forking it; the package is pinned
 * (@vercel/cosmosdb-server 1.0.1 -> @zeit/cosmosdb-query 0.7.2), and a shape this does not
 * recognise is simply left as the package compiled it.
 *
 * It also sorts single-field ORDER BY results with each item's sort value read once (decorate, sort,
 * undecorate) instead of twice per comparison (the package's comparator walks the property path
 * with fresh arrays on every call: after the fix above, ~60% of the emulator's CPU for a list of
 * 1,000 spaces). Same ordering rules (Cosmos type order, `_rid` tie-break, stable), same filtering
 * of items without the field; multi-field ORDER BY keeps the package's own sort.
 */
import { dirname } from 'node:path';

interface AstNode {
  type: string;
  [key: string]: unknown;
}

interface CompiledQuery {
  ast: unknown;
  _code: string | null;
}

interface ItemsPrototype {
  // A property, not a method: it is saved and called back with .call(this, ...).
  _getQuery: (sql: string) => CompiledQuery;
  __linearAccumulators?: boolean;
}

const isNode = (v: unknown): v is AstNode => typeof v === 'object' && v !== null && typeof (v as AstNode).type === 'string';
const isDollar = (v: unknown): boolean => isNode(v) && v.type === 'Identifier' && v.name === '$';

/** `[...$, a, ...b]` -> `($.push(a, ...b), $)`; anything else unchanged. */
function appendInPlace(expr: unknown): unknown {
  if (!isNode(expr)) return expr;
  if (expr.type === 'ConditionalExpression') {
    return { ...expr, consequent: appendInPlace(expr.consequent), alternate: appendInPlace(expr.alternate) };
  }
  const elements = expr.type === 'ArrayExpression' ? (expr.elements as unknown[]) : [];
  const [first, ...rest] = elements;
  if (!(isNode(first) && first.type === 'SpreadElement' && isDollar(first.argument))) return expr;
  const dollar = { type: 'Identifier', name: '$' };
  return {
    type: 'SequenceExpression',
    expressions: [
      {
        type: 'CallExpression',
        callee: { type: 'MemberExpression', object: dollar, property: { type: 'Identifier', name: 'push' }, computed: false },
        arguments: rest,
      },
      dollar,
    ],
  };
}

/** Is `node` a `x.reduce(($, …) => …, [])` call? */
function isAccumulatingReduce(node: AstNode): boolean {
  if (node.type !== 'CallExpression') return false;
  const callee = node.callee;
  const args = node.arguments as unknown[];
  if (!(isNode(callee) && callee.type === 'MemberExpression' && isNode(callee.property) && callee.property.name === 'reduce')) return false;
  const [fn, init] = args;
  return (
    args.length === 2 &&
    isNode(fn) &&
    fn.type === 'ArrowFunctionExpression' &&
    isDollar((fn.params as unknown[])[0]) &&
    isNode(init) &&
    init.type === 'ArrayExpression' &&
    (init.elements as unknown[]).length === 0
  );
}

/** Rewrites every accumulating reduce in a compiled query's JS AST (in place). Exported for tests. */
export function linearizeAccumulators(node: unknown): void {
  if (Array.isArray(node)) {
    node.forEach(linearizeAccumulators);
    return;
  }
  if (!isNode(node)) return;
  if (isAccumulatingReduce(node)) {
    const fn = (node.arguments as AstNode[])[0]!; // isAccumulatingReduce checked the callback
    fn.body = appendInPlace(fn.body);
  }
  for (const [key, value] of Object.entries(node)) {
    if (key !== 'type' && typeof value === 'object' && value !== null) linearizeAccumulators(value);
  }
}

type Doc = unknown;
type Order = [keys: string[], desc: boolean];
type SortHelper = (collection: Doc[], getRid: (d: Doc) => unknown, compositeIndexes: unknown, ...orders: Order[]) => Doc[];

/** Cosmos's order of types, as the package's comparator has it. */
const TYPE_ORDER = ['undefined', 'null', 'boolean', 'number', 'string', 'array', 'object'];
const typeOf = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

/** The package's comparator (helpers.js), unchanged in meaning. */
export function compareValues(a: unknown, b: unknown): number {
  if (a === b) return 0;
  const aType = typeOf(a);
  const bType = typeOf(b);
  if (aType === bType) {
    if (aType === 'object') return 0;
    return (a as string | number) < (b as string | number) ? -1 : 1;
  }
  for (const t of TYPE_ORDER) {
    if (aType === t) return -1;
    if (bType === t) return 1;
  }
  return 0;
}

/** The value at `keys` (the first key names the FROM alias), as the package's getValue reads it. */
function valueAt(doc: unknown, keys: string[]): unknown {
  let value: unknown = doc;
  for (const key of keys) {
    value = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
    if (value === undefined) return undefined;
  }
  return value;
}

/** helpers.sort for one ORDER BY field, reading each item's value and _rid once. Exported for tests. */
export function sortByOneField(original: SortHelper): SortHelper {
  return (collection, getRid, compositeIndexes, ...orders) => {
    if (orders.length !== 1) return original(collection, getRid, compositeIndexes, ...orders);
    const [keys, desc] = orders[0]!;
    const decorated = collection.map((d) => ({ d, v: valueAt(d, keys), rid: getRid(d) }));
    decorated.sort((a, b) => {
      const r = compareValues(a.v, b.v);
      if (r !== 0) return desc ? -r : r;
      return compareValues(a.rid, b.rid);
    });
    return decorated.filter((x) => x.v !== undefined).map((x) => x.d);
  };
}

/* eslint-disable @typescript-eslint/no-require-imports -- untyped CommonJS internals of the pinned emulator packages */
function loadHelpers(queryDir: string): { sort: SortHelper } {
  return require(`${queryDir}/lib/helpers`) as { sort: SortHelper };
}

function queryPackageDir(): string {
  return dirname(require.resolve('@zeit/cosmosdb-query/package.json', { paths: [dirname(require.resolve('@vercel/cosmosdb-server/package.json'))] }));
}

function loadCompiler(): { transform: (ast: unknown) => unknown; generate: (jsAst: unknown) => { code: string } } {
  const queryDir = queryPackageDir();
  const transformer = require(`${queryDir}/lib/transformer`) as { default: (ast: unknown) => unknown };
  const generator = require(require.resolve('@babel/generator', { paths: [queryDir] })) as { default: (jsAst: unknown) => { code: string } };
  return { transform: transformer.default, generate: generator.default };
}

/** Compiles `sql`'s query object with linear accumulators (what the emulator then caches and runs). */
export function installLinearQueries(): void {
  const items = require('@vercel/cosmosdb-server/lib/account/items') as { default: { prototype: ItemsPrototype } };
  /* eslint-enable @typescript-eslint/no-require-imports */
  const proto = items.default.prototype;
  if (proto.__linearAccumulators) return;
  const { transform, generate } = loadCompiler();
  const original = proto._getQuery;
  proto._getQuery = function (this: ItemsPrototype, sql: string): CompiledQuery {
    const q = original.call(this, sql);
    if (q._code === null) {
      const jsAst = transform(q.ast);
      linearizeAccumulators(jsAst);
      q._code = generate(jsAst).code;
    }
    return q;
  };
  proto.__linearAccumulators = true;
  const helpers = loadHelpers(queryPackageDir());
  helpers.sort = sortByOneField(helpers.sort);
}
