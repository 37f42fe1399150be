/**
 * The persisted operations the platform's own clients send (GRAPHQL_PERSISTED_ONLY=true runs only
 * these). A client sends `extensions.persistedQuery.sha256Hash` = the hex SHA-256 of the text below.
 * Adding an operation = adding its text here (the hash is computed at load).
 */
export const PERSISTED_OPERATIONS: readonly string[] = [
  // The production checklist and the load test.
  'query { spaces { id name documentCount } }',
  // npm run bench:graphql and the console's space list.
  'query { spaces(first: 20) { nodes { id name documentCount } } }',
  'query Spaces($first: Int!, $after: String) { spaces(first: $first, after: $after) { nodes { id name description documentCount createdAt updatedAt } pageInfo { hasNextPage endCursor } } }',
  'subscription DocumentAdded($spaceId: ID!) { documentAdded(spaceId: $spaceId) { id spaceId filename status createdAt } }',
  'subscription DocumentProcessed($spaceId: ID!) { documentProcessed(spaceId: $spaceId) { id spaceId filename status chunkCount failureReason processedAt } }',
  'subscription SpaceEvents { spaceEvents { type eventId timestamp space { id name documentCount } changedFields } }',
];
