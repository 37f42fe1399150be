/**
 * The OpenAPI 3.1 description, generated from the route registry with zod 4's own z.toJSONSchema
 * (draft 2020-12, which OpenAPI 3.1 uses as is): no second schema library to keep in step with zod.
 * Schemas named with .meta({ id }) become components; everything else is inlined.
 */
import { z } from 'zod';
import { ERROR_CODES } from '../core/errors';
import { SCOPES } from '../core/principal';
import { ERROR_STATUS } from './error-status';
import type { RouteEntry } from './registry';

type Json = Record<string, unknown>;

const REF_PREFIX = '#/components/schemas/';

/** Converts one zod schema; its named sub-schemas go into `components`. */
function toSchema(schema: z.ZodType, io: 'input' | 'output', components: Record<string, unknown>): Json {
  const out = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Json;
  const text = JSON.stringify(out).replaceAll('"#/$defs/', `"${REF_PREFIX}`);
  const converted = JSON.parse(text) as Json & { $defs?: Record<string, unknown> };
  for (const [id, def] of Object.entries(converted.$defs ?? {})) components[id] = def;
  delete converted.$defs;
  delete converted.$schema;
  return converted;
}

const meta = { type: 'object', required: ['request_id', 'timestamp'], properties: { request_id: { type: 'string' }, timestamp: { type: 'string', format: 'date-time' } } };

const errorEnvelope = {
  type: 'object',
  required: ['error', 'meta'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message', 'details'],
      properties: {
        code: { type: 'string', enum: [...ERROR_CODES] },
        message: { type: 'string' },
        details: { type: 'array', items: { type: 'object', required: ['field', 'issue'], properties: { field: { type: 'string' }, issue: { type: 'string' } } } },
        retry_after: { type: 'integer', description: 'Seconds to wait (429 only).' },
      },
    },
    meta: { $ref: `${REF_PREFIX}Meta` },
  },
};

const header = (description: string): Json => ({ description, schema: { type: 'string' } });
const requestIdHeader = { 'X-Request-Id': header('The request id (the client’s own when well-formed); quote it in support requests.') };
const rateLimitHeaders = {
  'X-RateLimit-Limit': header('Requests allowed in the window.'),
  'X-RateLimit-Remaining': header('Requests left in the window.'),
  'X-RateLimit-Reset': header('When the window resets.'),
};

function pathParameters(route: RouteEntry, components: Record<string, unknown>): Json[] {
  const out: Json[] = [];
  for (const [where, schema] of [['path', route.params], ['query', route.query]] as const) {
    if (!schema) continue;
    const s = toSchema(schema, 'input', components) as { properties?: Record<string, Json>; required?: string[] };
    for (const [name, prop] of Object.entries(s.properties ?? {})) {
      out.push({ name, in: where, required: where === 'path' || (s.required ?? []).includes(name), schema: prop });
    }
  }
  return out;
}

function requestBody(route: RouteEntry, components: Record<string, unknown>): Json | undefined {
  if (route.bodyMode === 'stream') {
    return {
      required: true,
      description: 'The file: multipart/form-data with a part named "file", or the raw bytes with their Content-Type and ?filename=.',
      content: {
        'multipart/form-data': { schema: { type: 'object', required: ['file'], properties: { file: { type: 'string', contentMediaType: 'application/octet-stream' } } } },
        'application/octet-stream': { schema: { type: 'string', contentMediaType: 'application/octet-stream' } },
      },
    };
  }
  if (!route.body) return undefined;
  const schema = toSchema(route.body, 'input', components);
  if (schema.type === 'object') schema.additionalProperties = false; // the pipeline rejects unknown fields
  return { required: true, content: { 'application/json': { schema } } };
}

