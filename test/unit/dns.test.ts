import { beforeEach, describe, expect, it, vi } from 'vitest';
import { resolveHost } from '../../src/shared/adapters/dns';

// The system resolver is replaced: a real lookup of an unknown name would query a DNS server
// beyond loopback, which tests must never do. (vi.mock is hoisted above the imports.)
const { lookup } = vi.hoisted(() => ({ lookup: vi.fn() }));
vi.mock('node:dns/promises', () => ({ lookup }));

const failWith = (code: string) => Object.assign(new Error(`getaddrinfo ${code} no-such-host.invalid`), { code });

describe('resolveHost (system resolver adapter)', () => {
  beforeEach(() => {
    lookup.mockReset();
  });

  it('returns every address with its family', async () => {
    lookup.mockResolvedValue([
      { address: '203.0.113.7', family: 4 },
      { address: '2001:db8::7', family: 6 },
    ]);
    expect(await resolveHost('hooks.example')).toEqual([
      { address: '203.0.113.7', family: 4 },
      { address: '2001:db8::7', family: 6 },
    ]);
    expect(lookup).toHaveBeenCalledWith('hooks.example', { all: true, verbatim: true });
  });

  it('turns an unknown name into a 400 on the url field, without the resolver text', async () => {
    lookup.mockImplementation(async () => {
      throw failWith('ENOTFOUND');
    });
    const err = await resolveHost('no-such-host.invalid').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'VALIDATION_ERROR' });
    expect(JSON.stringify(err)).not.toContain('getaddrinfo');
  });

  it('turns a resolver outage into DEPENDENCY_UNAVAILABLE', async () => {
    lookup.mockImplementation(async () => {
      throw failWith('ETIMEOUT');
    });
    await expect(resolveHost('hooks.example')).rejects.toMatchObject({ code: 'DEPENDENCY_UNAVAILABLE' });
  });
});
