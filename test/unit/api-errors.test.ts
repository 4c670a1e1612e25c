import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/errors.js';
import { idInPath, translateApiError, type FailedCall } from '../../src/api/errors.js';

const base: Omit<FailedCall, 'status' | 'body'> = {
  method: 'GET',
  path: '/v1/webhook_endpoints/we_123',
  keySource: 'profile "work"',
  loginCommand: 'stamp7 login --profile work',
};

describe('idInPath', () => {
  it('finds the last typed id', () => {
    expect(idInPath('/v1/webhook_endpoints/we_1/ping')).toEqual({ id: 'we_1', noun: 'webhook endpoint', prefix: 'we' });
    expect(idInPath('/v1/events/evt_9/resend')?.id).toBe('evt_9');
  });

  it('returns undefined without an id', () => {
    expect(idInPath('/v1/webhook_endpoints')).toBeUndefined();
  });
});

describe('translateApiError', () => {
  it('maps each status to its exit code', () => {
    const cases: Array<[number, number]> = [
      [401, ExitCode.auth],
      [403, ExitCode.auth],
      [404, ExitCode.notFound],
      [409, ExitCode.api],
      [400, ExitCode.usage],
      [422, ExitCode.usage],
      [413, ExitCode.usage],
      [429, ExitCode.api],
      [500, ExitCode.api],
      [502, ExitCode.api],
      [418, ExitCode.api],
    ];
    for (const [status, exitCode] of cases) {
      expect(translateApiError({ ...base, status, body: undefined }).exitCode, `HTTP ${status}`).toBe(exitCode);
    }
  });

  it('tells how to log in again on 401', () => {
    const error = translateApiError({ ...base, status: 401, body: { code: 'unauthorized', message: 'unknown key' } });
    expect(error.message).toContain('profile "work"');
    expect(error.message).toContain('unknown key');
    expect(error.hint).toContain('stamp7 login --profile work');
  });

  it('names the missing id on 404', () => {
    const error = translateApiError({ ...base, status: 404, body: { code: 'not_found', message: 'no such endpoint' } });
    expect(error.message).toContain('we_123');
    expect(error.hint).toContain('stamp7 endpoints list');
  });

  it('names the route on 404 without an id', () => {
    const error = translateApiError({ ...base, path: '/v1/nothing', status: 404, body: undefined });
    expect(error.message).toContain('GET /v1/nothing');
  });

  it('names the field on 400', () => {
    const error = translateApiError({ ...base, method: 'POST', status: 400, body: { code: 'invalid_request', message: 'must be https', field: 'url' } });
    expect(error.message).toContain('"url"');
    expect(error.message).toContain('must be https');
    expect(error.code).toBe('invalid_request');
  });
});
