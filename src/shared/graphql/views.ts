/**
 * What GraphQL shows of each record: the REST DTO (toSpaceDto, toDocumentDto, …) with its keys in
 * camelCase, so the two APIs show the same fields and cannot drift. Metadata keeps its own keys.
 */
import type { ChunkRecord, DocumentRecord } from '../documents/document-records';
import { toDocumentDto } from '../documents/document-records';
import type { Principal } from '../core/principal';
import { toQueryDto, type QueryRecord } from '../queries/query-records';
import { toSpaceDto, type SpaceRecord } from '../spaces/space-records';
import { webhookView } from '../webhooks/views';
import type { WebhookRecord } from '../webhooks/webhook-store';

export type View = Record<string, unknown>;

const camel = (k: string): string => k.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/** snake_case keys → camelCase, deeply, except inside `metadata` (user data). */
export function camelize(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(camelize);
  if (typeof value !== 'object' || value === null) return value;
  const out: View = {};
  for (const [k, v] of Object.entries(value)) out[camel(k)] = k === 'metadata' ? v : camelize(v);
  return out;
}

export const spaceView = (s: SpaceRecord): View => camelize(toSpaceDto(s)) as View;
export const documentView = (d: DocumentRecord): View => camelize(toDocumentDto(d)) as View;
export const queryView = (q: QueryRecord): View => camelize(toQueryDto(q)) as View;
export const webhookGqlView = (w: WebhookRecord): View => camelize(webhookView(w)) as View;

/** Chunks have no REST DTO: the stored chunk without its tenant and space. */
export const chunkView = (c: ChunkRecord): View => ({
  id: c.id,
  documentId: c.documentId,
  index: c.index,
  text: c.text,
  start: c.start,
  end: c.end,
  page: c.page,
  pageEnd: c.pageEnd,
});

/** GET /v1/auth/whoami in camelCase. */
export const meView = (p: Principal): View => ({
  kind: p.kind,
  tenantId: p.tenantId,
  keyId: p.keyId ?? null,
  tier: p.tier ?? null,
  scopes: [...p.scopes],
});
