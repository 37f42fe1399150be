/**
 * A least-recently-used cache bounded by entry count AND by an estimated size in bytes: the warm
 * retrieval indexes of one instance (one per space) must not grow with the number of spaces it has
 * served. Hand-written like TtlCache: a Map in recency order is the whole algorithm.
 */
export class SizedLru<V> {
  private readonly entries = new Map<string, { value: V; bytes: number }>();
  private total = 0;

  constructor(
    private readonly maxEntries: number,
    private readonly maxBytes: number,
    /** Called for each entry pushed out (not for delete() or replacement). */
    private readonly onEvict: (key: string, value: V) => void = () => undefined,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  get bytes(): number {
    return this.total;
  }

  /** The value, marking it most recently used. */
  get(key: string): V | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    this.entries.delete(key);
    this.entries.set(key, e);
    return e.value;
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  /**
   * Stores `value` as most recently used, then evicts the least recently used until both bounds
   * hold. A value larger than maxBytes on its own is not kept at all (returns false).
   */
  set(key: string, value: V, bytes: number): boolean {
    this.delete(key);
    if (this.maxEntries <= 0 || bytes > this.maxBytes) return false;
    this.entries.set(key, { value, bytes });
    this.total += bytes;
    while (this.entries.size > this.maxEntries || this.total > this.maxBytes) {
      const [oldest, e] = this.entries.entries().next().value as [string, { value: V; bytes: number }];
      this.entries.delete(oldest);
      this.total -= e.bytes;
      this.onEvict(oldest, e.value);
    }
    return true;
  }

  delete(key: string): boolean {
    const e = this.entries.get(key);
    if (!e) return false;
    this.entries.delete(key);
    this.total -= e.bytes;
    return true;
  }

  clear(): void {
    this.entries.clear();
    this.total = 0;
  }
}
