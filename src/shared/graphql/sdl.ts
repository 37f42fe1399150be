/** The GraphQL schema's SDL: fields mirror the REST DTOs in camelCase. */
export const typeDefs = /* GraphQL */ `
  scalar JSON

  type PageInfo {
    hasNextPage: Boolean!
    endCursor: String
  }

  type Space {
    id: ID!
    name: String!
    description: String
    metadata: JSON!
    documentCount: Int!
    createdAt: String!
    updatedAt: String!
  }

  type SpaceEdge {
    cursor: String!
    node: Space!
  }

  type SpaceConnection {
    nodes: [Space!]!
    edges: [SpaceEdge!]!
    pageInfo: PageInfo!
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

  type Query {
    "The caller's spaces, newest first. first: 1-100 (required)."
    spaces(first: Int!, after: String): SpaceConnection!
    space(id: ID!): Space!
    "A space's documents, newest first. first: 1-100 (required)."
    documents(spaceId: ID!, first: Int!, after: String): DocumentConnection!
    document(spaceId: ID!, id: ID!): Document!
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

  type Mutation {
    createSpace(input: CreateSpaceInput!): Space!
    "Merge semantics (as PATCH); ifMatch is the space's ETag, as If-Match."
    updateSpace(id: ID!, input: UpdateSpaceInput!, ifMatch: String): Space!
    deleteSpace(id: ID!, ifMatch: String): Boolean!
  }
`;