function successResponse(route: RouteEntry, status: number, components: Record<string, unknown>): Json {
  const headers: Json = { ...requestIdHeader, ...(route.rateLimited ? rateLimitHeaders : {}) };
  if (route.etag) headers.ETag = header('The version of the resource; send it back in If-Match.');
  if (status === 204) return { description: 'Done; no body.', headers };
  if (route.raw) {
    if (status === 304) return { description: 'Not modified (If-None-Match matched the ETag).', headers };
    if (status === 302) return { description: 'Redirect to a short-lived read-only URL.', headers: { ...headers, Location: header('The URL.') } };
    return { description: route.raw.description, headers, content: { [route.raw.contentType]: { schema: { type: 'string', contentMediaType: route.raw.contentType } } } };
  }
  const data = route.response ? toSchema(route.response, 'output', components) : { type: 'null' };
  const properties: Json = { data, meta: { $ref: `${REF_PREFIX}Meta` } };
  const required = ['data', 'meta'];
  if (route.paginated) {
    properties.pagination = { $ref: `${REF_PREFIX}Pagination` };
    required.push('pagination');
  }
  const content: Json = { 'application/json': { schema: { type: 'object', required, properties, additionalProperties: false } } };
  if (route.stream && status === 200) content[route.stream.contentType] = { schema: { type: 'string', description: route.stream.description } };
  return {
    description: status === 201 ? 'Created.' : status === 202 ? 'Accepted.' : 'OK.',
    headers,
    content,
  };
}

function operation(route: RouteEntry, method: string, components: Record<string, unknown>): Json {
  const responses: Json = {};
  for (const status of route.successStatus) responses[String(status)] = successResponse(route, status, components);
  for (const status of route.errorStatus) {
    if (responses[String(status)]) continue;
    const codes = ERROR_CODES.filter((c) => ERROR_STATUS[c] === status && route.errors.includes(c));
    responses[String(status)] = {
      description: codes.join(', '),
      headers: requestIdHeader,
      content: { 'application/json': { schema: { $ref: `${REF_PREFIX}ErrorEnvelope` } } },
    };
  }
  const parameters = pathParameters(route, components);
  if (route.ifMatch) parameters.push({ name: 'If-Match', in: 'header', required: false, schema: { type: 'string' }, description: 'The ETag last read; 412 when the resource has changed since.' });
  parameters.push({ name: 'X-Request-Id', in: 'header', required: false, schema: { type: 'string' }, description: 'Your own request id (kept when well-formed).' });
  const op: Json = { operationId: route.name, summary: route.summary ?? route.name, parameters, responses };
  const body = requestBody(route, components);
  if (body) op.requestBody = body;
  if (route.auth === 'public') op.security = [];
  else if (route.auth === 'platform_admin') op.security = [{ platformAdmin: [] }];
  else op.security = [{ apiKey: route.auth.scopes }, { bearer: route.auth.scopes }];
  op.tags = [route.route.replace(/^v1\//, '').split('/')[0]];
  return op;
}

export function buildOpenApi(routes: readonly RouteEntry[], version: string): Json {
  const components: Record<string, unknown> = {
    Meta: meta,
    Pagination: { type: 'object', required: ['cursor', 'has_next'], properties: { cursor: { type: ['string', 'null'] }, has_next: { type: 'boolean' } } },
    ErrorEnvelope: errorEnvelope,
  };
  const paths: Record<string, Json> = {};
  for (const route of [...routes].sort((x, y) => x.route.localeCompare(y.route))) {
    const path = `/${route.route}`;
    paths[path] ??= {};
    for (const method of route.methods) paths[path][method.toLowerCase()] = operation(route, method, components);
  }
  return {
    openapi: '3.1.0',
    info: { title: 'EVA API', version, description: 'Multi-tenant document spaces, webhooks and events.' },
    servers: [{ url: '/api' }],
    paths,
    components: {
      schemas: Object.fromEntries(Object.entries(components).sort(([x], [y]) => x.localeCompare(y))),
      securitySchemes: {
        apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key', description: `Scopes: ${SCOPES.join(', ')}.` },
        bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
        platformAdmin: { type: 'apiKey', in: 'header', name: 'X-API-Key', description: 'The PLATFORM_ADMIN_API_KEY.' },
      },
    },
  };
}
