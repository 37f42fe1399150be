/**
 * The API reference page in Debian's Chromium (headless, playwright-core) against the local host:
 * it renders the operations from /api/openapi.json, and the browser asks nothing of any other
 * origin (every request off this host is aborted and recorded), and Scalar reports no part of the
 * description it cannot read. Fails, not skips, without Chromium.
 */
import { describe, expect, it } from 'vitest';
import { useChromium } from '../helpers/chromium';
import { useTestHost } from '../helpers/test-host';

const h = useTestHost({
  blob: false,
  functions: ['src/functions/docs-page.ts', 'src/functions/docs-assets.ts', 'src/functions/openapi-json.ts', 'src/functions/spaces-create.ts'],
  env: { RATE_LIMIT_ENABLED: 'false' },
});

const chromium = useChromium();

describe('API reference page', () => {
  it('renders the operations offline, from this host only', async () => {
    const page = await chromium.browser().newPage();
    const origin = new URL(h.api).origin;
    const foreign: string[] = [];
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    // Scalar reports what it cannot read in the description as console warnings.
    page.on('console', (m) => {
      if (m.type() === 'warning' && /validation/i.test(m.text())) errors.push(m.text());
    });
    await page.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith(`${origin}/`) || url.startsWith('data:') || url.startsWith('blob:')) return route.continue();
      foreign.push(url);
      return route.abort();
    });
    await page.goto(`${h.api}/docs`);
    // The first tag opens by itself; another tag's operations appear once it is opened.
    await page.getByText('The OpenAPI 3.1 description of this API').first().waitFor({ timeout: 30_000 });
    await page.getByText('EVA API').first().waitFor({ timeout: 5_000 });
    await page.getByText('spaces', { exact: true }).first().click();
    await page.getByText('Create a space').first().waitFor({ timeout: 10_000 });
    expect(foreign).toEqual([]);
    expect(errors).toEqual([]);
  }, 60_000);
});
