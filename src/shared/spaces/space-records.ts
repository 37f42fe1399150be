/** What a space is in Cosmos (camelCase) and through the API (snake_case). */
import { createHash, randomUUID } from 'node:crypto';
import type { SpaceDto } from './space-schemas';

export type SpaceMetadata = Record<string, string | number | boolean | null>;

export interface SpaceRecord {
  id: string;
  type: 'space';
  tenantId: string;
  name: string;
  /** Case-folded name: uniqueness, prefix filter and name sort use it. */
  nameKey: string;
  description: string | null;
  metadata: SpaceMetadata;
  documentCount: number;
  /**
   * Bumped whenever the searchable content changes (a document processed or deleted): retrieval
   * indexes are labelled with it, so a stale one is never served. Absent on older records = 0.
   */
  contentVersion?: number;
  createdAt: string;
  updatedAt: string;
  _etag?: string;
}

/**
 * Claims a name within a tenant: its id is derived from the name, so two concurrent creates of the
 * same name race on one `create` and exactly one wins (Cosmos ids are unique per partition).
 */
export interface SpaceNameRecord {
  id: string;
  type: 'space_name';
  tenantId: string;
  spaceId: string;
  createdAt: string;
  _etag?: string;
}

export type { SpaceDto };

export const SPACE_ID_PATTERN = /^spc_[0-9a-f]{32}$/;
export const newSpaceId = (): string => `spc_${randomUUID().replace(/-/g, '')}`;

/** NFC, trimmed and lower-cased: "Reports" and "reports " are the same name. */
export const nameKeyOf = (name: string): string => name.normalize('NFC').trim().toLowerCase();
export const nameRecordId = (nameKey: string): string => `spacename_${createHash('sha256').update(nameKey).digest('hex')}`;

export const toSpaceDto = (s: SpaceRecord): SpaceDto => ({
  id: s.id,
  name: s.name,
  description: s.description,
  metadata: s.metadata,
  document_count: s.documentCount,
  created_at: s.createdAt,
  updated_at: s.updatedAt,
});
