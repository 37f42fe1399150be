/**
 * GET /api/docs: the reference page and its script come from the app itself (no CDN): HTML that
 * loads only same-origin URLs, the Scalar standalone build as JavaScript, 404 for anything else.
 */
import { describe, expect, it } from 'vitest';
import { call } from '../helpers/api-call';
import { useTestHost } from '../helpers/test-host';

const h = useTestHost({
  blob: false,
  functions: ['src/functions/docs-page.ts', 'src/functions/docs-assets.ts', 'src/functions/openapi-json.ts'],
  env: { RATE_LIMIT_ENABLED: 'false' },
});

describe('GET /api/docs', () => {
  it('serves the page as HTML that points at /api/openapi.json and loads only same-origin scripts', async () => {
    const r = await fetch(`${h.api}/docs`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(r.headers.get('x-request-id')).toBeTruthy();
    const html = await r.text();
    expect(html).toContain('"url":"/api/openapi.json"');
    expect(html).toContain('"withDefaultFonts":false');
    const sources = [...html.matchAll(/<(?:script|link)[^>]+(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
    expect(sources).toEqual(['/api/docs/scalar-api-reference.js']);
    expect(html).not.toMatch(/(?:src|href)="(?:https?:)?\/\//);
  });

  it('serves the Scalar standalone script as JavaScript', async () => {
    const r = await fetch(`${h.api}/docs/scalar-api-reference.js`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    const js = await r.text();
    expect(js.length).toBeGreaterThan(1_000_000);
    expect(js).toContain('createApiReference');
  });

  it('answers 404 with the error envelope for any other file', async () => {
    const r = await call(`${h.api}/docs/other.js`);
    expect(r.status).toBe(404);
    expect(r.body.error.code).toBe('NOT_FOUND');
    expect((await call(`${h.api}/docs/${'x'.repeat(65)}`)).status).toBe(400);
  });

  it('the description it reads is served beside it', async () => {
    const r = await fetch(`${h.api}/openapi.json`);
    expect(r.status).toBe(200);
    expect(((await r.json()) as { paths: Record<string, unknown> }).paths['/docs']).toBeDefined();
  });
});
