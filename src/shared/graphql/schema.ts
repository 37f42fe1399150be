/** The executable schema (SDL + resolvers), built once per process; the push shapes events with it too. */
import type { GraphQLSchema } from 'graphql';
import { createSchema } from 'graphql-yoga';
import { resolvers, type GraphQLContext } from './resolvers';
import { typeDefs } from './sdl';

let schema: GraphQLSchema | undefined;
export const getSchema = (): GraphQLSchema => (schema ??= createSchema<GraphQLContext>({ typeDefs, resolvers }));
