/**
 * The live console in Debian's Chromium (headless, driven by playwright-core) against the local
 * host: paste a key, create a space, upload a file, see both events arrive, ask a question and read
 * the answer with its sources. Fails, not skips, when
 * Chromium is missing (.ci/run installs it). Saves a screenshot under test-artifacts/ (git-ignored).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createTenantWithKey } from '../helpers/identity';
import { DOCUMENT_FUNCTIONS, QUERY_FUNCTIONS, TEST_JWT_SECRET } from '../helpers/host-presets';
import { useChromium } from '../helpers/chromium';
import { useTestHost } from '../helpers/test-host';

const h = useTestHost({
  functions: [
    ...DOCUMENT_FUNCTIONS,
    ...QUERY_FUNCTIONS,
    'src/functions/events-fanout.ts',
    'src/functions/realtime-negotiate.ts',
    'src/functions/realtime-push.ts',
    'src/functions/console-page.ts',
    'src/functions/console-assets.ts',
  ],
  env: { JWT_SECRET_KEY: TEST_JWT_SECRET, RATE_LIMIT_ENABLED: 'false' },
});

const chromium = useChromium();

describe('live console', () => {
  it('creates a space, uploads a file, shows both events live and answers a question with its sources', async () => {
    const t = await createTenantWithKey();
    const page = await chromium.browser().newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${h.api}/console`);
    await page.locator('#api-key').fill(t.apiKey);
    await page.getByRole('button', { name: 'Connect' }).click();
    await expect.poll(() => page.locator('#status').textContent(), { timeout: 15_000 }).toContain('Connected');
    await page.locator('#space-name').fill('Browser space');
    await page.getByRole('button', { name: 'Create space' }).click();
    await page.locator('li.event[data-event-type="space.created"]').waitFor({ timeout: 15_000 });
    await expect.poll(() => page.locator('#status').textContent(), { timeout: 15_000 }).toContain('1 space(s)');
    await page.locator('#upload-file').setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('Live events reach the browser.') });
    await page.getByRole('button', { name: 'Upload' }).click();
    await page.locator('li.event[data-event-type="document.added"]').waitFor({ timeout: 15_000 });
    const text = await page.locator('#events').textContent();
    expect(text).toContain('Browser space');
    expect(text).toContain('notes.txt');
    // Once the document is processed, a question about it is answered from it (extractive: no model here).
    await page.locator('li.event[data-event-type="document.processed"]').waitFor({ timeout: 15_000 });
    await page.getByLabel('Question', { exact: true }).fill('What reaches the browser?');
    await page.getByRole('button', { name: 'Ask' }).click();
    await page.locator('#citations li.citation').first().waitFor({ timeout: 15_000 });
    expect(await page.locator('#answer-text').textContent()).toContain('Live events reach the browser.');
    expect(await page.locator('#citations').textContent()).toContain('[1] notes.txt');
    expect(await page.locator('#answer').getAttribute('aria-busy')).toBe('false');
    // The key never lands in the page's markup or storage.
    expect(await page.content()).not.toContain(t.apiKey);
    expect(await page.evaluate(() => JSON.stringify(localStorage) + JSON.stringify(sessionStorage))).not.toContain(t.apiKey);
    const dir = join(__dirname, '..', '..', 'test-artifacts');
    mkdirSync(dir, { recursive: true });
    await page.screenshot({ path: join(dir, 'console.png'), fullPage: true });
    expect(errors).toEqual([]);
  }, 60_000);
});
