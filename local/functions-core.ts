/**
 * A stand-in for `@azure/functions-core`, the module the Functions host's Node worker provides.
 * `@azure/functions` require()s it lazily on the first app.* call and caches a failure forever
 * ("test mode", registrations skipped), so installFunctionsCore() must run before any function file
 * calls app.*. With the stand-in in place, every registration (real metadata + the user handler)
 * lands in the registry below, which the local host serves.
 *
 * Hand-written: no library emulates the worker's module; the surface is five small functions.
 */
import Module from 'node:module';
import type { InvocationContext } from '@azure/functions';

/** One binding as @azure/functions describes it (toCoreFunctionMetadata): the trigger carries route/methods/queueName/schedule. */
export interface CoreBindingInfo {
  type: string;
  direction?: 'in' | 'out' | 'inout';
  name?: string;
  route?: string;
  methods?: string[];
  authLevel?: string;
  queueName?: string;
  connection?: string;
  schedule?: string;
  runOnStartup?: boolean;
  [key: string]: unknown;
}

export interface CoreFunctionMetadata {
  name: string;
  bindings: Record<string, CoreBindingInfo>;
  retryOptions?: unknown;
}

/** The user handler itself, as app.http/app.serviceBusQueue/app.timer received it. */
export type FunctionHandler = (triggerInput: unknown, context: InvocationContext) => unknown;

export interface RegisteredFunction {
  name: string;
  /** The binding name of the trigger (e.g. 'httpTrigger1'). */
  triggerName: string;
  trigger: CoreBindingInfo;
  bindings: Record<string, CoreBindingInfo>;
  handler: FunctionHandler;
}

export interface Disposable {
  dispose(): void;
}

type HookCallback = (context: unknown) => unknown;

/** What `require('@azure/functions-core')` returns once installed. */
export interface FunctionsCoreStandIn {
  readonly version: string;
  registerFunction(metadata: CoreFunctionMetadata, handler: FunctionHandler): Disposable;
  registerHook(hookName: string, callback: HookCallback): Disposable;
  setProgrammingModel(model: unknown): void;
  getProgrammingModel(): unknown;
  log(level: string, category: string, message: string): void;
}

const CORE_ID = '@azure/functions-core';
// A path-like cache key that no real file has; Module._load finds the stand-in under it.
const CORE_CACHE_KEY = '/__local_host__/@azure/functions-core.js';

interface CoreState {
  installed: boolean;
  functions: Map<string, RegisteredFunction>;
  hooks: Map<string, Set<HookCallback>>;
  programmingModel: unknown;
  standIn?: FunctionsCoreStandIn;
}

// Kept on globalThis so that every copy of this module (vitest may load it more than once per
// process) shares the one registry that @azure/functions' cached core object writes into.
const STATE_KEY = Symbol.for('eva.local.functionsCore');
const globalSlot = globalThis as unknown as Record<symbol, CoreState | undefined>;
const state: CoreState = (globalSlot[STATE_KEY] ??= {
  installed: false,
  functions: new Map(),
  hooks: new Map(),
  programmingModel: undefined,
});

function findTrigger(metadata: CoreFunctionMetadata): [string, CoreBindingInfo] {
  for (const [bindingName, b] of Object.entries(metadata.bindings)) {
    if (b.direction !== 'out' && /trigger$/i.test(b.type)) return [bindingName, b];
  }
  throw new Error(`Function "${metadata.name}" has no trigger binding.`);
}

