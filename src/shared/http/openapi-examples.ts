/**
 * Examples for the reference page and generated clients: one per named schema (keyed by its
 * component id) and one per JSON request body (keyed by operationId). Kept here, not in the
 * domain schema files, so the description's prose lives in one place. test/unit/openapi.test.ts
 * validates each against its schema, so an example cannot go stale.
 */
const T0 = '2026-01-15T09:30:00.000Z';
const T1 = '2026-01-15T09:31:12.000Z';
const SPACE = 'spc_8f14e45fceea167a5a36dedd4bea2543';
const DOC = 'doc_c9f0f895fb98ab9159f51fd0297e236d';
const QUERY = 'qry_45c48cce2e2d7fbdea1afc51c7c6ad26';
const WEBHOOK = 'whk_d3d9446802a44259755d38e6d163e820';

const space = {
  id: SPACE,
  name: 'Contracts 2026',
  description: 'Signed supplier contracts',
  metadata: { team: 'legal', priority: 1 },
  document_count: 3,
  created_at: T0,
  updated_at: T1,
};

const document = {
  id: DOC,
  space_id: SPACE,
  filename: 'supplier-agreement.pdf',
  content_type: 'application/pdf',
  size_bytes: 482113,
  sha256: '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
  status: 'processed',
  failure_reason: null,
  failure_message: null,
  chunk_count: 42,
  page_count: 12,
  created_at: T0,
  updated_at: T1,
  processed_at: T1,
};

const citation = {
  n: 1,
  document_id: DOC,
  filename: 'supplier-agreement.pdf',
  chunk_id: `${DOC}:7`,
  page: 4,
  excerpt: 'Either party may terminate this agreement with 90 days written notice.',
  score: 0.82,
};

const query = {
  id: QUERY,
  space_id: SPACE,
  status: 'completed',
  question: 'What is the notice period for termination?',
  answer: 'Either party may terminate with 90 days written notice [1].',
  citations: [citation],
  mode: 'generative',
  model: 'gpt-4o-mini',
  usage: { prompt_tokens: 812, completion_tokens: 31 },
  duration_ms: 1430,
  created_at: T0,
  completed_at: T1,
};

const webhook = {
  id: WEBHOOK,
  url: 'https://hooks.example.com/eva',
  event_types: ['document.*', 'query.completed'],
  description: 'Indexer',
  enabled: true,
  disabled_reason: null,
  secret_created_at: T0,
  created_at: T0,
  updated_at: T0,
};

const apiKey = {
  id: 'key_3c59dc048e8850243be8079a5c74d079',
  tenant_id: 'acme',
  name: 'ci-pipeline',
  description: 'Uploads from CI',
  scopes: ['spaces:read', 'documents:write'],
  prefix: 'eva_live_3c59dc04',
  status: 'active',
  created_at: T0,
  expires_at: null,
  revoked_at: null,
  last_used_at: T1,
  rotated_from: null,
  rotated_to: null,
};

/** By component id (the zod .meta({ id })). */
export const SCHEMA_EXAMPLES: Readonly<Record<string, unknown>> = {
  Space: space,
  Document: document,
  Citation: citation,
  Query: query,
  QueryWithLinks: {
    ...query,
    links: { self: `/api/v1/queries/${QUERY}`, status: `/api/v1/queries/${QUERY}/status`, results: `/api/v1/queries/${QUERY}/results` },
  },
  QueryStatus: { id: QUERY, space_id: SPACE, status: 'completed', created_at: T0, completed_at: T1 },
  Webhook: webhook,
  ApiKey: apiKey,
};

/** By operationId: the JSON request body. */
export const BODY_EXAMPLES: Readonly<Record<string, unknown>> = {
  'spaces-create': { name: 'Contracts 2026', description: 'Signed supplier contracts', metadata: { team: 'legal', priority: 1 } },
  'spaces-replace': { name: 'Contracts 2026', description: null, metadata: {} },
  'spaces-update': { description: 'Signed and countersigned supplier contracts' },
  'queries-submit': { question: 'What is the notice period for termination?' },
  'webhooks-create': { url: 'https://hooks.example.com/eva', event_types: ['document.*', 'query.completed'], description: 'Indexer' },
  'api-keys-create': { name: 'ci-pipeline', scopes: ['spaces:read', 'documents:write'] },
  'auth-refresh': { refresh_token: 'rt_6512bd43d9caa6e02c990b0a82652dca' },
  'admin-tenants-create': { name: 'Acme Corp', tier: 'pro' },
};

/** Examples of the `data` of each webhook event type (others show their schema only). */
export const EVENT_DATA_EXAMPLES: Readonly<Record<string, unknown>> = {
  'space.created': { space },
  'document.processed': { document },
  'query.completed': { query },
  'webhook.test': { webhook_id: WEBHOOK, message: 'This is a test event.' },
};
