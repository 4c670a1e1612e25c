import { describe, expect, it } from 'vitest';
import { CliError, ExitCode } from '../../src/errors.js';
import { buildForwardHeaders } from '../../src/tunnel/headers.js';
import { parseEventList, parseForwardTarget, parseHeaderFlag, parseRoute, routeFor } from '../../src/tunnel/target.js';

function usageFailure(run: () => unknown): CliError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(CliError);
    const cliError = error as CliError;
    expect(cliError.exitCode).toBe(ExitCode.usage);
    expect(cliError.hint).toBeTruthy();
    return cliError;
  }
  throw new Error('expected a usage error');
}

describe('parseForwardTarget', () => {
  it.each([
    ['3000', 'http://localhost:3000/'],
    [':3000', 'http://localhost:3000/'],
    ['3000/webhooks', 'http://localhost:3000/webhooks'],
    ['3000?x=1', 'http://localhost:3000/?x=1'],
    ['localhost:80/hook', 'http://localhost/hook'],
    [':3000/hooks', 'http://localhost:3000/hooks'],
    ['localhost:3000', 'http://localhost:3000/'],
    ['localhost:3000/webhooks', 'http://localhost:3000/webhooks'],
    ['127.0.0.1:8080/a/b?x=1&y=two', 'http://127.0.0.1:8080/a/b?x=1&y=two'],
    ['[::1]:4000/hook', 'http://[::1]:4000/hook'],
    ['http://localhost:3000/webhooks?source=7stamp', 'http://localhost:3000/webhooks?source=7stamp'],
    ['https://app.test:8443/hook', 'https://app.test:8443/hook'],
    ['myapp.localhost', 'http://myapp.localhost/'],
  ])('accepts %s', (input, expected) => {
    expect(parseForwardTarget(input).href).toBe(expected);
  });

  it.each([
    ['', 'is empty'],
    ['   ', 'is empty'],
    ['ftp://localhost:21', 'only http and https'],
    ['localhost:99999', 'invalid port'],
    ['localhost:0', 'invalid port'],
    ['http://user:pw@localhost:3000', 'credentials'],
    ['http://', 'not a valid'],
    ['local host:3000', 'not a valid'],
    ['300O', 'has no port'],
    ['app/webhooks', 'has no port'],
  ])('rejects %j', (input, fragment) => {
    const error = usageFailure(() => parseForwardTarget(input));
    expect(error.message).toContain(fragment);
  });

  it('names the flag it checks', () => {
    const error = usageFailure(() => parseForwardTarget('ftp://x', '--route'));
    expect(error.message).toMatch(/^--route/);
  });
});

describe('parseHeaderFlag', () => {
  it('splits at the first colon', () => {
    expect(parseHeaderFlag('Authorization: Bearer a:b')).toEqual(['Authorization', 'Bearer a:b']);
  });

  it('keeps an empty value', () => {
    expect(parseHeaderFlag('X-Empty:')).toEqual(['X-Empty', '']);
  });

  it.each(['no colon', ': value', 'bad name: x'])('rejects %j', (input) => {
    usageFailure(() => parseHeaderFlag(input));
  });
});

describe('parseEventList', () => {
  it('resolves aliases and drops repeats', () => {
    expect(parseEventList('voucher_redeemed, birthday,voucher_redeemed')).toEqual(['voucher_redeemed', 'birthday_reached']);
  });

  it('suggests the closest name for a typo', () => {
    const error = usageFailure(() => parseEventList('voucher_redeemd'));
    expect(error.hint).toContain('voucher_redeemed');
  });

  it('rejects an empty list', () => {
    usageFailure(() => parseEventList(' , '));
  });
});

describe('parseRoute', () => {
  it('parses EVENT=URL with a short target', () => {
    const route = parseRoute('voucher_redeemed=:4000/vouchers');
    expect(route.eventType).toBe('voucher_redeemed');
    expect(route.url.href).toBe('http://localhost:4000/vouchers');
  });

  it('keeps an equals sign inside the URL query', () => {
    expect(parseRoute('stamp_added=localhost:3000/s?a=b').url.search).toBe('?a=b');
  });

  it.each(['voucher_redeemed', '=3000', 'voucher_redeemed=', 'nope=3000'])('rejects %j', (input) => {
    usageFailure(() => parseRoute(input));
  });

  it('routes by event type and falls back to --forward', () => {
    const fallback = new URL('http://localhost:3000/');
    const routes = [parseRoute('stamp_added=4000')];
    expect(routeFor('stamp_added', routes, fallback).port).toBe('4000');
    expect(routeFor('card_issued', routes, fallback)).toBe(fallback);
  });
});

describe('buildForwardHeaders', () => {
  it('drops hop-by-hop headers and host, then applies --header', () => {
    const headers = buildForwardHeaders(
      { host: 'relay', connection: 'keep-alive', 'transfer-encoding': 'chunked', 'content-length': '9', 'x-7stamp-event': 'ping', 'content-type': 'application/json' },
      [['X-Extra', '1'], ['Content-Type', 'application/json; charset=utf-8']],
    );
    expect(headers).toEqual({ 'x-7stamp-event': 'ping', 'content-type': 'application/json; charset=utf-8', 'x-extra': '1' });
  });
});
