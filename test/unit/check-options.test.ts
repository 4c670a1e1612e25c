import { describe, expect, it } from 'vitest';
import { parseEventList, parseTargetUrl, resolveSecret } from '../../src/check/options.js';
import { CliError } from '../../src/errors.js';
import { EVENT_TYPES } from '../../src/events/catalog.js';

function usageFailure(action: () => unknown): CliError {
  try {
    action();
  } catch (error) {
    if (error instanceof CliError) return error;
    throw error;
  }
  throw new Error('expected a CliError');
}

describe('parseEventList', () => {
  it('defaults to every event type', () => {
    expect(parseEventList(undefined)).toEqual([...EVENT_TYPES]);
  });

  it('resolves aliases in catalog order without repeats', () => {
    expect(parseEventList('ping, birthday,card_issued,ping')).toEqual(['card_issued', 'birthday_reached', 'ping']);
  });

  it('suggests a name for a typo', () => {
    const error = usageFailure(() => parseEventList('card_isued'));
    expect(error.exitCode).toBe(2);
    expect(error.message).toBe('unknown event type "card_isued" in --events');
    expect(error.hint).toBe('did you mean card_issued?');
  });

  it('rejects an empty list', () => {
    expect(usageFailure(() => parseEventList(' , ')).exitCode).toBe(2);
  });
});

describe('parseTargetUrl', () => {
  it('accepts http and https', () => {
    expect(parseTargetUrl('http://localhost:3000/webhooks').port).toBe('3000');
    expect(parseTargetUrl('https://app.example/hook').protocol).toBe('https:');
  });

  it('rejects other schemes and junk', () => {
    expect(usageFailure(() => parseTargetUrl('localhost:3000')).code).toBe('invalid_url');
    expect(usageFailure(() => parseTargetUrl('not a url')).code).toBe('invalid_url');
  });
});

describe('resolveSecret', () => {
  it('prefers the flag over the environment', () => {
    expect(resolveSecret('whsec_flag', { STAMP7_WEBHOOK_SECRET: 'whsec_env' })).toBe('whsec_flag');
    expect(resolveSecret(undefined, { STAMP7_WEBHOOK_SECRET: 'whsec_env' })).toBe('whsec_env');
  });

  it('rejects a missing or blank secret', () => {
    expect(usageFailure(() => resolveSecret(undefined, {})).message).toBe('missing webhook secret');
    expect(usageFailure(() => resolveSecret(undefined, { STAMP7_WEBHOOK_SECRET: '' })).message).toBe('missing webhook secret');
    expect(usageFailure(() => resolveSecret('  ', {})).message).toBe('invalid webhook secret: it is empty');
  });
});
