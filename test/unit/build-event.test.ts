import { describe, expect, it } from 'vitest';
import { buildEvent, EventPathError, parseSetArgument } from '../../src/events/build.js';
import { EVENT_TYPES } from '../../src/events/catalog.js';
import { sortableId } from '../../src/events/ids.js';
import { CliError, ExitCode } from '../../src/errors.js';

describe('buildEvent', () => {
  it('gives fresh ids and the current time', () => {
    const now = new Date('2030-01-02T03:04:05.678Z');
    const first = buildEvent('voucher_redeemed', { now });
    const second = buildEvent('voucher_redeemed', { now });
    const a = first.event as { id: string; timestamp: string; customer: { id: string; wallet_pass_id: string }; voucher: { id: string }; business_id: string };
    const b = second.event as typeof a;
    expect(a.id).toMatch(/^evt_[0-9A-Z]{26}$/);
    expect(a.id).not.toBe(b.id);
    expect(a.customer.id).not.toBe(b.customer.id);
    expect(a.customer.wallet_pass_id).not.toBe(b.customer.wallet_pass_id);
    expect(a.voucher.id).not.toBe(b.voucher.id);
    expect(a.voucher.id).toMatch(/^v_/);
    expect(a.business_id).toBe('b_123');
    expect(a.timestamp).toBe('2030-01-02T03:04:05Z');
  });

  it('keeps id prefixes on fresh ids', () => {
    const voucher = (buildEvent('voucher_issued').event as { voucher: { reward_id: string } }).voucher;
    const reward = (buildEvent('reward_issued').event as { reward: { id: string; voucher_id: string } }).reward;
    expect(voucher.reward_id).toMatch(/^rw_[0-9a-z]{12}$/);
    expect(reward.id).toMatch(/^rw_[0-9a-z]{12}$/);
    expect(reward.voucher_id).toMatch(/^v_[0-9a-z]{12}$/);
  });

  it('shifts other times with the timestamp', () => {
    const now = new Date('2030-01-01T00:00:00Z');
    const voucher = (buildEvent('voucher_issued', { now }).event as { voucher: { issued_at: string; expires_at: string } }).voucher;
    expect(voucher.issued_at).toBe('2030-01-01T00:00:00Z');
    expect(Date.parse(voucher.expires_at) - Date.parse(voucher.issued_at)).toBe(Date.parse('2026-06-10T23:59:59Z') - Date.parse('2026-05-11T12:33:41Z'));
  });

  it('body is the compact JSON of the event', () => {
    for (const type of EVENT_TYPES) {
      const built = buildEvent(type);
      expect(built.body.toString('utf8')).toBe(JSON.stringify(built.event));
      expect(built.event.event).toBe(type);
    }
  });

  it('applies set with dotted paths and indexes', () => {
    const { event } = buildEvent('voucher_redeemed', {
      set: [
        ['voucher.status', 'expired'],
        ['voucher.redeem_code_formats.0', 'barcode'],
        ['card.goal_index', 5],
        ['customer', { id: 'c_fixed', wallet_pass_id: 'wp_1', language: 'de' }],
      ],
    });
    expect(event).toMatchObject({ voucher: { status: 'expired', redeem_code_formats: ['barcode', 'qr', 'barcode'] }, card: { goal_index: 5 }, customer: { id: 'c_fixed' } });
  });

  it('applies unset after set', () => {
    const { event } = buildEvent('voucher_redeemed', { set: [['voucher.status', 'active']], unset: ['voucher.status', 'voucher.redeem_code_formats.1'] });
    const voucher = (event as { voucher: Record<string, unknown> }).voucher;
    expect(voucher).not.toHaveProperty('status');
    expect(voucher.redeem_code_formats).toEqual(['text', 'barcode']);
  });

  it('rejects a missing path with nearby paths', () => {
    let caught: unknown;
    try {
      buildEvent('voucher_redeemed', { set: [['voucher.stauts', 'x']] });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(EventPathError);
    const error = caught as EventPathError;
    expect(error.exitCode).toBe(ExitCode.usage);
    expect(error.nearest[0]).toBe('voucher.status');
    expect(error.hint).toContain('voucher.status');
    expect(error.hint).toContain('--add-missing');
  });

  it('adds a missing path with addMissing', () => {
    const { event } = buildEvent('ping', { set: [['meta.source.name', 'ci']], addMissing: true });
    expect(event).toMatchObject({ meta: { source: { name: 'ci' } } });
  });

  it('rejects unset of a missing path', () => {
    expect(() => buildEvent('ping', { unset: ['nope'] })).toThrow(EventPathError);
  });

  it('rejects a path through a scalar', () => {
    expect(() => buildEvent('ping', { set: [['message.text', 'x']], addMissing: true })).toThrow(/not an object/);
  });

  it('does not change the cached sample', () => {
    buildEvent('ping', { set: [['message', 'changed']] });
    expect(buildEvent('ping').event.message).not.toBe('changed');
  });
});

describe('parseSetArgument', () => {
  it('parses JSON values and falls back to strings', () => {
    expect(parseSetArgument('card.goal_index=3')).toEqual(['card.goal_index', 3]);
    expect(parseSetArgument('a=true')).toEqual(['a', true]);
    expect(parseSetArgument('a=null')).toEqual(['a', null]);
    expect(parseSetArgument('a="3"')).toEqual(['a', '3']);
    expect(parseSetArgument('a={"b":[1]}')).toEqual(['a', { b: [1] }]);
    expect(parseSetArgument('a=hello world')).toEqual(['a', 'hello world']);
    expect(parseSetArgument('a=')).toEqual(['a', '']);
    expect(parseSetArgument('a=x=y')).toEqual(['a', 'x=y']);
    expect(parseSetArgument('customer.name=Zoë Núñez')).toEqual(['customer.name', 'Zoë Núñez']);
  });

  it('rejects bad syntax', () => {
    for (const bad of ['novalue', '=3', 'a..b=1', '.a=1', 'a.=1']) {
      expect(() => parseSetArgument(bad), bad).toThrow(CliError);
      try {
        parseSetArgument(bad);
      } catch (error) {
        expect((error as CliError).exitCode, bad).toBe(ExitCode.usage);
      }
    }
  });
});

describe('sortableId', () => {
  it('sorts in creation order within one millisecond', () => {
    const ids = Array.from({ length: 1000 }, () => sortableId(1_800_000_000_000));
    expect(new Set(ids).size).toBe(1000);
    expect([...ids].sort()).toEqual(ids);
  });
});
