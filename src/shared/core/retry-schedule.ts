/**
 * When to try a failed webhook delivery again. The schedule lists the delays (seconds)
 * before retry 1, 2, …; the first attempt is immediate, so a delivery gets
 * 1 + schedule.length attempts. Delays carry ±20 % jitter so that many deliveries failing
 * together (an endpoint outage) do not come back in lockstep.
 */

export const RETRY_JITTER = 0.2;

export interface RetryDecision {
  /** No attempts left: dead-letter the delivery. */
  exhausted: boolean;
  /** Milliseconds to wait before the next attempt (0 when exhausted). */
  delayMs: number;
}

export interface NextRetryInput {
  /** Attempts made so far, including the one that just failed (1 after the first failure). */
  attempt: number;
  /** Seconds before each retry (WEBHOOK_RETRY_SCHEDULE). */
  schedule: readonly number[];
  /** The receiver's Retry-After, in seconds, if it sent one. */
  retryAfterSeconds?: number;
  /** Source of randomness in [0, 1); injectable for tests. */
  random?: () => number;
}

export function totalAttempts(schedule: readonly number[]): number {
  return schedule.length + 1;
}

export function nextRetry(input: NextRetryInput): RetryDecision {
  const { attempt, schedule } = input;
  if (!Number.isInteger(attempt) || attempt < 1) throw new RangeError('attempt must be an integer >= 1');
  if (attempt > schedule.length) return { exhausted: true, delayMs: 0 };
  const base = schedule[attempt - 1]! * 1_000; // 1 <= attempt <= schedule.length, checked above
  const random = input.random ?? Math.random;
  let delay = base * (1 + (random() * 2 - 1) * RETRY_JITTER);
  if (input.retryAfterSeconds !== undefined && input.retryAfterSeconds > 0) {
    // Retry-After may push the retry later than the schedule says, but never beyond the
    // longest interval of the schedule: a receiver cannot park deliveries for days, and a
    // short test schedule stays short.
    const cap = Math.max(...schedule) * 1_000;
    delay = Math.max(delay, Math.min(input.retryAfterSeconds * 1_000, cap));
  }
  return { exhausted: false, delayMs: Math.max(0, Math.round(delay)) };
}

/**
 * Parses a Retry-After header: delay-seconds or an HTTP-date. Returns seconds from `now`,
 * or undefined when absent or malformed.
 */
export function parseRetryAfter(value: string | null | undefined, now: Date = new Date()): number | undefined {
  if (value === null || value === undefined) return undefined;
  const v = value.trim();
  if (v === '') return undefined;
  if (/^\d{1,10}$/.test(v)) return Number(v);
  // HTTP-dates name a weekday and month; bare numbers like "-5" are not dates here.
  if (!/^[A-Za-z]{3}, /.test(v)) return undefined;
  const at = Date.parse(v);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, Math.ceil((at - now.getTime()) / 1_000));
}
