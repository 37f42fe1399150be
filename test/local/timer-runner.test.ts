import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalHost, type LocalHost } from '../../local/host';
import { timeSpanMs, TimerRunner } from '../../local/timer-runner';
import { getRegisteredFunction } from '../../local/functions-core';
import { timerCalls } from '../fixtures/functions/timer-fixtures';

const fixtures = join(__dirname, '..', 'fixtures', 'functions');
let host: LocalHost;

beforeAll(async () => {
  process.env.FX_TIMER_SCHEDULE = '0 */15 * * * *';
  host = await startLocalHost({ port: 0, functionFiles: [join(fixtures, 'timer-fixtures.ts')] });
});
afterAll(async () => {
  await host.stop();
});

describe('local host timers', () => {
  it('lists timer functions with their schedules, resolving %SETTING%', () => {
    expect(host.functions()).toEqual(
      expect.arrayContaining([
        { name: 'fx-timer-nightly', trigger: 'timer', schedule: '0 0 3 * * *' },
        { name: 'fx-timer-from-setting', trigger: 'timer', schedule: '0 */15 * * * *' },
      ]),
    );
  });

  it('fires a timer function on demand with a Timer object', async () => {
    timerCalls.length = 0;
    await host.fireTimer('fx-timer-nightly');
    expect(timerCalls).toHaveLength(1);
    const call = timerCalls[0];
    expect(call?.functionName).toBe('fx-timer-nightly');
    expect(call?.timer.isPastDue).toBe(false);
    // The next occurrence of "0 0 3 * * *" is 03:00:00 UTC.
    expect(new Date(call?.timer.scheduleStatus.next as string).toISOString()).toMatch(/T03:00:00\.000Z$/);
    expect(Number.isNaN(Date.parse(call?.timer.scheduleStatus.last as string))).toBe(false);
  });

  it('rejects fireTimer with the function error, or for an unknown name', async () => {
    await expect(host.fireTimer('fx-timer-failing')).rejects.toThrow('timer failed');
    await expect(host.fireTimer('no-such-timer')).rejects.toThrow(/No timer function named "no-such-timer"/);
  });

  it('runs a timer on its schedule once started', async () => {
    const fn = getRegisteredFunction('fx-timer-nightly');
    if (!fn) throw new Error('fixture not registered');
    const every = { ...fn, name: 'fx-every-second', trigger: { ...fn.trigger, schedule: '* * * * * *' } };
    const runner = new TimerRunner({ functions: [every] });
    timerCalls.length = 0;
    runner.start();
    await expect.poll(() => timerCalls.length, { timeout: 5_000 }).toBeGreaterThan(0);
    await runner.stop();
  });

  it('refuses malformed schedules at startup and understands TimeSpan schedules', () => {
    const fn = getRegisteredFunction('fx-timer-nightly');
    if (!fn) throw new Error('fixture not registered');
    expect(() => new TimerRunner({ functions: [{ ...fn, trigger: { ...fn.trigger, schedule: '0 3 * * *' } }] })).toThrow(/six NCRONTAB fields/);
    expect(() => new TimerRunner({ functions: [{ ...fn, trigger: { ...fn.trigger, schedule: '0 99 * * * *' } }] })).toThrow(/invalid schedule/);
    expect(() => new TimerRunner({ functions: [{ ...fn, trigger: { ...fn.trigger, schedule: '%FX_UNSET_SETTING%' } }] })).toThrow(/not set/);
    expect(timeSpanMs('00:05:00')).toBe(300_000);
    expect(timeSpanMs('1.00:00:10')).toBe(86_410_000);
    expect(timeSpanMs('0 */5 * * * *')).toBeUndefined();
  });
});
