/**
 * Matches request paths against Azure Functions route templates ('v1/spaces/{id}', '{id?}',
 * '{*rest}', '{id:int}', '{name=default}', 'files/{name}.{ext}'), as the Functions host's ASP.NET
 * Core routing does: literal segments are case-insensitive and win over parameters
 * (inbound precedence: literal < complex segment < constrained parameter < parameter < catch-all),
 * and a path that matches only with other methods is a 405 with Allow, not a 404.
 *
 * Hand-written: the routers on npm (find-my-way, path-to-regexp) use other template syntaxes and
 * precedence rules; this keeps the local host faithful to what Azure will do with the same routes.
 */

export type RouteResult<T> =
  { kind: 'match'; value: T; params: Record<string, string>; template: string } | { kind: 'not_found' } | { kind: 'method_not_allowed'; allow: string[] };

type Constraint = (value: string) => boolean;

interface ParamPart {
  name: string;
  optional: boolean;
  catchAll: boolean;
  defaultValue?: string;
  constraints: Constraint[];
  /** The constraint text (':int:min(1)'), part of the route's shape. */
  constraintText: string;
}

type Segment =
  | { kind: 'literal'; text: string }
  | { kind: 'param'; param: ParamPart }
  /** Several parts in one segment ('{name}.{ext}'), matched by a regex. */
  | { kind: 'complex'; regex: RegExp; params: ParamPart[] };

export interface CompiledRoute {
  template: string;
  segments: Segment[];
  /** ASP.NET inbound precedence digits, one per segment; lower sorts first. */
  precedence: string;
  /** The template with parameter names erased, to detect two functions claiming the same route. */
  shape: string;
}

