/**
 * Delivery records and attempt logs (container `webhookDeliveries`, partition = tenant).
 * A delivery is one event for one webhook; its id is derived from both, so a second copy of an
 * event (fan-out run twice) finds the delivery already made (consumers idempotent by event id).
 * The record is created by the first attempt, as its claim, not by fan-out: fan-out only enqueues.
 * A delivery with status "dead" is the dead-letter store: kept, listed, replayable.
 * Attempt logs (one per POST) are what GET /webhooks/{id}/logs shows, for the retention period.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { OperationResponse } from '@azure/cosmos';
import { cosmosCall, getContainer, queryPage, type Page } from '../adapters/cosmos';
import { asBody, batched, orThrow } from '../adapters/cosmos-batch';
import type { EventEnvelope } from '../core/events';
import { fetchUpTo } from '../events/fetch-up-to';

export type DeliveryStatus = 'pending' | 'retrying' | 'succeeded' | 'dead' | 'cancelled';

export interface DeliveryRecord {
  id: string;
  kind: 'delivery';
  tenantId: string;
  webhookId: string;
  eventId: string;
  eventType: string;
  event: EventEnvelope;
  status: DeliveryStatus;
  /** Attempts made in the current generation. */
  attempts: number;
  /** Bumped by a replay; queue messages of an older generation are ignored. */
  generation: number;
  nextAttemptAt: string | null;
  lastStatusCode: number | null;
  lastError: string | null;
  createdAt: string;
  updatedAt: string;
  deadAt: string | null;
  /** The attempt a consumer has claimed and is sending now (so a second copy of the message waits). */
  inFlightAttempt: number | null;
  inFlightSince: string | null;
  _etag?: string;
}

export interface AttemptLog {
  id: string;
  kind: 'attempt';
  tenantId: string;
  webhookId: string;
  /** null for a test send (POST /webhooks/{id}/test). */
  deliveryId: string | null;
  eventId: string;
  eventType: string;
  attempt: number;
  success: boolean;
  statusCode: number | null;
  durationMs: number;
  error: string | null;
  createdAt: string;
  ttl: number;
}

/** The queue message of a delivery attempt: everything needed to send it, so the first attempt reads nothing. */
export interface DeliveryMessage {
  tenantId: string;
  deliveryId: string;
  webhookId: string;
  event: EventEnvelope;
  attempt: number;
  generation: number;
}

export const deliveryIdFor = (eventId: string, webhookId: string): string =>
  `dlv_${createHash('sha256').update(`${eventId}\n${webhookId}`).digest('hex').slice(0, 32)}`;

export const deliveryMessageId = (m: Pick<DeliveryMessage, 'deliveryId' | 'generation' | 'attempt'>): string =>
  `${m.deliveryId}.g${m.generation}.a${m.attempt}`;

/**
 * The id of the message that tries an attempt again once the claim taken at `claimedAt` has
 * expired. One per claim: copies that found the same claim send one message (duplicate detection),
 * and it differs from the attempt's own id, which the bus has already seen.
 */
export const claimRecheckMessageId = (m: Pick<DeliveryMessage, 'deliveryId' | 'generation' | 'attempt'>, claimedAt: string): string =>
  `${deliveryMessageId(m)}.w${Date.parse(claimedAt)}`;

export function newDelivery(message: DeliveryMessage, now: Date): DeliveryRecord {
  const at = now.toISOString();
  return {
    id: message.deliveryId,
    kind: 'delivery',
    tenantId: message.tenantId,
    webhookId: message.webhookId,
    eventId: message.event.event_id,
    eventType: message.event.event_type,
    event: message.event,
    status: 'pending',
    attempts: 0,
    generation: message.generation,
    nextAttemptAt: at,
    lastStatusCode: null,
    lastError: null,
    createdAt: at,
    updatedAt: at,
    deadAt: null,
    inFlightAttempt: null,
    inFlightSince: null,
  };
}

