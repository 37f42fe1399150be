/**
 * The OpenAPI 3.1 description, generated from the route registry with zod 4's own z.toJSONSchema
 * (draft 2020-12, which OpenAPI 3.1 uses as is): no second schema library to keep in step with zod.
 * Schemas named with .meta({ id }) become components; everything else is inlined. The output is
 * deterministic (paths, components and webhooks sorted) so the committed openapi.json can be diffed.
 */
import { z } from 'zod';
import { EXAMPLE_META, fixedComponents, RATE_LIMIT_HEADERS, ref, SECURITY_SCHEMES, errorResponseName, type Json } from './openapi-components';
import { BODY_EXAMPLES, EVENT_DATA_EXAMPLES, SCHEMA_EXAMPLES } from './openapi-examples';
import { SUMMARIES } from './openapi-summaries';
import type { RouteEntry } from './registry';
import { WEBHOOK_EVENT_TYPES, WEBHOOK_EVENTS } from './webhook-events';

const REF_PREFIX = '#/components/schemas/';

/**
 * `anyOf: [{ type: T, … }, { type: 'null' }]` (zod's nullable) as `type: [T, 'null']`: the same
 * JSON Schema, and the form viewers and generators handle best (Scalar's reader rejects the anyOf).
 * Keywords of T (pattern, minimum, format) only apply to T's values; an enum gains null.
 */
function simplifyNullable(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(simplifyNullable);
  if (!node || typeof node !== 'object') return node;
  const out: Json = Object.fromEntries(Object.entries(node as Json).map(([k, v]) => [k, simplifyNullable(v)]));
  const alt = out.anyOf as Json[] | undefined;
  if (alt?.length === 2 && Object.keys(out).length <= 2) {
    const nul = alt.findIndex((x) => x.type === 'null' && Object.keys(x).length === 1);
    const other = alt[1 - nul];
    if (nul >= 0 && other && typeof other.type === 'string' && !('$ref' in other)) {
      const merged: Json = { ...other, type: [other.type, 'null'] };
      if (Array.isArray(other.enum)) merged.enum = [...(other.enum as unknown[]), null];
      if (out.description !== undefined) merged.description = out.description;
      return merged;
    }
  }
  return out;
}

/** Converts one zod schema; its named sub-schemas go into `components`. */
function toSchema(schema: z.ZodType, io: 'input' | 'output', components: Record<string, unknown>): Json {
  const out = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Json;
  const text = JSON.stringify(out).replaceAll('"#/$defs/', `"${REF_PREFIX}`);
  const converted = simplifyNullable(JSON.parse(text)) as Json & { $defs?: Record<string, unknown> };
  for (const [id, def] of Object.entries(converted.$defs ?? {})) components[id] = def;
  delete converted.$defs;
  delete converted.$schema;
  return converted;
}

const sortedByKey = <T>(o: Record<string, T>): Record<string, T> => Object.fromEntries(Object.entries(o).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)));

/** Descriptions of the shared query parameters (the schemas come from pagination.ts). */
const PARAMETER_NOTES: Record<string, string> = {
  limit: 'Page size, 1–100 (default 20).',
  cursor: 'The `pagination.cursor` of the previous page; omit for the first page. Opaque: do not build or edit it.',
};

function parametersOf(route: RouteEntry, components: Record<string, unknown>): Json[] {
  const out: Json[] = [];
  for (const [where, schema] of [
    ['path', route.params],
    ['query', route.query],
  ] as const) {
    if (!schema) continue;
    const s = toSchema(schema, 'input', components) as { properties?: Record<string, Json>; required?: string[] };
    for (const [name, prop] of Object.entries(s.properties ?? {})) {
      const { description, ...rest } = prop as Json & { description?: string };
      const p: Json = { name, in: where, required: where === 'path' || (s.required ?? []).includes(name), schema: rest };
      const note = description ?? (where === 'query' ? PARAMETER_NOTES[name] : undefined);
      if (note) p.description = note;
      out.push(p);
    }
  }
  if (route.ifMatch) out.push(ref('parameters', 'IfMatch'));
  out.push(ref('parameters', 'RequestId'));
  return out;
}

