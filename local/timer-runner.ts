/**
 * Runs the registered timerTrigger functions on their NCRONTAB schedules (six fields, seconds
 * first, evaluated in UTC as in Azure unless WEBSITE_TIME_ZONE is set; '%SETTING%' expressions
 * resolved from the environment; 'hh:mm:ss' TimeSpan schedules as fixed intervals), and on demand
 * with fire(name) for tests. Like the Functions host, a timer function never overlaps itself:
 * a tick that arrives while the previous run is still going is skipped.
 */
import { randomUUID } from 'node:crypto';
import { Cron } from 'croner';
import { InvocationContext, type Timer } from '@azure/functions';
import { createLogger, type Logger } from '../src/shared/logger';
import { invocationLogHandler } from './invocation-log';
import { invokeFunction, resolveSetting, type RegisteredFunction } from './functions-core';

export interface TimerRunnerOptions {
  /** Functions to run; those without a timerTrigger are ignored. */
  functions: readonly RegisteredFunction[];
  logger?: Logger;
}

export interface TimerSchedule {
  name: string;
  /** The schedule as registered ('%SETTING%' kept). */
  schedule: string;
  /** The expression actually used. */
  resolved: string;
  next?: Date;
}

interface TimerEntry {
  fn: RegisteredFunction;
  schedule: string;
  resolved: string;
  /** For cron schedules; TimeSpan schedules use intervalMs. */
  cron?: Cron;
  intervalMs?: number;
  interval?: NodeJS.Timeout;
  running?: Promise<void>;
  last?: Date;
}

const TIME_SPAN = /^(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})$/;

/** Milliseconds of a 'd.hh:mm:ss' / 'hh:mm:ss' TimeSpan schedule, or undefined for a cron expression. */
export function timeSpanMs(schedule: string): number | undefined {
  const m = TIME_SPAN.exec(schedule.trim());
  if (!m) return undefined;
  const [, d, h, min, s] = m;
  return (((Number(d ?? 0) * 24 + Number(h)) * 60 + Number(min)) * 60 + Number(s)) * 1000;
}

export class TimerRunner {
  readonly #entries = new Map<string, TimerEntry>();
  readonly #logger: Logger;
  readonly #timezone: string;
  #started = false;

  constructor(options: TimerRunnerOptions) {
    this.#logger = options.logger ?? createLogger({ level: 'warn', format: 'text' });
    this.#timezone = process.env.WEBSITE_TIME_ZONE || 'UTC';
    for (const fn of options.functions) {
      if (fn.trigger.type.toLowerCase() !== 'timertrigger') continue;
      const schedule = String(fn.trigger.schedule ?? '');
      const resolved = resolveSetting(schedule).trim();
      const intervalMs = timeSpanMs(resolved);
      if (intervalMs === undefined) {
        if (resolved.split(/\s+/).length !== 6) {
          throw new Error(`Timer "${fn.name}": schedule "${resolved}" must have six NCRONTAB fields (seconds first).`);
        }
        // Validate now (paused), so a bad expression fails at startup rather than never firing.
        try {
          new Cron(resolved, { paused: true, timezone: this.#timezone }).stop();
        } catch (e) {
          throw new Error(`Timer "${fn.name}": invalid schedule "${resolved}": ${e instanceof Error ? e.message : String(e)}`);
        }
      } else if (intervalMs <= 0) {
        throw new Error(`Timer "${fn.name}": interval schedule "${resolved}" must be positive.`);
      }
      this.#entries.set(fn.name, { fn, schedule, resolved, intervalMs });
    }
  }

  /** Arms every schedule and runs the functions that ask for runOnStartup. */
  start(): void {
    if (this.#started) return;
    this.#started = true;
    for (const entry of this.#entries.values()) {
      if (entry.intervalMs !== undefined) {
        entry.interval = setInterval(() => this.#tick(entry, new Date()), entry.intervalMs);
      } else {
        entry.cron = new Cron(entry.resolved, { timezone: this.#timezone }, (self: Cron) => {
          this.#tick(entry, self.currentRun() ?? new Date());
        });
      }
      if (entry.fn.trigger.runOnStartup === true) this.#tick(entry, new Date());
    }
  }

  #tick(entry: TimerEntry, due: Date): void {
    if (entry.running) {
      this.#logger.warn('timer tick skipped: previous run still going', { function: entry.fn.name });
      return;
    }
    // Late by more than a few seconds (event loop blocked, laptop asleep) counts as past due.
    const isPastDue = Date.now() - due.getTime() > 5_000;
    this.#invoke(entry, isPastDue).catch((err: unknown) => {
      this.#logger.error('timer function failed', {
        function: entry.fn.name,
        error: err instanceof Error ? `${err.name}: ${err.message}` : String(err),
      });
    });
  }

  #next(entry: TimerEntry): Date | undefined {
    if (entry.intervalMs !== undefined) return new Date(Date.now() + entry.intervalMs);
    const cron = entry.cron ?? new Cron(entry.resolved, { paused: true, timezone: this.#timezone });
    const next = cron.nextRun() ?? undefined;
    if (!entry.cron) cron.stop();
    return next;
  }

  #invoke(entry: TimerEntry, isPastDue: boolean): Promise<void> {
    const now = new Date();
    const timer: Timer = {
      isPastDue,
      schedule: { adjustForDST: true },
      scheduleStatus: {
        last: (entry.last ?? now).toISOString(),
        next: (this.#next(entry) ?? now).toISOString(),
        lastUpdated: now.toISOString(),
      },
    };
    entry.last = now;
    const invocationId = randomUUID();
    const logHandler = invocationLogHandler(this.#logger, entry.fn.name, invocationId);
    const context = new InvocationContext({
      invocationId,
      functionName: entry.fn.name,
      logHandler,
      options: { trigger: { ...entry.fn.trigger, name: entry.fn.triggerName }, extraInputs: [], extraOutputs: [] },
    });
    const run = (async () => {
      await invokeFunction(entry.fn, timer, context);
    })();
    // The settled copy only tracks "still running"; the caller gets (and handles) the real outcome.
    entry.running = run
      .catch(() => undefined)
      .finally(() => {
        entry.running = undefined;
      });
    return run;
  }

  /** Runs a timer function now (not past due) and resolves when it finishes; rejects with its error. */
  async fire(name: string): Promise<void> {
    const entry = this.#entries.get(name);
    if (!entry) {
      const known = [...this.#entries.keys()].join(', ') || 'none';
      throw new Error(`No timer function named "${name}" (timer functions: ${known}).`);
    }
    if (entry.running) await entry.running;
    await this.#invoke(entry, false);
  }

  schedules(): TimerSchedule[] {
    return [...this.#entries.values()].map((e) => ({ name: e.fn.name, schedule: e.schedule, resolved: e.resolved, next: this.#next(e) }));
  }

  /** Disarms every schedule and waits for running timer functions to finish. */
  async stop(): Promise<void> {
    this.#started = false;
    const running: Promise<void>[] = [];
    for (const e of this.#entries.values()) {
      e.cron?.stop();
      e.cron = undefined;
      if (e.interval) clearInterval(e.interval);
      e.interval = undefined;
      if (e.running) running.push(e.running);
    }
    await Promise.all(running);
  }
}
