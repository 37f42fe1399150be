import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/shared/core/errors';
import { refusedAddressReason, resolveWebhookTarget, type HostResolver, type SsrfPolicy } from '../../src/shared/core/ssrf';
import { resolveHost } from '../../src/shared/adapters/dns';

const strict: SsrfPolicy = { requireHttps: false, allowPrivateTargets: false };
const production: SsrfPolicy = { requireHttps: true, allowPrivateTargets: false };
const permissive: SsrfPolicy = { requireHttps: false, allowPrivateTargets: true };

// A resolver answering from a table, for names that only make sense with real DNS elsewhere.
const table =
  (answers: Record<string, string[]>): HostResolver =>
  async (host) =>
    (answers[host] ?? []).map((address) => ({ address, family: address.includes(':') ? 6 : 4 }) as const);

async function refusal(p: Promise<unknown>): Promise<AppError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(AppError);
    const err = e as AppError;
    expect(err.code).toBe('VALIDATION_ERROR');
    expect(err.details[0]?.field).toBe('body.url');
    return err;
  }
  throw new Error('expected the target to be refused');
}

describe('SSRF guard', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.5.5.5', 'loopback'],
    ['10.0.0.1', 'private'],
    ['172.16.3.4', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'linkLocal'],
    ['0.0.0.0', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['fd00::1', 'uniqueLocal'],
    ['fe80::1', 'linkLocal'],
    ['ff02::1', 'multicast'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:10.0.0.1', 'private'],
    ['::ffff:169.254.169.254', 'linkLocal'],
    // IPv4-compatible (deprecated) forms are judged as the IPv4 address they embed.
    ['::127.0.0.1', 'loopback'],
    ['::7f00:1', 'loopback'],
    ['::a00:1', 'private'],
  ])('classifies %s as refused (%s)', (address, reason) => {
    expect(refusedAddressReason(address)).toBe(reason);
  });

  it.each(['8.8.8.8', '93.184.216.34', '2606:4700:4700::1111', '::ffff:8.8.8.8'])('lets public %s through', (address) => {
    expect(refusedAddressReason(address)).toBeUndefined();
  });

  it.each([
    'http://127.0.0.1/hook',
    'http://10.0.0.1/hook',
    'http://169.254.169.254/latest/meta-data',
    'http://[::1]:8080/hook',
    'http://[::ffff:7f00:1]/hook',
    'http://0x7f.1/hook',
    'http://2130706433/hook',
    'http://0.0.0.0/',
    'http://[::127.0.0.1]/hook',
  ])('refuses the IP literal URL %s', async (url) => {
    const err = await refusal(resolveWebhookTarget(url, strict, table({})));
    expect(err.details[0]?.issue).toMatch(/address/);
  });

  it('refuses a host name resolving to a private address (real DNS: localhost)', async () => {
    const err = await refusal(resolveWebhookTarget('http://localhost:9999/hook', strict, resolveHost));
    expect(err.details[0]?.issue).toMatch(/loopback/);
  });

  it('refuses a name when any of its addresses is private', async () => {
    const resolver = table({ 'mixed.example': ['93.184.216.34', '10.1.2.3'] });
    await refusal(resolveWebhookTarget('https://mixed.example/', strict, resolver));
  });

  it('returns the checked address to connect to for a public name', async () => {
    const resolver = table({ 'hooks.example': ['93.184.216.34'] });
    const t = await resolveWebhookTarget('https://hooks.example/in?x=1', production, resolver);
    expect(t.address).toBe('93.184.216.34');
    expect(t.family).toBe(4);
    expect(t.url.href).toBe('https://hooks.example/in?x=1');
  });

  it('requires https in production and refuses other schemes, credentials and garbage', async () => {
    const resolver = table({ 'hooks.example': ['93.184.216.34'] });
    expect((await refusal(resolveWebhookTarget('http://hooks.example/', production, resolver))).details[0]?.issue).toMatch(/https/);
    await refusal(resolveWebhookTarget('ftp://hooks.example/', strict, resolver));
    await refusal(resolveWebhookTarget('file:///etc/passwd', strict, resolver));
    await refusal(resolveWebhookTarget('https://user:pw@hooks.example/', strict, resolver));
    await refusal(resolveWebhookTarget('not a url', strict, resolver));
    await refusal(resolveWebhookTarget('https://hooks.example/' + 'a'.repeat(3000), strict, resolver));
  });

  it('refuses a name that does not resolve', async () => {
    await refusal(resolveWebhookTarget('https://nothing.example/', strict, table({})));
  });

  it('allows private targets only when the setting says so', async () => {
    const t = await resolveWebhookTarget('http://127.0.0.1:1234/hook', permissive, table({}));
    expect(t.address).toBe('127.0.0.1');
    const l = await resolveWebhookTarget('http://localhost:1234/hook', permissive, resolveHost);
    expect(['127.0.0.1', '::1']).toContain(l.address);
  });
});

describe('SSRF guard: link-local and cloud metadata are refused even when private targets are allowed', () => {
  it.each([
    'http://169.254.169.254/latest/meta-data',
    'http://169.254.0.1/',
    'http://[fe80::1]/',
    'http://[fd00:ec2::254]/',
    'http://100.100.100.200/',
    'http://[::ffff:169.254.169.254]/',
    'http://[::ffff:a9fe:a9fe]/',
    'http://[::169.254.169.254]/',
    'http://[::a9fe:a9fe]/',
    'http://2852039166/',
    'http://0xa9fea9fe/',
    'http://0xa9.0xfe.0xa9.0xfe/',
    'http://0251.0376.0251.0376/',
    'http://169.254.43518/',
    'http://[::ffff:100.100.100.200]/',
  ])('refuses %s with WEBHOOK_ALLOW_PRIVATE_TARGETS=true', async (url) => {
    const err = await refusal(resolveWebhookTarget(url, permissive, table({})));
    expect(err.details[0]?.issue).toMatch(/metadata|link-local|linkLocal/);
  });

  it('refuses a name resolving to a metadata address at send time with the permissive policy', async () => {
    const resolver = table({ 'rebound.example': ['169.254.169.254'] });
    await refusal(resolveWebhookTarget('http://rebound.example/', permissive, resolver));
    await refusal(resolveWebhookTarget('http://rebound.example/', permissive, table({ 'rebound.example': ['127.0.0.1', 'fd00:ec2::254'] })));
  });

  it('still lets loopback through with the permissive policy', async () => {
    const t = await resolveWebhookTarget('http://stand-in.example:1/', permissive, table({ 'stand-in.example': ['127.0.0.1'] }));
    expect(t.address).toBe('127.0.0.1');
  });
});
