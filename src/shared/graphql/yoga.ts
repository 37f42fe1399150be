/**
 * The graphql-yoga instance behind /api/graphql: schema, limits (tokens, depth, aliases, cost,
 * introspection), the cost's rate-limit charge, and AppError → extensions.code.
 */
import { GraphQLError, Kind, NoSchemaIntrospectionCustomRule, type ExecutionArgs, type FragmentDefinitionNode, type Source } from 'graphql';
import { createYoga, type Plugin, type YogaServerInstance } from 'graphql-yoga';
import { getConfig } from '../config';
import { isAppError } from '../core/errors';
import { getLogger } from '../services';
import { rateLimit } from '../http/authenticate';
import type { RateLimitResult } from '../ports';
import { actualCost, queryCost } from './cost';
import { operationOf, parseDocument } from './document';
import { maxAliasesRule, maxDepthRule } from './limits';
import type { GraphQLContext } from './resolvers';
import { getSchema } from './schema';

/** What the function hands yoga per request; `rate` receives the cost's rate-limit charge. */
export interface RequestContext extends GraphQLContext {
  rate: { result?: RateLimitResult | null };
}

export interface CostReport {
  requestedQueryCost: number;
  actualQueryCost: number | null;
  maxCost: number;
  /** Requests this operation counted as toward the rate limit (GRAPHQL_COST_PER_REQUEST points each). */
  rateLimitRequests: number;
}

const fragmentsOf = (defs: readonly { kind: Kind }[]): Record<string, FragmentDefinitionNode> =>
  Object.fromEntries(defs.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((f) => [f.name.value, f]));

const limits: Plugin<RequestContext> = {
  onParse({ setParseFn }) {
    setParseFn((source: string | Source) => parseDocument(typeof source === 'string' ? source : source.body));
  },
  onValidate({ addValidationRule }) {
    addValidationRule(maxDepthRule);
    addValidationRule(maxAliasesRule);
    const c = getConfig();
    if (c.ENVIRONMENT === 'production' && !c.GRAPHQL_INTROSPECTION) addValidationRule(NoSchemaIntrospectionCustomRule);
    return ({ valid, result, setResult }) => {
      if (!valid) setResult(result.map((e: Error) => (e instanceof GraphQLError ? withCode(e) : e)));
    };
  },
  async onExecute({ args: untyped, setResultAndStopExecution }) {
    // envelop types args loosely (any); these are graphql's execution args.
    const args = untyped as ExecutionArgs;
    const c = getConfig();
    const op = operationOf(args.document, args.operationName);
    const requested = op ? queryCost(args.schema, op, fragmentsOf(args.document.definitions), args.variableValues ?? {}) : 0;
    const requests = Math.max(1, Math.ceil(requested / c.GRAPHQL_COST_PER_REQUEST));
    const cost: CostReport = { requestedQueryCost: requested, actualQueryCost: null, maxCost: c.GRAPHQL_MAX_COST, rateLimitRequests: requests };
    if (requested > c.GRAPHQL_MAX_COST) {
      setResultAndStopExecution({
        errors: [
          new GraphQLError(`The query's cost ${requested} exceeds the limit of ${c.GRAPHQL_MAX_COST}: ask for fewer items (first) or fewer nested lists.`, {
            extensions: { code: 'VALIDATION_ERROR' },
          }),
        ],
        extensions: { cost },
      });
      return;
    }
    // The pipeline charged one request already; a costly operation pays the rest now.
    const ctx = args.contextValue as RequestContext;
    if (requests > 1) {
      const r = await rateLimit(ctx.principal, undefined, requests - 1);
      if (r) ctx.rate.result = r;
      if (r && !r.allowed) {
        setResultAndStopExecution({
          errors: [new GraphQLError('Rate limit exceeded; retry later.', { extensions: { code: 'RATE_LIMIT_EXCEEDED', retryAfter: r.retryAfter } })],
          extensions: { cost },
        });
        return;
      }
    }
    return {
      onExecuteDone({ result, setResult }) {
        if (!('data' in result)) return; // a stream: not produced here (subscriptions do not run in yoga)
        setResult({ ...result, extensions: { ...result.extensions, cost: { ...cost, actualQueryCost: actualCost(result.data) } } });
      },
    };
  },
};

let instance: YogaServerInstance<RequestContext, object> | undefined;

export function getYoga(): YogaServerInstance<RequestContext, object> {
  instance ??= createYoga<RequestContext>({
    schema: getSchema(),
    graphqlEndpoint: '/api/graphql',
    // GraphiQL off everywhere: yoga's GraphiQL page loads its scripts from a CDN (unpkg), which
    // breaks the no-traffic-beyond-loopback rule locally and is unwanted in production.
    graphiql: false,
    landingPage: false,
    plugins: [limits],
    // Resolver errors with a stable code (NOT_FOUND, FORBIDDEN…) are answers, not incidents: only the rest is logged.
    logging: {
      debug: () => undefined,
      info: () => undefined,
      warn: (...args: unknown[]) => getLogger().warn('graphql', { detail: args.map(String).join(' ') }),
      error: (...args: unknown[]) => {
        if (args.some((a) => isAppError(a) || (a instanceof GraphQLError && (isAppError(a.originalError) || !a.originalError)))) return;
        getLogger().error('graphql', { detail: args.map((a) => (a instanceof Error ? `${a.name}: ${a.message}` : String(a))).join(' ') });
      },
    },
    maskedErrors: {
      // AppErrors keep their stable code and client-safe message; anything else is masked as INTERNAL.
      maskError(error) {
        // Yoga may wrap the resolver's error more than once: look through to the innermost cause.
        let original: unknown = error;
        while (original instanceof Error && 'originalError' in original && original.originalError) original = original.originalError;
        if (isAppError(original)) {
          const details = original.details.length > 0 ? { details: original.details } : {};
          return new GraphQLError(original.message, {
            ...(error instanceof GraphQLError ? { nodes: error.nodes, path: error.path } : {}),
            extensions: { code: original.code, ...details },
          });
        }
        if (original instanceof GraphQLError && !original.originalError) return withCode(original);
        // Yoga's own request errors (invalid JSON body, bad params) carry their HTTP status.
        // (duck-typed: the JSON-body error is not always a GraphQLError of this graphql instance).
        const http = (error as { extensions?: { http?: { status?: number } } }).extensions?.http;
        if (http) return new GraphQLError((error as Error).message, { extensions: { code: 'VALIDATION_ERROR', http } });
        if (error instanceof GraphQLError && !error.originalError) return withCode(error);
        return new GraphQLError('An internal error occurred.', { extensions: { code: 'INTERNAL' } });
      },
    },
  });
  return instance;
}

/** Yoga's request-error codes, which the project calls VALIDATION_ERROR. */
const YOGA_REQUEST_CODES = new Set(['GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'BAD_USER_INPUT', 'BAD_REQUEST']);

/** Syntax, validation and limit errors: VALIDATION_ERROR unless they carry a project code already. */
function withCode(e: GraphQLError): GraphQLError {
  if (typeof e.extensions.code === 'string' && !YOGA_REQUEST_CODES.has(e.extensions.code)) return e;
  return new GraphQLError(e.message, {
    nodes: e.nodes,
    source: e.source,
    positions: e.positions,
    path: e.path,
    extensions: { ...e.extensions, code: 'VALIDATION_ERROR' },
  });
}
