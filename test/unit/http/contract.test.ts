/** The contract check call() runs on every reply: it passes what the spec allows and catches what it does not. */
import { describe, expect, it } from 'vitest';
import { contractProblems } from '../../helpers/contract';

const api = 'http://127.0.0.1:7071/api';
const json = (status: number, body: unknown, extra: Record<string, string> = {}) => ({
  status,
  headers: new Headers({ 'content-type': 'application/json; charset=utf-8', 'x-request-id': 'req_0123456789abcdef', ...extra }),
  text: JSON.stringify(body),
});
const meta = { request_id: 'req_0123456789abcdef', timestamp: '2026-01-15T09:30:00.000Z' };
const notFound = { error: { code: 'NOT_FOUND', message: 'Space not found.', details: [] }, meta };

describe('contract check', () => {
  it('accepts a declared status with a body in its schema', () => {
    expect(contractProblems('GET', `${api}/v1/spaces/spc_${'a'.repeat(32)}`, json(404, notFound))).toEqual([]);
    expect(contractProblems('GET', `${api}/health`, json(200, { data: { status: 'ok', version: '0.1.0', environment: 'test' }, meta }))).toEqual([]);
  });

  it('catches an undeclared status, a wrong code, a missing field, a missing X-Request-Id and an undeclared body', () => {
    expect(contractProblems('GET', `${api}/v1/spaces/x`, json(418, notFound))[0]).toMatch(/does not declare/);
    expect(contractProblems('GET', `${api}/v1/spaces/x`, json(404, { ...notFound, error: { ...notFound.error, code: 'CONFLICT' } }))[0]).toMatch(
      /outside its schema/,
    );
    expect(contractProblems('GET', `${api}/health`, json(200, { data: { status: 'ok' }, meta }))[0]).toMatch(/outside its schema/);
    const noId = { status: 404, headers: new Headers({ 'content-type': 'application/json' }), text: JSON.stringify(notFound) };
    expect(contractProblems('GET', `${api}/v1/spaces/x`, noId)[0]).toMatch(/X-Request-Id/);
    expect(contractProblems('DELETE', `${api}/v1/spaces/x`, json(204, { data: null, meta }))[0]).toMatch(/declares none/);
  });

  it('does not judge what is no operation: other hosts, unknown routes, undeclared methods', () => {
    expect(contractProblems('GET', 'http://example.invalid/api/health', json(418, {}))).toEqual([]);
    expect(contractProblems('GET', `${api}/v1/nothing-here`, json(404, {}))).toEqual([]);
    expect(contractProblems('OPTIONS', `${api}/v1/spaces`, json(204, {}))).toEqual([]);
  });
});
