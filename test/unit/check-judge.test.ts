import { describe, expect, it } from 'vitest';
import { judgeCase, judgeRedirects, judgeResponseTime } from '../../src/check/judge.js';
import type { CaseReport, CheckCase, ProbeOutcome } from '../../src/check/types.js';

function outcome(statusCode: number | null, extra: Partial<ProbeOutcome> = {}): ProbeOutcome {
  return { statusCode, durationMs: 5, error: null, errorCode: null, redirectLocation: null, ...extra };
}

function checkCase(expect: 'accept' | 'reject', steps = 1, serverErrorFix?: string): CheckCase {
  return {
    id: 'x.case',
    group: expect === 'reject' ? 'forged' : 'delivery',
    title: 'a case',
    expect,
    probes: Array.from({ length: steps }, (_, index) => ({
      label: `request ${index + 1}`,
      build: () => ({ headers: {}, body: Buffer.alloc(0) }),
      ...(index === 1 ? { wrongAnswer: { reason: 'second was rejected', fix: 'accept repeats' } } : {}),
    })),
    wrongAnswer: { reason: 'wrong answer', fix: 'do it right' },
    ...(serverErrorFix ? { serverErrorFix } : {}),
  };
}

function report(id: string, outcomes: ProbeOutcome[]): CaseReport {
  return { id, group: 'delivery', title: id, expect: '2xx', outcomes, verdict: { result: 'pass', reason: '', fix: null } };
}

describe('judgeCase for accept cases', () => {
  it('passes 200', () => {
    expect(judgeCase(checkCase('accept'), [outcome(200)])).toEqual({ result: 'pass', reason: 'accepted with 200 in 5 ms', fix: null });
  });

  it('warns on another 2xx', () => {
    const verdict = judgeCase(checkCase('accept'), [outcome(204)]);
    expect(verdict.result).toBe('warn');
    expect(verdict.fix).toBe('respond with 200');
  });

  it('fails a 4xx with the case text', () => {
    expect(judgeCase(checkCase('accept'), [outcome(401)])).toEqual({ result: 'fail', reason: 'wrong answer (401)', fix: 'do it right' });
  });

  it('fails a 5xx as a retry storm', () => {
    expect(judgeCase(checkCase('accept'), [outcome(503)]).reason).toBe('responded with 503 to a correctly signed delivery, so the platform would retry it for 24 hours');
  });

  it('fails a 2xx past the budget', () => {
    const verdict = judgeCase(checkCase('accept'), [outcome(200, { durationMs: 10_500 })]);
    expect(verdict.result).toBe('fail');
    expect(verdict.reason).toContain('past the 10 s budget');
  });

  it('names the failing request of several', () => {
    const verdict = judgeCase(checkCase('accept', 2), [outcome(200), outcome(409)]);
    expect(verdict).toEqual({ result: 'fail', reason: 'request 2: second was rejected (409)', fix: 'accept repeats' });
  });

  it('lists every request when all pass', () => {
    expect(judgeCase(checkCase('accept', 2), [outcome(200), outcome(200)]).reason).toBe('request 1 accepted with 200 in 5 ms; request 2 accepted with 200 in 5 ms');
  });
});

describe('judgeCase for reject cases', () => {
  it('passes any 4xx', () => {
    expect(judgeCase(checkCase('reject'), [outcome(403)]).result).toBe('pass');
  });

  it('fails a 2xx with the case text', () => {
    expect(judgeCase(checkCase('reject'), [outcome(200)])).toEqual({ result: 'fail', reason: 'wrong answer (200)', fix: 'do it right' });
  });

  it('fails a 5xx with the case fix when it has one', () => {
    const generic = judgeCase(checkCase('reject'), [outcome(500)]);
    expect(generic.reason).toContain('instead of a 4xx');
    expect(generic.fix).toBe('respond with 400 when verification fails, and catch errors thrown while verifying');
    expect(judgeCase(checkCase('reject', 1, 'check the length'), [outcome(500)]).fix).toBe('check the length');
  });
});

describe('judgeCase for transport failures', () => {
  it('fails a redirect whatever the case expects', () => {
    for (const expectation of ['accept', 'reject'] as const) {
      const verdict = judgeCase(checkCase(expectation), [outcome(308, { redirectLocation: 'https://app.example/hook' })]);
      expect(verdict.result).toBe('fail');
      expect(verdict.reason).toContain('does not follow redirects');
      expect(verdict.fix).toBe('register the final URL (https://app.example/hook) as the endpoint URL');
    }
  });

  it('fails no answer with the send error', () => {
    const verdict = judgeCase(checkCase('reject'), [outcome(null, { error: 'connection refused: is your app listening on 127.0.0.1:1?', errorCode: 'ECONNREFUSED' })]);
    expect(verdict.result).toBe('fail');
    expect(verdict.reason).toBe('connection refused: is your app listening on 127.0.0.1:1?');
  });
});

describe('judgeResponseTime', () => {
  it('passes fast answers', () => {
    const verdict = judgeResponseTime([report('a', [outcome(200, { durationMs: 12 })]), report('b', [outcome(401, { durationMs: 30 })])]);
    expect(verdict.result).toBe('pass');
    expect(verdict.reason).toBe('the slowest of 2 responses took 30 ms, within the 10 s budget');
  });

  it('warns close to the budget', () => {
    expect(judgeResponseTime([report('a', [outcome(200, { durationMs: 8_500 })])]).result).toBe('warn');
  });

  it('fails past the budget or on a timeout', () => {
    expect(judgeResponseTime([report('a', [outcome(200, { durationMs: 10_001 })])]).result).toBe('fail');
    const timedOut = judgeResponseTime([report('a', [outcome(null, { errorCode: 'ETIMEDOUT', error: 'timed out' })])]);
    expect(timedOut.result).toBe('fail');
    expect(timedOut.reason).toBe('a got no response in time (timed out)');
  });
});

describe('judgeRedirects', () => {
  it('passes without redirects and counts them otherwise', () => {
    expect(judgeRedirects([report('a', [outcome(200)])]).result).toBe('pass');
    const verdict = judgeRedirects([report('a', [outcome(301, { redirectLocation: '/x' }), outcome(301, { redirectLocation: '/x' })])]);
    expect(verdict.result).toBe('fail');
    expect(verdict.reason).toMatch(/^2 responses were redirects \(301 to \/x\)/);
  });
});