function createStandIn(): FunctionsCoreStandIn {
  return {
    version: '4.0.0-local',
    registerFunction(metadata, handler) {
      const [triggerName, trigger] = findTrigger(metadata);
      // Same name again replaces: tests and watch mode load function files repeatedly.
      state.functions.set(metadata.name, {
        name: metadata.name,
        triggerName,
        trigger,
        bindings: metadata.bindings,
        handler,
      });
      return { dispose: () => void state.functions.delete(metadata.name) };
    },
    registerHook(hookName, callback) {
      let set = state.hooks.get(hookName);
      if (!set) state.hooks.set(hookName, (set = new Set()));
      set.add(callback);
      return { dispose: () => void set.delete(callback) };
    },
    setProgrammingModel(model) {
      state.programmingModel = model;
    },
    getProgrammingModel() {
      return state.programmingModel;
    },
    log(level, category, message) {
      // The library's own system logs (warnings about bindings and the like).
      if (level === 'warning' || level === 'error' || level === 'critical') {
        process.stderr.write(`[functions-core ${category}] ${level}: ${message}\n`);
      }
    },
  };
}

interface ModuleInternals {
  // A property, not a method: it is saved and called back with .call(this, ...).
  _resolveFilename: (request: string, parent: unknown, isMain: boolean, options?: unknown) => string;
  _cache: Record<string, NodeJS.Module | undefined>;
}

/**
 * Makes `require('@azure/functions-core')` answer with the stand-in. Idempotent.
 * Must run before the first app.* call in the process.
 */
export function installFunctionsCore(): FunctionsCoreStandIn {
  const standIn = (state.standIn ??= createStandIn());
  const internals = Module as unknown as ModuleInternals;
  // The cache entry is (re)placed each time: someone clearing require.cache must not break us.
  const cached = new Module(CORE_CACHE_KEY);
  cached.filename = CORE_CACHE_KEY;
  cached.loaded = true;
  cached.exports = standIn;
  internals._cache[CORE_CACHE_KEY] = cached;
  if (state.installed) return standIn;
  const original = internals._resolveFilename;
  internals._resolveFilename = function resolveWithCore(this: unknown, request, parent, isMain, options) {
    if (request === CORE_ID) return CORE_CACHE_KEY;
    return original.call(this, request, parent, isMain, options);
  };
  state.installed = true;
  return standIn;
}

export function isFunctionsCoreInstalled(): boolean {
  return state.installed;
}

/** Resolves '%SETTING%' binding expressions (queue names, schedules) from the environment, as the Functions host does. */
export function resolveSetting(value: string): string {
  return value.replace(/%([^%]+)%/g, (whole, name: string) => {
    const v = process.env[name];
    if (v === undefined) throw new Error(`Binding expression ${whole} names a setting that is not set.`);
    return v;
  });
}

/** Every function registered so far, in registration order. */
export function getRegisteredFunctions(): RegisteredFunction[] {
  return [...state.functions.values()];
}

export function getRegisteredFunction(name: string): RegisteredFunction | undefined {
  return state.functions.get(name);
}

/** Forgets every registration (tests that want a clean slate). */
export function clearRegisteredFunctions(): void {
  state.functions.clear();
}

/**
 * Runs one invocation as the worker does: every preInvocation hook first (a hook may replace the
 * handler, e.g. to run it inside a trace span), then the handler with the trigger input.
 */
export function invokeFunction(fn: Pick<RegisteredFunction, 'handler'>, input: unknown, context: InvocationContext): unknown {
  const hooks = [...(state.hooks.get('preInvocation') ?? [])];
  if (hooks.length === 0) return fn.handler(input, context);
  const hookContext = { invocationContext: context, inputs: [input], functionCallback: fn.handler as (...args: unknown[]) => unknown, hookData: {} };
  // Hooks run in order; only one that returns a promise is awaited (no extra turns on the hot path).
  const run = (from: number): unknown => {
    for (let i = from; i < hooks.length; i++) {
      const r = hooks[i]?.(hookContext);
      if (r instanceof Promise) return r.then(() => run(i + 1));
    }
    return hookContext.functionCallback(...hookContext.inputs, context);
  };
  return run(0);
}

/** Hooks registered through app.hook.* (preInvocation ones run in invokeFunction; the others are kept for inspection). */
export function getRegisteredHooks(hookName: string): HookCallback[] {
  return [...(state.hooks.get(hookName) ?? [])];
}
