/**
 * Per-request DataLoaders: the fields below a list (Space.documents, Document.chunks) collect their
 * keys while one level of the result resolves, then read the store once for all of them — a page of
 * 100 spaces costs one documents query, not 100. Built fresh per request, so nothing is cached
 * across requests or tenants.
 */
import DataLoader from 'dataloader';
import { listChunksOfDocuments } from '../documents/chunk-store';
import type { ChunkRecord, DocumentRecord } from '../documents/document-records';
import { listDocumentsOfSpaces } from '../documents/document-store';

export interface SpaceDocuments {
  items: DocumentRecord[];
  hasMore: boolean;
}

export interface Loaders {
  /** key: `${first}` + space id; one query per `first` value per tick. */
  spaceDocuments(first: number): DataLoader<string, SpaceDocuments>;
  /** A document's first chunks; one query per (space, first) per tick. */
  documentChunks(spaceId: string, first: number): DataLoader<string, ChunkRecord[]>;
}

export function createLoaders(tenantId: string): Loaders {
  const byFirst = new Map<number, DataLoader<string, SpaceDocuments>>();
  const chunks = new Map<string, DataLoader<string, ChunkRecord[]>>();
  return {
    spaceDocuments(first) {
      let l = byFirst.get(first);
      if (!l) {
        l = new DataLoader<string, SpaceDocuments>(async (spaceIds) => {
          const found = await listDocumentsOfSpaces(tenantId, spaceIds, first);
          return spaceIds.map((s) => found.get(s) ?? { items: [], hasMore: false });
        });
        byFirst.set(first, l);
      }
      return l;
    },
    documentChunks(spaceId, first) {
      const key = `${spaceId}:${first}`;
      let l = chunks.get(key);
      if (!l) {
        l = new DataLoader<string, ChunkRecord[]>(async (documentIds) => {
          const rows = await listChunksOfDocuments(tenantId, spaceId, documentIds, first);
          const by = new Map<string, ChunkRecord[]>(documentIds.map((d) => [d, []]));
          for (const r of rows) by.get(r.documentId)?.push(r);
          return documentIds.map((d) => by.get(d) ?? []);
        });
        chunks.set(key, l);
      }
      return l;
    },
  };
}
