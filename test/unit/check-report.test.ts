import { Chalk } from 'chalk';
import { describe, expect, it } from 'vitest';
import { formatLines, formatTable, toJsonDocument } from '../../src/check/format.js';
import { escapeXml, renderJunit } from '../../src/check/junit.js';
import type { CheckReport } from '../../src/check/types.js';
import { findAll, parseXml } from '../fixtures/check/xml.js';

const plain = new Chalk({ level: 0 });

const sample: CheckReport = {
  url: 'http://127.0.0.1:3000/hook',
  eventTypes: ['ping'],
  startedAt: new Date('2026-05-11T12:00:00Z'),
  durationMs: 42,
  unreachable: false,
  cases: [
    { id: 'delivery.ping', group: 'delivery', title: 'signed ping delivery', expect: '2xx', outcomes: [{ statusCode: 200, durationMs: 3, error: null, errorCode: null, redirectLocation: null }], verdict: { result: 'pass', reason: 'accepted with 200 in 3 ms', fix: null } },
    { id: 'forged.wrong_secret', group: 'forged', title: 'a <forged> & "quoted" case', expect: '4xx', outcomes: [{ statusCode: 200, durationMs: 2, error: null, errorCode: null, redirectLocation: null }], verdict: { result: 'fail', reason: 'accepted <forged> & "bad" \u001b[31m', fix: "check 'it'\nnow" } },
    { id: 'body.pretty_printed', group: 'body', title: 'pretty', expect: '2xx', outcomes: [{ statusCode: 202, durationMs: 1, error: null, errorCode: null, redirectLocation: null }], verdict: { result: 'warn', reason: 'accepted with 202', fix: 'answer 200' } },
  ],
};

describe('escapeXml', () => {
  it('escapes markup and drops control characters', () => {
    expect(escapeXml(`a<b>&"c"'d'\u0000\u001b`)).toBe('a&lt;b&gt;&amp;&quot;c&quot;&apos;d&apos;');
    expect(escapeXml('café ☕ 🎉')).toBe('café ☕ 🎉');
  });
});

describe('renderJunit', () => {
  it('renders one testcase per case with failures and warnings', () => {
    const root = parseXml(renderJunit(sample));
    expect(root.attributes).toMatchObject({ tests: '3', failures: '1', errors: '0', skipped: '0', time: '0.042' });
    const testcases = findAll(root, 'testcase');
    expect(testcases.map((testcase) => testcase.attributes.classname)).toEqual(['stamp7.check.delivery', 'stamp7.check.forged', 'stamp7.check.body']);
    expect(testcases[1]!.attributes.name).toBe('forged.wrong_secret: a <forged> & "quoted" case');

    const failure = findAll(root, 'failure');
    expect(failure).toHaveLength(1);
    expect(failure[0]!.attributes.message).toBe('accepted <forged> & "bad" [31m');
    expect(failure[0]!.text).toBe('accepted <forged> & "bad" [31m\nfix: check \'it\'\nnow');
    expect(findAll(root, 'system-out')[0]!.text).toBe('warning: accepted with 202\nfix: answer 200');
  });
});

describe('check text output', () => {
  it('prints one line per case and a fix under each failure', () => {
    const lines = formatLines(sample, plain);
    expect(lines).toEqual([
      'pass delivery.ping: accepted with 200 in 3 ms',
      'FAIL forged.wrong_secret: accepted <forged> & "bad" \u001b[31m',
      "     fix: check 'it'\nnow",
      'WARN body.pretty_printed: accepted with 202',
      '     fix: answer 200',
      '3 cases against http://127.0.0.1:3000/hook: 1 passed, 1 warning, 1 failed in 42 ms',
    ]);
  });

  it('aligns the table columns', () => {
    const lines = formatTable(sample, plain);
    expect(lines[0]).toMatch(/^RESULT {2}CASE {17}STATUS {2}TIME {2}REASON$/);
    expect(lines[1]).toBe('pass    delivery.ping        200     3 ms  accepted with 200 in 3 ms');
    const reasonColumn = lines[0]!.indexOf('REASON');
    expect(lines[3]!.indexOf('fix:')).toBe(reasonColumn);
  });

  it('builds the JSON document', () => {
    const document = toJsonDocument(sample) as { ok: boolean; summary: unknown; cases: Array<Record<string, unknown>> };
    expect(document.ok).toBe(false);
    expect(document.summary).toEqual({ total: 3, passed: 1, warnings: 1, failed: 1 });
    expect(document.cases[1]).toMatchObject({ id: 'forged.wrong_secret', expect: '4xx', result: 'fail', requests: [{ status_code: 200, duration_ms: 2 }] });
  });
});
