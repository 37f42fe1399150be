import { describe, expect, it } from 'vitest';
import { compileRoute, RouteTable } from '../../local/route-table';

function table(routes: Array<[string, string[], string]>): RouteTable<string> {
  const t = new RouteTable<string>();
  for (const [template, methods, name] of routes) t.add(template, methods, name);
  return t;
}

describe('route table', () => {
  it('matches literal segments case-insensitively and extracts parameters', () => {
    const t = table([['v1/spaces/{id}', ['GET'], 'get-space']]);
    expect(t.match('GET', '/V1/Spaces/abc')).toEqual({ kind: 'match', value: 'get-space', params: { id: 'abc' }, template: 'v1/spaces/{id}' });
    expect(t.match('get', '/v1/spaces/abc/')).toMatchObject({ kind: 'match', params: { id: 'abc' } });
  });

  it('percent-decodes parameter values', () => {
    const t = table([['v1/spaces/{id}', ['GET'], 'get-space']]);
    expect(t.match('GET', '/v1/spaces/a%20b')).toMatchObject({ params: { id: 'a b' } });
  });

  it('prefers a literal segment over a parameter, whatever the registration order', () => {
    const t = table([
      ['v1/spaces/{id}', ['GET'], 'get-space'],
      ['v1/spaces/search', ['GET'], 'search'],
    ]);
    expect(t.match('GET', '/v1/spaces/search')).toMatchObject({ value: 'search' });
    expect(t.match('GET', '/v1/spaces/other')).toMatchObject({ value: 'get-space' });
  });

  it('prefers a constrained parameter over a plain one and a plain one over a catch-all', () => {
    const t = table([
      ['files/{*rest}', ['GET'], 'catch-all'],
      ['files/{name}', ['GET'], 'plain'],
      ['files/{n:int}', ['GET'], 'int'],
    ]);
    expect(t.match('GET', '/files/12')).toMatchObject({ value: 'int', params: { n: '12' } });
    expect(t.match('GET', '/files/x')).toMatchObject({ value: 'plain', params: { name: 'x' } });
    expect(t.match('GET', '/files/a/b/c')).toMatchObject({ value: 'catch-all', params: { rest: 'a/b/c' } });
  });

  it('applies int, guid, alpha, bool, length and range constraints', () => {
    const t = table([
      ['n/{v:int}', ['GET'], 'int'],
      ['g/{v:guid}', ['GET'], 'guid'],
      ['a/{v:alpha}', ['GET'], 'alpha'],
      ['b/{v:bool}', ['GET'], 'bool'],
      ['l/{v:minlength(2):maxlength(3)}', ['GET'], 'len'],
      ['r/{v:range(1,10)}', ['GET'], 'range'],
      ['x/{v:regex(^ab+c$)}', ['GET'], 'regex'],
    ]);
    expect(t.match('GET', '/n/-42')).toMatchObject({ kind: 'match', params: { v: '-42' } });
    expect(t.match('GET', '/n/4.2').kind).toBe('not_found');
    expect(t.match('GET', '/n/99999999999').kind).toBe('not_found'); // beyond int32
    expect(t.match('GET', '/g/3f2504e0-4f89-11d3-9a0c-0305e82c3301').kind).toBe('match');
    expect(t.match('GET', '/g/not-a-guid').kind).toBe('not_found');
    expect(t.match('GET', '/a/Hello').kind).toBe('match');
    expect(t.match('GET', '/a/h3llo').kind).toBe('not_found');
    expect(t.match('GET', '/b/TRUE').kind).toBe('match');
    expect(t.match('GET', '/b/yes').kind).toBe('not_found');
    expect(t.match('GET', '/l/ab').kind).toBe('match');
    expect(t.match('GET', '/l/abcd').kind).toBe('not_found');
    expect(t.match('GET', '/r/10').kind).toBe('match');
    expect(t.match('GET', '/r/11').kind).toBe('not_found');
    expect(t.match('GET', '/x/ABBBC').kind).toBe('match');
    expect(t.match('GET', '/x/ac').kind).toBe('not_found');
  });

  it('handles optional parameters, defaults and catch-alls that may be empty', () => {
    const t = table([
      ['opt/{id?}', ['GET'], 'opt'],
      ['def/{page=1}', ['GET'], 'def'],
      ['all/{*rest}', ['GET'], 'all'],
    ]);
    expect(t.match('GET', '/opt')).toMatchObject({ kind: 'match', params: {} });
    expect(t.match('GET', '/opt/7')).toMatchObject({ params: { id: '7' } });
    expect(t.match('GET', '/def')).toMatchObject({ params: { page: '1' } });
    expect(t.match('GET', '/def/3')).toMatchObject({ params: { page: '3' } });
    expect(t.match('GET', '/all')).toMatchObject({ kind: 'match', params: {} });
    expect(t.match('GET', '/all/a/b%2Fc')).toMatchObject({ params: { rest: 'a/b/c' } });
  });

  it('matches complex segments', () => {
    const t = table([['dl/{name}.{ext:alpha}', ['GET'], 'dl']]);
    expect(t.match('GET', '/dl/report.final.pdf')).toMatchObject({ kind: 'match', params: { name: 'report.final', ext: 'pdf' } });
    expect(t.match('GET', '/dl/report.v2').kind).toBe('not_found');
    expect(t.match('GET', '/dl/report').kind).toBe('not_found');
    expect(t.match('GET', '/dl/report.pdf')).toMatchObject({ kind: 'match', params: { name: 'report', ext: 'pdf' } });
  });

  it('says not_found when no template matches the path', () => {
    const t = table([['v1/spaces/{id}', ['GET'], 'get-space']]);
    expect(t.match('GET', '/v1/spaces').kind).toBe('not_found');
    expect(t.match('GET', '/v1/spaces/a/b').kind).toBe('not_found');
    expect(t.match('GET', '/v1//spaces').kind).toBe('not_found');
    expect(t.match('GET', '/').kind).toBe('not_found');
  });

  it('says method_not_allowed with every allowed method when only other methods match', () => {
    const t = table([
      ['v1/spaces/{id}', ['GET', 'PATCH'], 'a'],
      ['v1/spaces/{id}', ['delete'], 'b'],
    ]);
    expect(t.match('POST', '/v1/spaces/1')).toEqual({ kind: 'method_not_allowed', allow: ['DELETE', 'GET', 'PATCH'] });
    expect(t.match('DELETE', '/v1/spaces/1')).toMatchObject({ kind: 'match', value: 'b' });
  });

  it('falls back to a parameter route when the literal one does not allow the method (as ASP.NET does)', () => {
    const t = table([
      ['v1/spaces/search', ['GET'], 'search'],
      ['v1/spaces/{id}', ['DELETE'], 'delete'],
    ]);
    expect(t.match('DELETE', '/v1/spaces/search')).toMatchObject({ kind: 'match', value: 'delete', params: { id: 'search' } });
  });

  it('lets the first of two functions claiming the same route and method keep it, and reports the overlap', () => {
    const t = table([['v1/spaces/{id}', ['GET', 'OPTIONS'], 'a']]);
    expect(t.add('v1/spaces/{spaceId}', ['PUT', 'OPTIONS'], 'b')).toEqual(['OPTIONS']);
    expect(t.add('v1/spaces/{other}', ['get'], 'c')).toEqual(['GET']);
    expect(t.add('v1/spaces/{n:int}', ['GET'], 'd')).toEqual([]); // constrained: a different route
    expect(t.match('OPTIONS', '/v1/spaces/x')).toMatchObject({ value: 'a' });
    expect(t.match('GET', '/v1/spaces/x')).toMatchObject({ value: 'a' });
    expect(t.match('PUT', '/v1/spaces/x')).toMatchObject({ value: 'b', params: { spaceId: 'x' } });
  });

  it('refuses bad templates', () => {
    expect(() => compileRoute('a/{id:nope}')).toThrow(/Unknown route constraint/);
    expect(() => compileRoute('a/{*rest}/b')).toThrow(/catch-all/);
    expect(() => compileRoute('a/{id}/{id}')).toThrow(/twice/);
    expect(() => compileRoute('a/{id')).toThrow(/unclosed/);
  });
});