const INT32 = { min: -2147483648, max: 2147483647 };
const isInteger = (v: string): boolean => /^[+-]?\d+$/.test(v);
const isNumber = (v: string): boolean => /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(v);
const GUID =
  /^(?:[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|\{[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\}|\([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\))$/i;

function numArgs(name: string, args: string | undefined, count: number[]): number[] {
  const parts = (args ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const nums = parts.map(Number);
  if (!count.includes(nums.length) || nums.some((n) => !Number.isFinite(n))) {
    throw new Error(`Route constraint "${name}" needs ${count.join(' or ')} numeric argument(s).`);
  }
  return nums;
}

/** The ASP.NET Core route constraints (https://learn.microsoft.com/aspnet/core/fundamentals/routing#route-constraints). */
function buildConstraint(name: string, args: string | undefined): Constraint {
  switch (name.toLowerCase()) {
    case 'int':
      return (v) => isInteger(v) && Number(v) >= INT32.min && Number(v) <= INT32.max;
    case 'long':
      return (v) => isInteger(v) && BigInt(v) >= -(2n ** 63n) && BigInt(v) < 2n ** 63n;
    case 'decimal':
    case 'double':
    case 'float':
      return isNumber;
    case 'bool':
      return (v) => /^(true|false)$/i.test(v);
    case 'guid':
      return (v) => GUID.test(v);
    case 'datetime':
      return (v) => !Number.isNaN(Date.parse(v));
    case 'alpha':
      return (v) => /^[a-z]+$/i.test(v);
    case 'required':
      return (v) => v !== '';
    case 'minlength': {
      const [n] = numArgs(name, args, [1]) as [number];
      return (v) => v.length >= n;
    }
    case 'maxlength': {
      const [n] = numArgs(name, args, [1]) as [number];
      return (v) => v.length <= n;
    }
    case 'length': {
      const nums = numArgs(name, args, [1, 2]);
      const min = nums[0]!; // numArgs checked the count
      const max = nums[1] ?? min;
      return (v) => v.length >= min && v.length <= max;
    }
    case 'min': {
      const [n] = numArgs(name, args, [1]) as [number];
      return (v) => isInteger(v) && Number(v) >= n;
    }
    case 'max': {
      const [n] = numArgs(name, args, [1]) as [number];
      return (v) => isInteger(v) && Number(v) <= n;
    }
    case 'range': {
      const [lo, hi] = numArgs(name, args, [2]) as [number, number];
      return (v) => isInteger(v) && Number(v) >= lo && Number(v) <= hi;
    }
    case 'regex': {
      if (!args) throw new Error('Route constraint "regex" needs a pattern.');
      // .NET evaluates route regexes case-insensitively.
      const re = new RegExp(args, 'i');
      return (v) => re.test(v);
    }
    default:
      throw new Error(`Unknown route constraint "${name}".`);
  }
}

/** Splits on '/' outside braces (a regex constraint may contain '/'). */
function splitSegments(template: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of template) {
    if (ch === '{') depth++;
    else if (ch === '}') depth = Math.max(0, depth - 1);
    if (ch === '/' && depth === 0) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

/** Parses the inside of '{...}': '*name', 'name:int', 'name:regex(^a(b)c$)?', 'name=default'. */
function parseParam(token: string, template: string): ParamPart {
  let i = 0;
  let catchAll = false;
  if (token.startsWith('**')) {
    catchAll = true;
    i = 2;
  } else if (token.startsWith('*')) {
    catchAll = true;
    i = 1;
  }
  let name = '';
  while (i < token.length && !':?='.includes(token[i] as string)) name += token[i++];
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`Route "${template}": bad parameter name "{${token}}".`);
  const constraints: Constraint[] = [];
  const constraintStart = i;
  while (token[i] === ':') {
    i++;
    let cname = '';
    while (i < token.length && !':?=('.includes(token[i] as string)) cname += token[i++];
    let args: string | undefined;
    if (token[i] === '(') {
      let depth = 0;
      const start = i + 1;
      for (; i < token.length; i++) {
        if (token[i] === '(') depth++;
        else if (token[i] === ')' && --depth === 0) break;
      }
      if (depth !== 0) throw new Error(`Route "${template}": unbalanced parentheses in "{${token}}".`);
      args = token.slice(start, i);
      i++;
    }
    constraints.push(buildConstraint(cname, args));
  }
  const constraintText = token.slice(constraintStart, i).toLowerCase();
  let optional = false;
  let defaultValue: string | undefined;
  if (token[i] === '?') {
    optional = true;
    i++;
  } else if (token[i] === '=') {
    defaultValue = token.slice(i + 1);
    i = token.length;
  }
  if (i !== token.length) throw new Error(`Route "${template}": cannot parse "{${token}}".`);
  return { name, optional: optional || catchAll, catchAll, defaultValue, constraints, constraintText };
}

const escapeRegex = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function parseSegment(raw: string, template: string): Segment {
  if (!raw.includes('{')) {
    if (raw.includes('}')) throw new Error(`Route "${template}": stray "}" in "${raw}".`);
    return { kind: 'literal', text: raw.toLowerCase() };
  }
  const parts: Array<string | ParamPart> = [];
  let i = 0;
  while (i < raw.length) {
    const open = raw.indexOf('{', i);
    if (open === -1) {
      parts.push(raw.slice(i));
      break;
    }
    if (open > i) parts.push(raw.slice(i, open));
    let depth = 0;
    let close = open;
    for (; close < raw.length; close++) {
      if (raw[close] === '{') depth++;
      else if (raw[close] === '}' && --depth === 0) break;
    }
    if (depth !== 0) throw new Error(`Route "${template}": unclosed "{" in "${raw}".`);
    parts.push(parseParam(raw.slice(open + 1, close), template));
    i = close + 1;
  }
  if (parts.length === 1 && typeof parts[0] !== 'string') return { kind: 'param', param: parts[0] as ParamPart };
  const params = parts.filter((p): p is ParamPart => typeof p !== 'string');
  if (params.some((p) => p.catchAll)) throw new Error(`Route "${template}": a catch-all must be a whole segment.`);
  // Greedy parameters: ASP.NET matches a complex segment's literals right to left (last '.' splits name and ext).
  const source = parts.map((p) => (typeof p === 'string' ? escapeRegex(p) : '(.+)')).join('');
  return { kind: 'complex', regex: new RegExp(`^${source}$`, 'i'), params };
}

export function compileRoute(template: string): CompiledRoute {
  const trimmed = template.replace(/^~?\//, '').replace(/\/$/, '');
  const segments = trimmed === '' ? [] : splitSegments(trimmed).map((s) => parseSegment(s, template));
  segments.forEach((s, idx) => {
    if (s.kind === 'literal' && s.text === '') throw new Error(`Route "${template}": empty segment.`);
    if (s.kind === 'param' && s.param.catchAll && idx !== segments.length - 1) {
      throw new Error(`Route "${template}": a catch-all must be the last segment.`);
    }
  });
  const names = segments.flatMap((s) => (s.kind === 'param' ? [s.param.name] : s.kind === 'complex' ? s.params.map((p) => p.name) : []));
  const dup = names.find((n, k) => names.findIndex((m) => m.toLowerCase() === n.toLowerCase()) !== k);
  if (dup) throw new Error(`Route "${template}": parameter "${dup}" appears twice.`);
  const precedence = segments
    .map((s) => {
      if (s.kind === 'literal') return '1';
      if (s.kind === 'complex') return '2';
      if (s.param.catchAll) return '5';
      return s.param.constraints.length > 0 ? '3' : '4';
    })
    .join('');
  const shape = segments
    .map((s) => {
      if (s.kind === 'literal') return s.text;
      if (s.kind === 'complex') return s.regex.source + s.params.map((p) => p.constraintText).join();
      return `{${s.param.catchAll ? '*' : ''}${s.param.constraintText}}`;
    })
    .join('/');
  return { template, segments, precedence, shape };
}

function checkParam(p: ParamPart, value: string): boolean {
  for (const c of p.constraints) if (!c(value)) return false;
  return true;
}

function decodeSegment(raw: string): string {
  if (!raw.includes('%')) return raw;
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw; // a malformed escape is matched as written
  }
}

/** Matches decoded path segments against a route; returns the parameters or undefined. */
export function matchRoute(route: CompiledRoute, rawSegments: readonly string[]): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  const segs = route.segments;
  for (let i = 0; i < segs.length; i++) {
    const seg = segs[i]!;
    if (seg.kind === 'param' && seg.param.catchAll) {
      const rest = rawSegments.slice(i).map(decodeSegment).join('/');
      if (rest === '') {
        if (seg.param.defaultValue !== undefined) params[seg.param.name] = seg.param.defaultValue;
        return params;
      }
      if (!checkParam(seg.param, rest)) return undefined;
      params[seg.param.name] = rest;
      return params;
    }
    const raw = rawSegments[i];
    if (raw === undefined || raw === '') {
      // Only trailing optional/defaulted parameters may be absent.
      if (raw === '' && i < rawSegments.length - 1) return undefined;
      if (seg.kind !== 'param' || !(seg.param.optional || seg.param.defaultValue !== undefined)) return undefined;
      if (seg.param.defaultValue !== undefined) params[seg.param.name] = seg.param.defaultValue;
      continue;
    }
    const value = decodeSegment(raw);
    if (seg.kind === 'literal') {
      if (value.toLowerCase() !== seg.text) return undefined;
    } else if (seg.kind === 'param') {
      if (!checkParam(seg.param, value)) return undefined;
      params[seg.param.name] = value;
    } else {
      const m = seg.regex.exec(value);
      if (!m) return undefined;
      for (let k = 0; k < seg.params.length; k++) {
        const p = seg.params[k] as ParamPart;
        const v = m[k + 1] ?? ''; // an optional group that did not take part matched nothing
        if (!checkParam(p, v)) return undefined;
        params[p.name] = v;
      }
    }
  }
  return rawSegments.length > segs.length ? undefined : params;
}

interface Entry<T> {
  route: CompiledRoute;
  methods: ReadonlySet<string>;
  value: T;
}

/** Splits '/v1/spaces/abc/' into ['v1', 'spaces', 'abc'] (raw, still percent-encoded). */
export function splitPath(path: string): string[] {
  const trimmed = path.replace(/^\/+/, '').replace(/\/$/, '');
  return trimmed === '' ? [] : trimmed.split('/');
}

export class RouteTable<T> {
  readonly #entries: Entry<T>[] = [];

  /**
   * Adds a route; methods are case-insensitive. Throws on a bad template. Returns the methods an
   * equivalent, earlier route already serves: those keep going to the earlier route (first
   * registered wins, as in the Functions host), so the caller can warn about them. Several
   * functions sharing a route all declaring OPTIONS (CORS preflight) is the common, harmless case.
   */
  add(template: string, methods: readonly string[], value: T): string[] {
    const route = compileRoute(template);
    const set = new Set(methods.map((m) => m.toUpperCase()));
    const shadowed = new Set<string>();
    for (const e of this.#entries) {
      if (e.route.shape === route.shape) for (const m of set) if (e.methods.has(m)) shadowed.add(m);
    }
    this.#entries.push({ route, methods: set, value });
    // Stable sort keeps registration order among equal precedence.
    this.#entries.sort((a, b) => (a.route.precedence < b.route.precedence ? -1 : a.route.precedence > b.route.precedence ? 1 : 0));
    return [...shadowed].sort();
  }

  get size(): number {
    return this.#entries.length;
  }

  /** Matches a path below the route prefix (e.g. '/v1/spaces/1', no query string). */
  match(method: string, path: string): RouteResult<T> {
    const segments = splitPath(path);
    const upper = method.toUpperCase();
    let allow: Set<string> | undefined;
    // Entries are sorted by precedence, so the first one that matches path and method wins.
    for (const e of this.#entries) {
      const params = matchRoute(e.route, segments);
      if (!params) continue;
      if (e.methods.has(upper)) return { kind: 'match', value: e.value, params, template: e.route.template };
      allow ??= new Set();
      for (const m of e.methods) allow.add(m);
    }
    return allow ? { kind: 'method_not_allowed', allow: [...allow].sort() } : { kind: 'not_found' };
  }
}
