import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { SendResult } from '../../src/delivery/send.js';
import { CliError, ExitCode } from '../../src/errors.js';
import type { OutcomeMessage } from '../../src/protocol/index.js';
import { formatDelay, platformRetryDelayMs } from '../../src/tunnel/backoff.js';
import { DeliveryDedupe } from '../../src/tunnel/dedupe.js';
import { parseListenFlags } from '../../src/tunnel/flags.js';
import { buildOutcome } from '../../src/tunnel/forwarder.js';
import { exitCodeFor } from '../../src/tunnel/listen.js';
import { OrderedQueue } from '../../src/tunnel/queue.js';
import { readRecording } from '../../src/tunnel/recording.js';

const folder = mkdtempSync(join(tmpdir(), 'stamp7-tunnel-parts-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

function outcome(id: string): OutcomeMessage {
  return { type: 'outcome', delivery_id: id, status_code: 200, duration_ms: 1, error: null, response_snippet: '' };
}

function sendResult(overrides: Partial<SendResult>): SendResult {
  return { statusCode: 200, durationMs: 5, error: null, responseHeaders: {}, responseBody: Buffer.alloc(0), responseBytes: 0, redirectLocation: undefined, ...overrides };
}

describe('DeliveryDedupe', () => {
  it('claims an attempt once and returns its outcome later', () => {
    const dedupe = new DeliveryDedupe();
    expect(dedupe.claim('dlv_1', 1)).toEqual({ state: 'new' });
    expect(dedupe.claim('dlv_1', 1)).toEqual({ state: 'in-flight' });
    dedupe.finish('dlv_1', 1, outcome('dlv_1'));
    expect(dedupe.claim('dlv_1', 1)).toEqual({ state: 'done', outcome: outcome('dlv_1') });
    expect(dedupe.claim('dlv_1', 2)).toEqual({ state: 'new' });
  });

  it('forgets the oldest attempts past its capacity', () => {
    const dedupe = new DeliveryDedupe(3);
    for (const id of ['a', 'b', 'c', 'd']) dedupe.claim(id, 1);
    expect(dedupe.size).toBe(3);
    expect(dedupe.claim('a', 1)).toEqual({ state: 'new' });
    expect(dedupe.claim('d', 1)).toEqual({ state: 'in-flight' });
  });
});

describe('OrderedQueue', () => {
  it('runs one task at a time in order with concurrency 1', async () => {
    const log: string[] = [];
    const queue = new OrderedQueue<number>(1, async (item) => {
      log.push(`start ${item}`);
      await new Promise((resolve) => setTimeout(resolve, 3 - item));
      log.push(`end ${item}`);
    });
    for (const item of [0, 1, 2]) queue.push(item);
    await queue.onIdle();
    expect(log).toEqual(['start 0', 'end 0', 'start 1', 'end 1', 'start 2', 'end 2']);
  });

  it('keeps at most N tasks running', async () => {
    let running = 0;
    let peak = 0;
    const queue = new OrderedQueue<number>(3, async () => {
      running += 1;
      peak = Math.max(peak, running);
      await new Promise((resolve) => setTimeout(resolve, 2));
      running -= 1;
    });
    for (let item = 0; item < 20; item++) queue.push(item);
    await queue.onIdle();
    expect(peak).toBe(3);
  });

  it('waits while canStart is false', async () => {
    let open = false;
    const done: number[] = [];
    const queue = new OrderedQueue<number>(2, async (item) => {
      done.push(item);
    }, () => open);
    queue.push(1);
    expect(done).toEqual([]);
    open = true;
    queue.pump();
    await queue.onIdle();
    expect(done).toEqual([1]);
  });

  it('drops tasks that have not started on clear', async () => {
    const queue = new OrderedQueue<number>(1, () => new Promise((resolve) => setTimeout(resolve, 5)));
    for (let item = 0; item < 5; item++) queue.push(item);
    expect(queue.clear()).toBe(4);
    await queue.onIdle();
    expect(queue.size).toBe(0);
  });
});

describe('buildOutcome', () => {
  const url = new URL('http://localhost:3000/hook');

  it('explains a refused connection', () => {
    const result = buildOutcome('dlv_1', sendResult({ statusCode: null, error: { code: 'ECONNREFUSED', message: 'x' } }), url);
    expect(result.status_code).toBeNull();
    expect(result.error).toBe('connection refused: is your app listening on localhost:3000?');
  });

  it('reports a 2xx after 10 s as a timeout', () => {
    const result = buildOutcome('dlv_1', sendResult({ statusCode: 200, durationMs: 10_400 }), url);
    expect(result.status_code).toBeNull();
    expect(result.error).toContain('over the platform');
  });

  it('caps the response snippet at 2,048 bytes', () => {
    const body = Buffer.from('é'.repeat(1500));
    const result = buildOutcome('dlv_1', sendResult({ responseBody: body.subarray(0, 2048) }), url);
    expect(Buffer.byteLength(result.response_snippet)).toBeLessThanOrEqual(2048);
  });
});

describe('parseListenFlags', () => {
  function usage(run: () => unknown): CliError {
    try {
      run();
    } catch (error) {
      expect((error as CliError).exitCode).toBe(ExitCode.usage);
      return error as CliError;
    }
    throw new Error('expected a usage error');
  }

  it('applies the defaults', () => {
    const flags = parseListenFlags({ forward: '3000' });
    expect(flags.timeoutMs).toBe(10_000);
    expect(flags.concurrency).toBe(1);
    expect(flags.events).toBeUndefined();
  });

  it('requires --forward unless --print-secret', () => {
    usage(() => parseListenFlags({}));
    expect(parseListenFlags({ printSecret: true }).forward).toBeUndefined();
  });

  it.each([['0'], ['257'], ['two'], ['1.5']])('rejects --concurrency %s', (value) => {
    usage(() => parseListenFlags({ forward: '3000', concurrency: value }));
  });

  it('rejects a --wait-for that --events filters out', () => {
    const error = usage(() => parseListenFlags({ forward: '3000', events: 'stamp_added', waitFor: 'voucher_redeemed' }));
    expect(error.hint).toContain('stamp_added,voucher_redeemed');
  });

  it('parses durations and counts', () => {
    const flags = parseListenFlags({ forward: '3000', timeout: '2s', maxDuration: '1m', exitAfter: '5' });
    expect([flags.timeoutMs, flags.maxDurationMs, flags.exitAfter]).toEqual([2_000, 60_000, 5]);
  });
});

describe('exitCodeFor', () => {
  const clean = { forwarded: 2, succeeded: 2, failed: 0 };
  it.each([
    ['interrupted', clean, {}, 130],
    ['exit_after', clean, { exitAfter: 2 }, 0],
    ['exit_after', { forwarded: 2, succeeded: 1, failed: 1 }, { exitAfter: 2 }, 1],
    ['max_duration', clean, {}, 0],
    ['max_duration', clean, { waitFor: 'ping' }, 1],
    ['relay_closed', clean, {}, 1],
  ] as const)('%s with %j and %j gives %d', (reason, stats, options, code) => {
    expect(exitCodeFor(reason, stats, options)).toBe(code);
  });
});

describe('platform retry delays', () => {
  it('follow the documented schedule', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8, 20].map((attempt) => formatDelay(platformRetryDelayMs(attempt)))).toEqual(['10 s', '1 min', '5 min', '30 min', '1 h', '2 h', '4 h', '4 h', '4 h']);
  });
});

