import { app, InvocationContext } from '@azure/functions';
import { describe, expect, it } from 'vitest';
import { getRegisteredFunction, installFunctionsCore, invokeFunction, isFunctionsCoreInstalled } from '../../local/functions-core';

describe('functions-core stand-in', () => {
  it('is installed by the test setup and answers require("@azure/functions-core")', () => {
    expect(isFunctionsCoreInstalled()).toBe(true);
    expect(installFunctionsCore()).toBe(installFunctionsCore()); // idempotent: same object
  });

  it('captures app.* registrations with their metadata and user handler; the same name replaces', async () => {
    const first = async () => ({ body: 'first' });
    const second = async () => ({ body: 'second' });
    app.http('fx-core-probe', { route: 'probe/{id}', methods: ['GET'], handler: first });
    expect(getRegisteredFunction('fx-core-probe')).toMatchObject({
      name: 'fx-core-probe',
      trigger: { type: 'httpTrigger', route: 'probe/{id}', methods: ['GET'], direction: 'in' },
      handler: first,
    });
    app.http('fx-core-probe', { route: 'probe2', methods: ['POST'], handler: second });
    expect(getRegisteredFunction('fx-core-probe')).toMatchObject({ trigger: { route: 'probe2' }, handler: second });

    app.serviceBusQueue('fx-core-queue', { queueName: 'q1', connection: 'X', handler: async () => undefined });
    expect(getRegisteredFunction('fx-core-queue')?.trigger).toMatchObject({ type: 'serviceBusTrigger', queueName: 'q1' });
    app.timer('fx-core-timer', { schedule: '0 0 * * * *', handler: async () => undefined });
    expect(getRegisteredFunction('fx-core-timer')?.trigger).toMatchObject({ type: 'timerTrigger', schedule: '0 0 * * * *' });
  });

  it('runs preInvocation hooks before the handler, as the worker does; a hook may replace the handler', async () => {
    const seen: string[] = [];
    const hook = app.hook.preInvocation((ctx) => {
      if (ctx.invocationContext.functionName !== 'fx-core-hooked') return;
      const original = ctx.functionHandler;
      seen.push(`hook:${String(ctx.inputs[0])}`);
      ctx.functionHandler = async (...args: unknown[]) => {
        seen.push('before');
        const r: unknown = await (original as (...a: unknown[]) => unknown)(...args);
        seen.push('after');
        return r;
      };
    });
    try {
      app.serviceBusQueue('fx-core-hooked', { queueName: 'q2', connection: 'X', handler: async (m: unknown) => void seen.push(`handler:${String(m)}`) });
      const fn = getRegisteredFunction('fx-core-hooked');
      await invokeFunction(fn!, 'msg', new InvocationContext({ functionName: 'fx-core-hooked', invocationId: 'i1' }));
      expect(seen).toEqual(['hook:msg', 'before', 'handler:msg', 'after']);
    } finally {
      hook.dispose();
    }
  });
});
