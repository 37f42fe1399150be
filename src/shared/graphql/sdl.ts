/**
 * The GraphQL schema's SDL: fields mirror the REST DTOs in camelCase. schema.graphql at the repo
 * root is generated from this (npm run graphql:sdl) and a test checks the two match.
 */
export const typeDefs = /* GraphQL */ `
  "Any JSON value (space metadata)."
  scalar JSON

  type PageInfo {
    hasNextPage: Boolean!
    "Pass as after to get the next page (null on the last page, and on Space.documents)."
    endCursor: String
  }

  enum SpaceOrderField {
    CREATED_AT
    NAME
  }

  enum OrderDirection {
    ASC
    DESC
  }

  "As REST's sort/order: CREATED_AT defaults to DESC, NAME to ASC."
  input SpaceOrder {
    field: SpaceOrderField!
    direction: OrderDirection
  }

  type Space {
    id: ID!
    name: String!
    description: String
    metadata: JSON!
    documentCount: Int!
    createdAt: String!
    updatedAt: String!
    "The space's newest documents (documents:read), batched across a page of spaces. Page further with Query.documents."
    documents(first: Int!): DocumentConnection!
  }

  type SpaceEdge {
    cursor: String!
    node: Space!
  }

  type SpaceConnection {
    nodes: [Space!]!
    edges: [SpaceEdge!]!
    pageInfo: PageInfo!
    "Spaces in the whole list (one COUNT query, only when selected)."
    totalCount: Int!
  }

  type Chunk {
    id: ID!
    documentId: ID!
    index: Int!
    text: String!
    start: Int!
    end: Int!
    page: Int
    pageEnd: Int
  }

  type Document {
    id: ID!
    spaceId: ID!
    filename: String!
    contentType: String!
    sizeBytes: Int!
    sha256: String!
    status: String!
    failureReason: String
    failureMessage: String
    chunkCount: Int
    pageCount: Int
    createdAt: String!
    updatedAt: String!
    processedAt: String
    "The document's first chunks by index, batched across a page of documents."
    chunks(first: Int!): [Chunk!]!
  }

  type DocumentEdge {
    cursor: String!
    node: Document!
  }

  type DocumentConnection {
    nodes: [Document!]!
    edges: [DocumentEdge!]!
    pageInfo: PageInfo!
  }

  type Webhook {
    id: ID!
    url: String!
    eventTypes: [String!]!
    description: String
    enabled: Boolean!
    disabledReason: String
    secretCreatedAt: String
    createdAt: String!
    updatedAt: String!
  }

  type WebhookEdge {
    cursor: String!
    node: Webhook!
  }

  type WebhookConnection {
    nodes: [Webhook!]!
    edges: [WebhookEdge!]!
    pageInfo: PageInfo!
  }

  "The signing secret is shown here only (and at rotation, in REST)."
  type CreateWebhookPayload {
    webhook: Webhook!
    secret: String!
  }

  type Citation {
    n: Int!
    documentId: ID!
    filename: String!
    chunkId: ID!
    page: Int
    excerpt: String!
    score: Float!
  }

  type QuestionUsage {
    promptTokens: Int!
    completionTokens: Int!
  }

  type QuestionError {
    code: String!
    message: String!
  }

  "A question asked of a space (REST: /v1/queries/{id})."
  type Question {
    id: ID!
    spaceId: ID!
    status: String!
    question: String!
    answer: String
    citations: [Citation!]!
    mode: String
    model: String
    usage: QuestionUsage
    durationMs: Int
    error: QuestionError
    createdAt: String!
    completedAt: String
  }

  "The caller's credential (REST: /v1/auth/whoami)."
  type Me {
    kind: String!
    tenantId: String!
    keyId: String
    tier: String
    scopes: [String!]!
  }

  type Query {
    "The caller's spaces (spaces:read). first: 1-100 (required)."
    spaces(first: Int!, after: String, namePrefix: String, orderBy: SpaceOrder): SpaceConnection!
    "The list form of spaces: what { spaces { id name } } (no connection fields) is served by. See docs/graphql.md."
    spacesList(first: Int = 100, namePrefix: String, orderBy: SpaceOrder): [Space!]!
    space(id: ID!): Space!
    "A space's documents, newest first (documents:read). first: 1-100 (required)."
    documents(spaceId: ID!, first: Int!, after: String): DocumentConnection!
    document(spaceId: ID!, id: ID!): Document!
    "The tenant's webhooks, oldest first (webhooks:manage)."
    webhooks(first: Int!, after: String): WebhookConnection!
    "A question and, once finished, its answer (queries:execute)."
    query(id: ID!): Question!
    "Any valid credential."
    me: Me!
  }

  input CreateSpaceInput {
    name: String!
    description: String
    metadata: JSON
  }

  input UpdateSpaceInput {
    name: String
    description: String
    metadata: JSON
  }

  input AskQuestionInput {
    question: String!
    topK: Int
    documentIds: [ID!]
    "auto (default), extractive or generative"
    mode: String
  }

  input CreateWebhookInput {
    url: String!
    eventTypes: [String!]!
    description: String
    enabled: Boolean
  }

  type Mutation {
    "spaces:write"
    createSpace(input: CreateSpaceInput!): Space!
    "Merge semantics (as PATCH); ifMatch is the space's ETag, as If-Match (spaces:write)."
    updateSpace(id: ID!, input: UpdateSpaceInput!, ifMatch: String): Space!
    "spaces:write"
    deleteSpace(id: ID!, ifMatch: String): Boolean!
    "Records the question and queues it (queries:execute); wait: true waits up to QUERY_WAIT_SECONDS for the answer."
    askQuestion(spaceId: ID!, input: AskQuestionInput!, wait: Boolean = false): Question!
    "webhooks:manage"
    createWebhook(input: CreateWebhookInput!): CreateWebhookPayload!
    "webhooks:manage"
    deleteWebhook(id: ID!, ifMatch: String): Boolean!
  }

  "A space.created / space.updated / space.deleted event."
  type SpaceEvent {
    type: String!
    eventId: ID!
    timestamp: String!
    space: Space!
    changedFields: [String!]
  }

  "POST a subscription to /api/graphql: the answer is a Web PubSub URL and group (docs/graphql.md)."
  type Subscription {
    "A document was uploaded to the space (documents:read)."
    documentAdded(spaceId: ID!): Document!
    "A document of the space finished processing: status processed or failed (documents:read)."
    documentProcessed(spaceId: ID!): Document!
    "The tenant's space events (spaces:read)."
    spaceEvents: SpaceEvent!
    "The question finished: status completed or failed (queries:execute)."
    queryCompleted(id: ID!): Question!
  }
`;
