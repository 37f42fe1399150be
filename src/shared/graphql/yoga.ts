/** The graphql-yoga instance behind /api/graphql: schema, limits, and AppError → extensions.code. */
import { GraphQLError } from 'graphql';
import { createSchema, createYoga, type Plugin, type YogaServerInstance } from 'graphql-yoga';
import { isAppError } from '../core/errors';
import { maxAliasesRule, maxDepthRule } from './limits';
import { resolvers, type GraphQLContext } from './resolvers';
import { typeDefs } from './sdl';

const limits: Plugin = {
  onValidate({ addValidationRule }) {
    addValidationRule(maxDepthRule);
    addValidationRule(maxAliasesRule);
  },
};

let instance: YogaServerInstance<GraphQLContext, object> | undefined;

export function getYoga(): YogaServerInstance<GraphQLContext, object> {
  instance ??= createYoga<GraphQLContext>({
    schema: createSchema<GraphQLContext>({ typeDefs, resolvers }),
    graphqlEndpoint: '/api/graphql',
    // GraphiQL off everywhere: yoga's GraphiQL page loads its scripts from a CDN (unpkg), which
    // breaks the no-traffic-beyond-loopback rule locally and is unwanted in production.
    graphiql: false,
    landingPage: false,
    plugins: [limits],
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
        // Yoga's own request errors (invalid JSON body, bad params) carry their HTTP status.
        // (duck-typed: the JSON-body error is not always a GraphQLError of this graphql instance).
        const http = (error as { extensions?: { http?: { status?: number } } }).extensions?.http;
        if (http) return new GraphQLError((error as Error).message, { extensions: { code: 'VALIDATION_ERROR', http } });
        if (error instanceof GraphQLError && !error.originalError) return error;
        return new GraphQLError('An internal error occurred.', { extensions: { code: 'INTERNAL' } });
      },
    },
  });
  return instance;
}
