/**
 * Contract check of every API reply the HTTP tests receive (hooked into call()): the operation
 * the request hit (by path template and method, from the committed openapi.json) must declare
 * the status, its required headers must be there, and a JSON body must validate against the
 * declared schema (ajv, draft 2020-12, the dialect of OpenAPI 3.1). Replies to URLs that are no
 * operation (another host, an unknown route, OPTIONS) are not checked. openapi.json itself is kept
 * equal to the code by test/unit/http/openapi-description.test.ts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { projectRoot } from '../../src/shared/project-root';

type Json = Record<string, any>;

interface Spec {
  paths: Record<string, Record<string, Json>>;
  components: Json;
}

interface Template {
  path: string;
  regex: RegExp;
  literals: number;
}

let loaded: { spec: Spec; templates: Template[]; ajv: Ajv2020; validators: Map<string, ValidateFunction> } | undefined;

function state(): NonNullable<typeof loaded> {
  if (!loaded) {
    const spec = JSON.parse(readFileSync(join(projectRoot(), 'openapi.json'), 'utf8')) as Spec;
    const templates = Object.keys(spec.paths).map((path) => {
      const parts = path.split('/');
      const regex = new RegExp(`^${parts.map((p) => (/^\{.+\}$/.test(p) ? '[^/]+' : p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('/')}$`);
      return { path, regex, literals: parts.filter((p) => !p.startsWith('{')).length };
    });
    // The most literal template first: /docs/{asset} must not swallow a literal sibling.
    templates.sort((a, b) => b.literals - a.literals);
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(ajv);
    ajv.addSchema({ $id: 'spec.json', components: spec.components });
    loaded = { spec, templates, ajv, validators: new Map() };
  }
  return loaded;
}

export interface MatchedOperation {
  template: string;
  method: string;
  operation: Json;
}

/** The operation a request hits, or undefined when it is no operation of the API. */
export function operationFor(method: string, url: string): MatchedOperation | undefined {
  const u = new URL(url);
  if (!['127.0.0.1', 'localhost'].includes(u.hostname) || !u.pathname.startsWith('/api/')) return undefined;
  const path = u.pathname.slice('/api'.length);
  const { spec, templates } = state();
  const m = method.toLowerCase();
  for (const t of templates) {
    if (!t.regex.test(path)) continue;
    const operation = spec.paths[t.path]![m];
    if (operation) return { template: t.path, method: m, operation };
  }
  return undefined;
}

function resolve(node: Json): Json {
  let n = node;
  while (typeof n.$ref === 'string') {
    const [, kind, name] = /^#\/components\/([^/]+)\/(.+)$/.exec(n.$ref) ?? [];
    n = state().spec.components[kind!]?.[name!] as Json;
    if (!n) throw new Error(`contract: unresolvable ${node.$ref}`);
  }
  return n;
}

function validatorFor(key: string, schema: unknown): ValidateFunction {
  const s = state();
  let v = s.validators.get(key);
  if (!v) {
    v = s.ajv.compile(JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', '"spec.json#/components/')) as object);
    s.validators.set(key, v);
  }
  return v;
}

const mediaType = (contentType: string | null): string => (contentType ?? '').split(';')[0]!.trim().toLowerCase();

export interface ReplyToCheck {
  status: number;
  headers: Headers;
  text: string;
}

/** The problems of a reply against the spec ([] when it conforms, or when it is no operation). */
export function contractProblems(method: string, url: string, reply: ReplyToCheck): string[] {
  const hit = operationFor(method, url);
  if (!hit) return [];
  const what = `${method.toUpperCase()} ${hit.template} (${String(hit.operation.operationId)}) answered ${reply.status}`;
  const responses = hit.operation.responses as Record<string, Json>;
  const declared = responses[String(reply.status)] ?? responses[`${String(reply.status)[0]}XX`] ?? responses.default;
  if (!declared) return [`${what}, a status the spec does not declare (declared: ${Object.keys(responses).join(', ')})`];
  const response = resolve(declared);
  const problems: string[] = [];
  for (const [name, h] of Object.entries((response.headers ?? {}) as Record<string, Json>)) {
    if (resolve(h).required && reply.headers.get(name) === null) problems.push(`${what} without its required ${name} header`);
  }
  const content = response.content as Record<string, Json> | undefined;
  if (reply.text === '') return problems;
  if (!content) return [...problems, `${what} with a body, where the spec declares none`];
  const type = mediaType(reply.headers.get('content-type'));
  const media = content[type] ?? (type.endsWith('+json') ? content['application/json'] : undefined);
  if (!media) {
    // application/octet-stream stands for "whatever the file is" (downloads, console assets).
    if (!content['application/octet-stream']) problems.push(`${what} as ${type || 'no content type'}; the spec declares ${Object.keys(content).join(', ')}`);
    return problems;
  }
  if (!/json/.test(type) || !media.schema) return problems;
  let body: unknown;
  try {
    body = JSON.parse(reply.text);
  } catch {
    return [...problems, `${what} with a body that is not JSON`];
  }
  const validate = validatorFor(`${hit.method} ${hit.template} ${reply.status} ${type}`, media.schema);
  if (!validate(body)) {
    const errors = (validate.errors ?? [])
      .slice(0, 5)
      .map((e) => `${e.instancePath || '/'} ${e.message ?? ''}${e.params ? ` ${JSON.stringify(e.params)}` : ''}`);
    problems.push(`${what} with a body outside its schema: ${errors.join('; ')} — body: ${reply.text.slice(0, 400)}`);
  }
  return problems;
}

/** Throws when the reply does not conform; call() runs this on every reply. */
export function assertContract(method: string, url: string, reply: ReplyToCheck): void {
  const problems = contractProblems(method, url, reply);
  if (problems.length > 0) throw new Error(`API contract (openapi.json): ${problems.join('\n')}`);
}