function requestBodyOf(route: RouteEntry, components: Record<string, unknown>): Json | undefined {
  if (route.bodyMode === 'stream') {
    if (route.raw?.contentType === 'application/json') {
      // GraphQL: the JSON body is read by graphql-yoga, not by the pipeline's validation.
      return {
        required: false,
        description: 'A GraphQL request: { query, variables?, operationName? } (POST; GET takes ?query=).',
        content: {
          'application/json': {
            schema: {
              type: 'object',
              required: ['query'],
              properties: { query: { type: 'string' }, variables: { type: 'object' }, operationName: { type: 'string' } },
            },
            example: { query: '{ spaces(limit: 5) { items { id name } } }' },
          },
        },
      };
    }
    return {
      required: true,
      description: 'The file: multipart/form-data with a part named "file", or the raw bytes with their Content-Type and ?filename=.',
      content: {
        'multipart/form-data': {
          schema: { type: 'object', required: ['file'], properties: { file: { type: 'string', contentMediaType: 'application/octet-stream' } } },
        },
        'application/octet-stream': { schema: { type: 'string', contentMediaType: 'application/octet-stream' } },
      },
    };
  }
  if (!route.body) return undefined;
  const schema = toSchema(route.body, 'input', components);
  if (schema.type === 'object') schema.additionalProperties = false; // the pipeline rejects unknown fields
  const media: Json = { schema };
  if (BODY_EXAMPLES[route.name] !== undefined) media.example = BODY_EXAMPLES[route.name];
  return { required: true, content: { 'application/json': media } };
}

function successResponse(route: RouteEntry, status: number, components: Record<string, unknown>): Json {
  const headers: Json = { 'X-Request-Id': ref('headers', 'XRequestId'), ...(route.rateLimited ? RATE_LIMIT_HEADERS : {}) };
  if (route.etag && status !== 302) headers.ETag = ref('headers', 'ETag');
  if (status === 201 || status === 302) headers.Location = ref('headers', 'Location');
  if (status === 204) return { description: 'Done; no body.', headers };
  if (route.raw) {
    if (status === 304) return { description: 'Not modified (If-None-Match matched the ETag).', headers };
    if (status === 302) return { description: 'Redirect to a short-lived read-only URL.', headers };
    const { contentType, description } = route.raw;
    const schema = contentType === 'application/json' ? { type: 'object' } : { type: 'string', contentMediaType: contentType };
    return { description, headers, content: { [contentType]: { schema } } };
  }
  const data = route.response ? toSchema(route.response, 'output', components) : { type: 'null' };
  if (route.paginated && data.type !== 'array') throw new Error(`${route.name}: a paginated route's response must be an array schema`);
  const properties: Json = { data, meta: ref('schemas', 'Meta') };
  const required = ['data', 'meta'];
  if (route.paginated) {
    properties.pagination = ref('schemas', 'Pagination');
    required.push('pagination');
  }
  const content: Json = { 'application/json': { schema: { type: 'object', required, properties, additionalProperties: false } } };
  if (route.stream && status === 200) content[route.stream.contentType] = { schema: { type: 'string', description: route.stream.description } };
  return {
    description: status === 201 ? 'Created.' : status === 202 ? 'Accepted: the work continues in the background.' : 'OK.',
    headers,
    content,
  };
}

function authNote(route: RouteEntry): string {
  if (route.auth === 'public') return 'Public: no credential needed.';
  if (route.auth === 'platform_admin') return 'Needs the platform admin key (PLATFORM_ADMIN_API_KEY).';
  if (route.auth.scopes.length === 0) return 'Any valid API key or bearer token.';
  return `Needs scope ${route.auth.scopes.map((s) => `\`${s}\``).join(' and ')} (or \`admin:all\`), by API key or bearer token.`;
}

