/**
 * Webhook subscriptions (container `webhooks`, partition = tenant). Every read names the
 * tenant, so another tenant's id is simply not found.
 */
import { randomUUID } from 'node:crypto';
import { cosmosCall, getContainer, ifMatchOptions, queryPage, type Page } from '../adapters/cosmos';
import { sdkStatus } from '../adapters/azure-errors';
import { notFound } from '../core/errors';

export interface WebhookSecret {
  secret: string;
  createdAt: string;
  /** null = the current secret; a date = a previous secret still signing until then. */
  expiresAt: string | null;
}

export interface WebhookRecord {
  id: string;
  tenantId: string;
  url: string;
  eventTypes: string[];
  description: string | null;
  enabled: boolean;
  /** Why a disabled webhook is disabled: the client said so, or it failed for too long. */
  disabledReason: 'manual' | 'failing' | null;
  /** Newest first. */
  secrets: WebhookSecret[];
  createdAt: string;
  updatedAt: string;
  _etag?: string;
}

export const WEBHOOK_ID_PATTERN = /^whk_[0-9a-f]{32}$/;
export const newWebhookId = (): string => `whk_${randomUUID().replace(/-/g, '')}`;

const WHAT = 'Webhook';

export async function insertWebhook(record: WebhookRecord): Promise<WebhookRecord> {
  const c = await getContainer('webhooks');
  return cosmosCall(async () => (await c.items.create<WebhookRecord>(record)).resource as WebhookRecord, WHAT);
}

/** The tenant's webhook, or NOT_FOUND (also for another tenant's id). */
export async function getWebhook(tenantId: string, id: string): Promise<WebhookRecord> {
  const found = await findWebhook(tenantId, id);
  if (!found) throw notFound(WHAT);
  return found;
}

export async function findWebhook(tenantId: string, id: string): Promise<WebhookRecord | undefined> {
  const c = await getContainer('webhooks');
  return cosmosCall(async () => {
    try {
      const { resource } = await c.item(id, tenantId).read<WebhookRecord>();
      return resource ?? undefined;
    } catch (err) {
      if (sdkStatus(err) === 404) return undefined;
      throw err;
    }
  }, WHAT);
}

/** Replaces the record; with `ifMatch`, only if unchanged since (412 otherwise). */
export async function replaceWebhook(record: WebhookRecord, ifMatch?: string): Promise<WebhookRecord> {
  const c = await getContainer('webhooks');
  const { _etag: _ignored, ...body } = record;
  return cosmosCall(async () => {
    const { resource } = await c.item(record.id, record.tenantId).replace<WebhookRecord>(body as WebhookRecord, ifMatchOptions(ifMatch));
    return resource as WebhookRecord;
  }, WHAT);
}

export async function deleteWebhook(tenantId: string, id: string, ifMatch?: string): Promise<void> {
  const c = await getContainer('webhooks');
  await cosmosCall(() => c.item(id, tenantId).delete(ifMatchOptions(ifMatch)), WHAT);
}

export async function listWebhooksPage(tenantId: string, limit: number, cursor: string | undefined): Promise<Page<WebhookRecord>> {
  const c = await getContainer('webhooks');
  return queryPage<WebhookRecord>(
    c,
    { query: 'SELECT * FROM c WHERE c.tenantId = @t ORDER BY c.createdAt ASC', parameters: [{ name: '@t', value: tenantId }] },
    { limit, cursor, scope: `webhooks:${tenantId}`, partitionKey: tenantId },
  );
}

/** Every enabled webhook of the tenant (fan-out reads this for each event). */
export async function listEnabledWebhooks(tenantId: string): Promise<WebhookRecord[]> {
  const c = await getContainer('webhooks');
  return cosmosCall(async () => {
    const { resources } = await c.items
      .query<WebhookRecord>(
        { query: 'SELECT * FROM c WHERE c.tenantId = @t AND c.enabled = true', parameters: [{ name: '@t', value: tenantId }] },
        { partitionKey: tenantId },
      )
      .fetchAll();
    return resources;
  });
}