describe('readRecording', () => {
  it('reads deliveries and skips the header line', () => {
    const path = join(folder, 'ok.ndjson');
    writeFileSync(path, [
      JSON.stringify({ type: 'recording', format: 'stamp7-recording', version: 1 }),
      JSON.stringify({ type: 'delivery', delivery_id: 'dlv_1', event_id: 'evt_1', event_type: 'ping', attempt: 1, headers: { a: 'b' }, body_base64: 'e30=' }),
      '',
    ].join('\n'));
    expect(readRecording(path).map((delivery) => delivery.delivery_id)).toEqual(['dlv_1']);
  });

  it.each([
    ['not json', 'line 1 is not JSON'],
    [JSON.stringify({ type: 'delivery', delivery_id: 'x' }), 'line 1 is not a recorded delivery'],
    [JSON.stringify({ type: 'recording', version: 9 }), 'version 9'],
  ])('rejects %s', (content, fragment) => {
    const path = join(folder, 'bad.ndjson');
    writeFileSync(path, content);
    expect(() => readRecording(path)).toThrow(fragment);
  });

  it('names a missing file', () => {
    expect(() => readRecording(join(folder, 'missing.ndjson'))).toThrow('no such file');
  });
});

describe('Reporter delivery notes', () => {
  async function noteFor(durationMs: number, statusCode: number | null, attempt = 1): Promise<Record<string, unknown>> {
    const { Reporter } = await import('../../src/tunnel/report.js');
    const { LineWriter } = await import('../../src/tunnel/writer.js');
    const { Writable } = await import('node:stream');
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        lines.push(chunk.toString().trim());
        callback();
      },
    });
    const reporter = new Reporter({ format: 'json', quiet: true, writer: new LineWriter(stream), status: () => undefined });
    const send = sendResult({ statusCode, durationMs, ...(statusCode === null ? { error: { code: 'ECONNREFUSED', message: 'x' } } : {}) });
    const url = new URL('http://localhost:3000/');
    const delivery = { type: 'delivery' as const, delivery_id: 'dlv_1', event_id: 'evt_1', event_type: 'ping', attempt, replay: false, created_at_ms: 0, sent_at_ms: 0, headers: {}, body_base64: '' };
    const outcomeMessage = buildOutcome('dlv_1', send, url);
    reporter.delivery({ delivery, url, receivedAtMs: 10, send, signature: undefined, outcome: outcomeMessage, ok: outcomeMessage.error === null && statusCode === 200 });
    reporter.flush();
    return JSON.parse(lines[0]!) as Record<string, unknown>;
  }

  it('flags an answer over 8 s as slow', async () => {
    expect((await noteFor(8_400, 200)).note).toBe('slow: 8.4 s of the 10 s limit');
  });

  it('reports over 10 s as failed', async () => {
    const line = await noteFor(10_500, 200, 2);
    expect(line.ok).toBe(false);
    expect(line.note).toBe('over the 10 s limit: a failed attempt, the platform retries in 1 min');
  });

  it('says when a refused attempt is retried', async () => {
    expect((await noteFor(3, null)).note).toBe('the platform retries in 10 s');
  });

  it('adds nothing to a quick 2xx', async () => {
    expect((await noteFor(3, 200)).note).toBeUndefined();
  });
});