const withEtag = (r: OperationResponse): DeliveryRecord => {
  const rec = r.resourceBody as unknown as DeliveryRecord;
  return r.eTag ? { ...rec, _etag: r.eTag } : rec;
};

/** Creates the record; undefined when it already exists (a duplicate or a later attempt). */
export async function createDelivery(record: DeliveryRecord): Promise<DeliveryRecord | undefined> {
  const r = await batched('webhookDeliveries', record.tenantId, { operationType: 'Create', resourceBody: asBody(record) });
  if (r.statusCode === 409) return undefined;
  return withEtag(orThrow(r, 'Delivery'));
}

export async function findDelivery(tenantId: string, id: string): Promise<DeliveryRecord | undefined> {
  const r = await batched('webhookDeliveries', tenantId, { operationType: 'Read', id });
  if (r.statusCode === 404) return undefined;
  const rec = withEtag(orThrow(r, 'Delivery'));
  return rec.kind === 'delivery' ? rec : undefined;
}

/**
 * Replaces a delivery only if unchanged since it was read (its ETag); returns the stored record,
 * or undefined when someone else changed it first.
 */
export async function replaceDeliveryIfUnchanged(record: DeliveryRecord): Promise<DeliveryRecord | undefined> {
  const { _etag: etag, ...body } = record;
  const r = await batched('webhookDeliveries', record.tenantId, {
    operationType: 'Replace',
    id: record.id,
    resourceBody: asBody(body),
    ...(etag ? { ifMatch: etag } : {}),
  });
  if (r.statusCode === 412 || r.statusCode === 404) return undefined;
  return withEtag(orThrow(r, 'Delivery'));
}

export async function writeAttemptLog(log: Omit<AttemptLog, 'id' | 'kind'>): Promise<AttemptLog> {
  const item: AttemptLog = { id: `att_${randomUUID().replace(/-/g, '')}`, kind: 'attempt', ...log };
  orThrow(await batched('webhookDeliveries', log.tenantId, { operationType: 'Create', resourceBody: asBody(item) }), 'Delivery log');
  return item;
}

/** A webhook's attempt logs, newest first, within the retention period. */
export async function listAttemptLogs(tenantId: string, webhookId: string, since: Date, limit: number, cursor: string | undefined): Promise<Page<AttemptLog>> {
  const c = await getContainer('webhookDeliveries');
  return queryPage<AttemptLog>(
    c,
    {
      query: 'SELECT * FROM c WHERE c.tenantId = @t AND c.kind = @k AND c.webhookId = @w AND c.createdAt >= @since ORDER BY c.createdAt DESC',
      parameters: [
        { name: '@t', value: tenantId },
        { name: '@k', value: 'attempt' },
        { name: '@w', value: webhookId },
        { name: '@since', value: since.toISOString() },
      ],
    },
    { limit, cursor, scope: `webhook-logs:${tenantId}:${webhookId}`, partitionKey: tenantId },
  );
}

/** Deliveries of a webhook in given states created in [since, until], oldest first, at most `max`. */
export async function listDeliveries(
  tenantId: string,
  webhookId: string,
  statuses: readonly DeliveryStatus[],
  since: Date,
  until: Date,
  max: number,
): Promise<DeliveryRecord[]> {
  const c = await getContainer('webhookDeliveries');
  return cosmosCall(async () => {
    const resources = c.items.query<DeliveryRecord>(
      {
        query:
          'SELECT * FROM c WHERE c.tenantId = @t AND c.kind = @k AND c.webhookId = @w AND ARRAY_CONTAINS(@s, c.status) AND c.createdAt >= @since AND c.createdAt <= @until ORDER BY c.createdAt ASC',
        parameters: [
          { name: '@t', value: tenantId },
          { name: '@k', value: 'delivery' },
          { name: '@w', value: webhookId },
          { name: '@s', value: [...statuses] },
          { name: '@since', value: since.toISOString() },
          { name: '@until', value: until.toISOString() },
        ],
      },
      { partitionKey: tenantId, maxItemCount: Math.min(max, 1_000) },
    );
    return fetchUpTo(resources, max);
  });
}
