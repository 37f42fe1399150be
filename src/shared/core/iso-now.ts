/**
 * The current time as an ISO 8601 string, formatted at most once per millisecond. Every envelope
 * carries a timestamp, and `new Date().toISOString()` costs about 0.8 µs; the cached read about 0.08.
 */
let lastMs = -1;
let lastIso = '';

export function isoNow(): string {
  const now = Date.now();
  if (now !== lastMs) {
    lastMs = now;
    lastIso = new Date(now).toISOString();
  }
  return lastIso;
}
