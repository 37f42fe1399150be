import { describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { generateWebhookSecret, isWebhookSecret, signWebhook } from '../../src/shared/core/webhook-signing';

describe('webhook signing (Standard Webhooks)', () => {
  it('generates whsec_ secrets of 32 random bytes, all different', () => {
    const a = generateWebhookSecret();
    const b = generateWebhookSecret();
    expect(a).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    expect(Buffer.from(a.slice(6), 'base64')).toHaveLength(32);
    expect(a).not.toBe(b);
    expect(isWebhookSecret(a)).toBe(true);
    expect(isWebhookSecret('whsec_c2hvcnQ=')).toBe(false);
    expect(isWebhookSecret('nope')).toBe(false);
  });

  it('produces headers the standardwebhooks verifier accepts', () => {
    const secret = generateWebhookSecret();
    const payload = JSON.stringify({ event_type: 'space.created', event_id: 'evt_1' });
    const headers = signWebhook({ msgId: 'evt_1', timestamp: new Date(), payload, secrets: [secret] });
    expect(headers['webhook-id']).toBe('evt_1');
    expect(headers['webhook-timestamp']).toMatch(/^\d+$/);
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(new Webhook(secret).verify(payload, { ...headers })).toEqual(JSON.parse(payload));
  });

  it('signs with every active secret during a rotation; each verifies alone', () => {
    const oldSecret = generateWebhookSecret();
    const newSecret = generateWebhookSecret();
    const payload = '{"a":1}';
    const headers = signWebhook({ msgId: 'evt_2', timestamp: new Date(), payload, secrets: [newSecret, oldSecret] });
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(() => new Webhook(oldSecret).verify(payload, { ...headers })).not.toThrow();
    expect(() => new Webhook(newSecret).verify(payload, { ...headers })).not.toThrow();
    expect(() => new Webhook(generateWebhookSecret()).verify(payload, { ...headers })).toThrow();
  });

  it('a changed body or id fails verification', () => {
    const secret = generateWebhookSecret();
    const headers = signWebhook({ msgId: 'evt_3', timestamp: new Date(), payload: '{"a":1}', secrets: [secret] });
    expect(() => new Webhook(secret).verify('{"a":2}', { ...headers })).toThrow();
    expect(() => new Webhook(secret).verify('{"a":1}', { ...headers, 'webhook-id': 'evt_4' })).toThrow();
  });

  it('refuses to sign with no secret', () => {
    expect(() => signWebhook({ msgId: 'x', timestamp: new Date(), payload: '', secrets: [] })).toThrow();
  });
});