function operation(route: RouteEntry, components: Record<string, unknown>): Json {
  const responses: Json = {};
  for (const status of route.successStatus) responses[String(status)] = successResponse(route, status, components);
  for (const status of route.errorStatus) {
    const name = errorResponseName(status);
    if (!responses[String(status)] && name) responses[String(status)] = ref('responses', name);
  }
  const notes = [authNote(route)];
  if (route.paginated) notes.push('Cursor-paginated: follow `pagination.cursor` while `pagination.has_next` is true.');
  if (route.ifMatch) notes.push('Send the ETag you read as If-Match to make the change only if nobody changed it meanwhile (else 412).');
  if (route.etag) notes.push('Answers with an ETag.');
  const op: Json = {
    operationId: route.name,
    summary: route.summary ?? SUMMARIES[route.name] ?? route.name,
    description: notes.join(' '),
    tags: [tagOf(route)],
    parameters: parametersOf(route, components),
  };
  const body = requestBodyOf(route, components);
  if (body) op.requestBody = body;
  op.responses = responses;
  if (route.auth === 'public') op.security = [];
  else if (route.auth === 'platform_admin') op.security = [{ platformAdmin: [] }];
  else op.security = [{ apiKey: [...route.auth.scopes] }, { bearer: [...route.auth.scopes] }];
  return op;
}

