import { Chalk } from 'chalk';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import type { Delivery } from '../../src/api/types.js';
import { parseLimit } from '../../src/api/options.js';
import { completionScript } from '../../src/completion/scripts.js';
import { buildCompletionTree } from '../../src/completion/tree.js';
import { describeEvents, parseEventsOption } from '../../src/endpoints/event-filter.js';
import { checkEndpointUrl, isLoopbackHost } from '../../src/endpoints/url.js';
import { parseSinceOption, parseTypeOption } from '../../src/history/events.js';
import { nextRetry } from '../../src/history/render.js';
import { hasFailed, isSettled } from '../../src/history/wait.js';
import { formatTable } from '../../src/output/table.js';

const plain = new Chalk({ level: 0 });

describe('endpoint URL rule', () => {
  it('accepts https anywhere', () => {
    expect(checkEndpointUrl('https://example.com/hook')).toBe('https://example.com/hook');
  });

  it('accepts http only to loopback', () => {
    expect(checkEndpointUrl('http://localhost:3000/x')).toBe('http://localhost:3000/x');
    expect(checkEndpointUrl('http://127.0.0.5/x')).toBe('http://127.0.0.5/x');
    expect(checkEndpointUrl('http://[::1]:3000/x')).toBe('http://[::1]:3000/x');
    expect(() => checkEndpointUrl('http://example.com/x')).toThrow(/https:\/\//);
    expect(() => checkEndpointUrl('http://10.0.0.1/x')).toThrow(/https:\/\//);
  });

  it('rejects other schemes and relative URLs', () => {
    expect(() => checkEndpointUrl('ftp://example.com')).toThrow(/scheme/);
    expect(() => checkEndpointUrl('/hooks')).toThrow(/not an absolute URL/);
  });

  it('knows the loopback hosts', () => {
    expect(isLoopbackHost('LOCALHOST')).toBe(true);
    expect(isLoopbackHost('127.0.0.1')).toBe(true);
    expect(isLoopbackHost('128.0.0.1')).toBe(false);
  });
});

describe('--events', () => {
  it('resolves aliases and drops duplicates', () => {
    expect(parseEventsOption('birthday, voucher_redeemed,birthday_reached')).toEqual(['birthday_reached', 'voucher_redeemed']);
  });

  it('maps all to the wildcard', () => {
    expect(parseEventsOption('all')).toEqual(['*']);
    expect(describeEvents(['*'])).toBe('all');
  });

  it('suggests a close name for a typo', () => {
    expect(() => parseEventsOption('stamp_aded')).toThrow(/stamp_aded/);
    try {
      parseEventsOption('stamp_aded');
    } catch (error) {
      expect((error as { hint: string }).hint).toContain('stamp_added');
    }
  });

  it('rejects an empty list', () => {
    expect(() => parseEventsOption(' , ')).toThrow(/empty/);
  });
});

describe('events list options', () => {
  it('turns a duration into a time back from now', () => {
    const now = Date.parse('2026-05-11T12:00:00Z');
    expect(parseSinceOption('2h', now)).toBe('2026-05-11T10:00:00.000Z');
  });

  it('accepts an ISO time', () => {
    expect(parseSinceOption('2026-05-11T10:00:00Z')).toBe('2026-05-11T10:00:00.000Z');
    expect(() => parseSinceOption('2026-13-45')).toThrow(/ISO 8601/);
  });

  it('resolves --type aliases', () => {
    expect(parseTypeOption('inactive')).toBe('inactivity_trigger');
    expect(() => parseTypeOption('nope_nope_nope')).toThrow(/unknown event type/);
  });

  it('bounds --limit', () => {
    expect(parseLimit('5')).toBe(5);
    expect(() => parseLimit('0')).toThrow(/--limit/);
    expect(() => parseLimit('1.5')).toThrow(/--limit/);
    expect(() => parseLimit('5000')).toThrow(/--limit/);
  });
});

function delivery(fields: Partial<Delivery>): Delivery {
  return {
    id: 'dlv_1',
    event_id: 'evt_1',
    event_type: 'ping',
    endpoint_id: 'we_1',
    listen_session_id: null,
    url: 'https://example.com',
    status: 'pending',
    attempt_count: 0,
    last_status_code: null,
    last_error: null,
    last_duration_ms: null,
    next_attempt_at: null,
    created_at: '2026-05-11T12:00:00Z',
    updated_at: '2026-05-11T12:00:00Z',
    ...fields,
  };
}

describe('delivery state', () => {
  it('settles on ok, failed or a first attempt', () => {
    expect(isSettled(delivery({}))).toBe(false);
    expect(isSettled(delivery({ attempt_count: 1 }))).toBe(true);
    expect(isSettled(delivery({ status: 'ok', attempt_count: 1 }))).toBe(true);
  });

  it('counts a pending retry as failed for now', () => {
    expect(hasFailed(delivery({ attempt_count: 1, last_status_code: 500 }))).toBe(true);
    expect(hasFailed(delivery({ status: 'failed', attempt_count: 9 }))).toBe(true);
    expect(hasFailed(delivery({ status: 'ok', attempt_count: 1 }))).toBe(false);
  });

  it('shows the next retry relative to now', () => {
    const now = Date.parse('2026-05-11T12:00:00Z');
    expect(nextRetry(delivery({ next_attempt_at: '2026-05-11T12:05:30Z' }), now)).toBe('in 5m 30s');
    expect(nextRetry(delivery({ next_attempt_at: '2026-05-11T11:59:00Z' }), now)).toBe('due now');
    expect(nextRetry(delivery({ status: 'ok', next_attempt_at: '2026-05-11T12:05:30Z' }), now)).toBe('-');
  });
});

describe('formatTable', () => {
  it('pads columns to the widest cell', () => {
    const table = formatTable(
      [
        { header: 'ID', value: (row: { id: string; url: string }) => row.id },
        { header: 'URL', value: (row) => row.url },
      ],
      [
        { id: 'we_1', url: 'https://a' },
        { id: 'we_12345', url: 'https://b' },
      ],
      plain,
    );
    expect(table.split('\n')).toEqual(['ID        URL', 'we_1      https://a', 'we_12345  https://b']);
  });
});

describe('completion', () => {
  const program = new Command('stamp7').option('--json', 'print JSON');
  const endpoints = program.command('endpoints').description('manage endpoints');
  endpoints.command('list').description('list them').option('--limit <n>', 'at most n');
  endpoints.command('remove').description("remove one, it's gone");
  program.command('whoami').description('who');
  const tree = buildCompletionTree(program);

  it('walks commands and options', () => {
    expect(tree.children.map((child) => child.name)).toEqual(['endpoints', 'whoami']);
    const list = tree.children[0]!.children[0]!;
    expect(list.path).toEqual(['endpoints', 'list']);
    expect(list.options.find((option) => option.long === '--limit')?.takesValue).toBe(true);
  });

  it('writes every command into each script', () => {
    for (const shell of ['bash', 'zsh', 'fish'] as const) {
      const script = completionScript(shell, tree);
      expect(script, shell).toContain('endpoints');
      expect(script, shell).toContain('remove');
      expect(script, shell).toContain('limit');
    }
  });

  it('escapes quotes in descriptions', () => {
    expect(completionScript('fish', tree)).toContain("it\\'s gone");
    expect(completionScript('zsh', tree)).toContain(`it'\\''s gone`);
  });
});
