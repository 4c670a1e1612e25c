import { describe, expect, it } from 'vitest';
import { EVENT_DESCRIPTIONS, EVENT_TYPES, editDistance, resolveEventType, suggestEventType } from '../../src/events/catalog.js';

describe('event catalog', () => {
  it('lists thirteen published types plus ping', () => {
    expect(EVENT_TYPES).toHaveLength(14);
    expect(EVENT_TYPES).toContain('ping');
  });

  it('describes every type', () => {
    for (const type of EVENT_TYPES) expect(EVENT_DESCRIPTIONS[type].length, type).toBeGreaterThan(10);
  });

  it('resolves aliases and loose spellings', () => {
    expect(resolveEventType('birthday')).toBe('birthday_reached');
    expect(resolveEventType('inactive')).toBe('inactivity_trigger');
    expect(resolveEventType('Voucher-Redeemed')).toBe('voucher_redeemed');
    expect(resolveEventType('voucher')).toBeUndefined();
  });

  it('suggests the closest name for a typo', () => {
    expect(suggestEventType('voucher_redemed')).toBe('voucher_redeemed');
    expect(suggestEventType('stamp_add')).toBe('stamp_added');
    expect(suggestEventType('birthdy')).toBe('birthday');
    expect(suggestEventType('zzzzzzzzzzzz')).toBeUndefined();
  });

  it('computes edit distance', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
  });
});
