import type { QueryIterator } from '@azure/cosmos';

/** Reads a query page by page until `max` items (bounded reads for replay; never fetchAll on an open range). */
export async function fetchUpTo<T>(iterator: QueryIterator<T>, max: number): Promise<T[]> {
  const out: T[] = [];
  while (out.length < max && iterator.hasMoreResults()) {
    const { resources } = await iterator.fetchNext();
    out.push(...resources);
  }
  return out.slice(0, max);
}
