import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EVENT_TYPES } from '../../src/events/catalog.js';
import type { WebhookEvent } from '../../src/events/types.js';

function readFixture(type: string): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(`../../fixtures/${type}.json`, import.meta.url), 'utf8')) as Record<string, unknown>;
}

describe('event fixtures', () => {
  for (const type of EVENT_TYPES) {
    it(`${type} has the common fields`, () => {
      const body = readFixture(type);
      expect(body.event).toBe(type);
      expect(body.id).toMatch(/^evt_[0-9A-Z]{26}$/);
      expect(typeof body.timestamp).toBe('string');
      expect(new Date(body.timestamp as string).toISOString().slice(0, 19)).toBe((body.timestamp as string).slice(0, 19));
      expect(body.business_id).toMatch(/^b_/);
    });
  }

  it('card events carry customer and card', () => {
    for (const type of EVENT_TYPES.filter((name) => name !== 'ping' && name !== 'campaign_sent')) {
      const body = readFixture(type) as { customer?: Record<string, unknown>; card?: Record<string, unknown>; location_id?: unknown };
      expect(typeof body.location_id, type).toBe('string');
      expect(Object.keys(body.customer ?? {}), type).toEqual(expect.arrayContaining(['id', 'wallet_pass_id', 'language']));
      expect(Object.keys(body.card ?? {}), type).toEqual(expect.arrayContaining(['id', 'goal_index']));
    }
  });

  it('voucher_redeemed keeps the documented shape', () => {
    const body = readFixture('voucher_redeemed') as unknown as Extract<WebhookEvent, { event: 'voucher_redeemed' }>;
    expect(body.voucher).toMatchObject({ type: 'voucher', status: 'redeemed', redeemed_via: 'staff_scanner' });
    expect(body.voucher.redeem_code_formats).toEqual(['text', 'qr', 'barcode']);
  });

  it('some fixtures use other languages and names', () => {
    const customers = EVENT_TYPES.map((type) => readFixture(type).customer as { language?: string; name?: string } | undefined);
    const languages = new Set(customers.map((customer) => customer?.language).filter(Boolean));
    expect(languages.size).toBeGreaterThanOrEqual(4);
    expect(customers.some((customer) => customer?.name !== undefined && /[^\x00-\x7f]/.test(customer.name))).toBe(true);
  });
});