const tagOf = (route: RouteEntry): string => (route.route === 'openapi.json' ? 'docs' : route.route.replace(/^v1\//, '').split('/')[0]!);

const TAG_DESCRIPTIONS: Record<string, string> = {
  admin: 'Tenant onboarding with the platform admin key.',
  'api-keys': 'A tenant’s API keys: create (the key is shown once), list, rotate with a grace period, revoke.',
  auth: 'Exchange an API key for a short-lived JWT; refresh tokens rotate on every use.',
  console: 'The live console page (HTML), served by the app.',
  docs: 'This description (openapi.json) and the reference page reading it, served by the app (works offline).',
  events: 'Webhook payloads: what a subscribed URL receives (see `webhooks`).',
  graphql: 'The same data through GraphQL (see docs/graphql.md).',
  health: 'Liveness and dependency checks.',
  queries: 'Questions asked of a space, answered from its documents.',
  realtime: 'Browser real-time events through Web PubSub.',
  spaces: 'Spaces group documents; documents and queries live under a space.',
  webhooks: 'Signed HTTP callbacks for every change (Standard Webhooks).',
};

const pascal = (eventType: string): string =>
  eventType
    .split(/[._]/)
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');

export const eventSchemaName = (eventType: string): string => `${pascal(eventType)}Event`;

function webhooksOf(components: Record<string, unknown>): Json {
  const signatureHeaders: Json[] = [
    { name: 'webhook-id', in: 'header', required: true, schema: { type: 'string' }, description: 'The event id: the same on every retry; de-duplicate on it.' },
    {
      name: 'webhook-timestamp',
      in: 'header',
      required: true,
      schema: { type: 'string', pattern: '^[0-9]+$' },
      description: 'Signing time, epoch seconds; reject deliveries older than 5 minutes.',
    },
    {
      name: 'webhook-signature',
      in: 'header',
      required: true,
      schema: { type: 'string' },
      description: 'Space-separated `v1,<base64 HMAC-SHA256>` signatures of `id.timestamp.body`, one per active secret (Standard Webhooks).',
    },
  ];
  const out: Json = {};
  for (const type of WEBHOOK_EVENT_TYPES) {
    const spec = WEBHOOK_EVENTS[type];
    const name = eventSchemaName(type);
    components[name] = {
      type: 'object',
      required: ['event_type', 'event_id', 'timestamp', 'tenant_id', 'space_id', 'data'],
      properties: {
        event_type: { type: 'string', const: type },
        event_id: { type: 'string', pattern: '^evt_[0-9a-f]{32}$' },
        timestamp: { type: 'string', format: 'date-time' },
        tenant_id: { type: 'string' },
        space_id: { type: ['string', 'null'], description: 'The space the event is about, if any (subscription filters and real-time groups use it).' },
        data: toSchema(spec.data, 'output', components),
      },
      additionalProperties: false,
    };
    const media: Json = { schema: ref('schemas', name) };
    if (EVENT_DATA_EXAMPLES[type] !== undefined) {
      media.example = {
        event_type: type,
        event_id: 'evt_6f4922f45568161a8cdf4ad2299f6d23',
        timestamp: EXAMPLE_META.timestamp,
        tenant_id: 'acme',
        space_id: type.startsWith('webhook.') ? null : 'spc_8f14e45fceea167a5a36dedd4bea2543',
        data: EVENT_DATA_EXAMPLES[type],
      };
    }
    out[type] = {
      post: {
        operationId: `event-${type.replace(/[._]/g, '-')}`,
        summary: type,
        description: `${spec.summary} Sent as a signed POST to every enabled webhook whose event_types match \`${type}\` (or its family, or \`*\`).`,
        tags: ['events'],
        parameters: signatureHeaders,
        requestBody: { required: true, content: { 'application/json': media } },
        responses: {
          '200': {
            description: 'Any 2xx acknowledges the delivery. Anything else (or no answer within HTTP_TIMEOUT) is retried with backoff, then dead-lettered.',
          },
        },
        security: [],
      },
    };
  }
  components.Event = {
    description: 'Any webhook payload, told apart by event_type.',
    oneOf: WEBHOOK_EVENT_TYPES.map((t) => ref('schemas', eventSchemaName(t))),
    discriminator: { propertyName: 'event_type', mapping: Object.fromEntries(WEBHOOK_EVENT_TYPES.map((t) => [t, `${REF_PREFIX}${eventSchemaName(t)}`])) },
  };
  return out;
}

const INFO_DESCRIPTION = [
  'Multi-tenant document spaces: upload documents, ask questions answered from them, and hear about every change through signed webhooks and real-time events.',
  '',
  '**Envelope.** Success: `{ data, pagination?, meta: { request_id, timestamp } }`. Error: `{ error: { code, message, details }, meta }`; `code` is stable (see each status).',
  '**Auth.** `X-API-Key: <key>` or `Authorization: Bearer <JWT from POST /v1/auth/token>`; each operation lists the scopes it needs.',
  '**Lists** are cursor-paginated (`?limit=&cursor=`). **Reads** return `ETag`; updates and deletes honour `If-Match` (412 when stale).',
  '**Rate limits** per tier: `X-RateLimit-*` headers; 429 with `Retry-After`.',
  '**Every response** carries `X-Request-Id` (yours, when well-formed).',
  "**Webhooks** (see the `webhooks` section) are signed per Standard Webhooks; verify `webhook-signature` with the webhook's secret.",
].join('\n');

export function buildOpenApi(routes: readonly RouteEntry[], version: string): Json {
  const fixed = fixedComponents();
  const components: Record<string, unknown> = { ...fixed.schemas };
  const paths: Record<string, Json> = {};
  for (const route of routes) {
    const path = `/${route.route}`;
    paths[path] ??= {};
    for (const method of route.methods) {
      const op = operation(route, components);
      // One route, two methods (GraphQL GET and POST): operationIds must stay unique.
      if (route.methods.length > 1) op.operationId = `${route.name}-${method.toLowerCase()}`;
      paths[path][method.toLowerCase()] = op;
    }
  }
  const webhooks = webhooksOf(components);
  for (const [id, example] of Object.entries(SCHEMA_EXAMPLES)) {
    const schema = components[id] as Json | undefined;
    if (schema && schema.examples === undefined) schema.examples = [example];
  }
  const usedTags = new Set(Object.values(paths).flatMap((ops) => Object.values(ops).map((op) => ((op as Json).tags as string[])[0]!)));
  usedTags.add('events');
  return {
    openapi: '3.1.0',
    info: { title: 'EVA API', version, description: INFO_DESCRIPTION },
    servers: [{ url: '/api', description: 'This host (the Functions route prefix)' }],
    tags: [...usedTags].sort().map((name) => ({ name, description: TAG_DESCRIPTIONS[name] ?? name })),
    paths: sortedByKey(Object.fromEntries(Object.entries(paths).map(([p, ops]) => [p, sortedByKey(ops)]))),
    webhooks: sortedByKey(webhooks),
    components: {
      schemas: sortedByKey(components),
      responses: sortedByKey(fixed.responses),
      headers: sortedByKey(fixed.headers),
      parameters: sortedByKey(fixed.parameters),
      securitySchemes: SECURITY_SCHEMES,
    },
  };
}
