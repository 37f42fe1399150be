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
  _getQuery(sql: string): CompiledQuery;
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
    const fn = (node.arguments as AstNode[])[0]!;
    fn.body = appendInPlace(fn.body);
  }
  for (const [key, value] of Object.entries(node)) {
    if (key !== 'type' && typeof value === 'object' && value !== null) linearizeAccumulators(value);
  }
}

/* eslint-disable @typescript-eslint/no-require-imports -- untyped CommonJS internals of the pinned emulator packages */
function loadCompiler(): { transform: (ast: unknown) => unknown; generate: (jsAst: unknown) => { code: string } } {
  const queryDir = dirname(require.resolve('@zeit/cosmosdb-query/package.json', { paths: [dirname(require.resolve('@vercel/cosmosdb-server/package.json'))] }));
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
}
