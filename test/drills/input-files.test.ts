import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifySignature } from '../../src/signing/index.js';
import { runCli, tempConfigDir } from '../helpers/cli.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';

/**
 * Body files (`trigger --data @file`, `sign FILE`, `verify FILE`) and config files in every
 * broken shape a user's disk produces: each is either used byte for byte or rejected with a
 * usage or config error that names the file, never an internal error.
 */

const SECRET = 'whsec_input_files_drill_secret';
/** The size of the "huge" body: well past the API's 1 MiB limit, sent as-is to a URL. */
const HUGE_BYTES = 5 * 1024 * 1024;

let receiver: Receiver;
let work: { dir: string; cleanup: () => void };
const file = (name: string): string => join(work.dir, name);

beforeAll(async () => {
  receiver = await startReceiver();
  work = tempConfigDir();
  writeFileSync(file('empty.json'), '');
  writeFileSync(file('blank.json'), ' \n\t\n');
  writeFileSync(file('not-json.json'), 'event=ping\n');
  writeFileSync(file('array.json'), '[{"event":"ping"}]');
  writeFileSync(file('truncated.json'), '{"id":"evt_1","event":"ping","customer":{"id":');
  writeFileSync(file('bom.json'), Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"id":"evt_bom","event":"ping"}')]));
  writeFileSync(file('latin1.json'), Buffer.concat([Buffer.from('{"id":"evt_latin1","event":"ping","name":"Caf'), Buffer.from([0xe9]), Buffer.from('"}')]));
  writeFileSync(file('crlf.json'), '{\r\n  "id": "evt_crlf",\r\n  "event": "ping"\r\n}\r\n');
  writeFileSync(file('huge.json'), `{"id":"evt_huge","event":"ping","pad":"${'x'.repeat(HUGE_BYTES)}"}`);
  mkdirSync(file('folder.json'));
});

afterAll(async () => {
  await receiver?.close();
  work?.cleanup();
});

function trigger(args: string[]) {
  return runCli(['trigger', ...args, '--url', `${receiver.url}/files`, '--secret', SECRET], { configDir: work.dir });
}

describe('--data files', () => {
  it('rejects unusable files with exit 2', async () => {
    const cases: Array<[string, RegExp]> = [
      ['empty.json', /--data \(.*empty\.json\): the body is empty/],
      ['blank.json', /--data \(.*blank\.json\): the body is empty/],
      ['not-json.json', /invalid JSON in --data/],
      ['array.json', /not an object/],
      ['truncated.json', /invalid JSON in --data/],
      ['bom.json', /byte order mark/],
      ['latin1.json', /not valid UTF-8.*offset 45/],
      ['folder.json', /cannot read --data file .*EISDIR/],
      ['missing.json', /cannot read --data file .*ENOENT/],
    ];
    const before = receiver.requests.length;
    const results = await Promise.all(cases.map(([name]) => trigger(['--data', `@${file(name)}`])));
    for (const [index, result] of results.entries()) {
      const [name, message] = cases[index]!;
      expect(result.exitCode, `${name}: ${String(result.stderr)}`).toBe(2);
      expect(String(result.stderr), name).toMatch(message);
      expect(String(result.stderr), name).not.toContain('internal error');
      expect(String(result.stdout), name).toBe('');
    }
    expect(receiver.requests.length - before, 'nothing was sent').toBe(0);
  });

  it('sends CRLF bytes unchanged', async () => {
    const result = await trigger(['--data', `@${file('crlf.json')}`]);
    expect(result.exitCode, String(result.stderr)).toBe(0);
    const request = receiver.requests.find((entry) => entry.headers['x-7stamp-event-id'] === 'evt_crlf');
    expect(request?.body.equals(readFileSync(file('crlf.json')))).toBe(true);
    expect(verifySignature({ body: request!.body, header: request!.headers['x-7stamp-signature'], secret: SECRET }).ok).toBe(true);
  });

  it('sends a 5 MB body byte for byte', async () => {
    const result = await trigger(['--data', `@${file('huge.json')}`, '--timeout', '30s']);
    expect(result.exitCode, String(result.stderr)).toBe(0);
    const request = receiver.requests.find((entry) => entry.headers['x-7stamp-event-id'] === 'evt_huge');
    expect(request?.body.length).toBe(statSync(file('huge.json')).size);
    expect(request?.body.equals(readFileSync(file('huge.json')))).toBe(true);
    expect(verifySignature({ body: request!.body, header: request!.headers['x-7stamp-signature'], secret: SECRET }).ok).toBe(true);
  });
});

describe('sign and verify body files', () => {
  it('signs any bytes and verifies them back', async () => {
    for (const name of ['empty.json', 'latin1.json', 'crlf.json', 'bom.json']) {
      const signed = await runCli(['sign', file(name), '--secret', SECRET], { configDir: work.dir });
      expect(signed.exitCode, `${name}: ${String(signed.stderr)}`).toBe(0);
      const header = String(signed.stdout).trim().replace(/^X-7stamp-Signature:\s*/i, '');
      expect(verifySignature({ body: readFileSync(file(name)), header, secret: SECRET }).ok, name).toBe(true);

      const verified = await runCli(['verify', file(name), '--header', header, '--secret', SECRET], { configDir: work.dir });
      expect(verified.exitCode, `${name}: ${String(verified.stderr)}`).toBe(0);
    }
  });

  it('reports a changed byte and a folder', async () => {
    const signed = await runCli(['sign', file('crlf.json'), '--secret', SECRET], { configDir: work.dir });
    const header = String(signed.stdout).trim().replace(/^X-7stamp-Signature:\s*/i, '');
    writeFileSync(file('crlf-lf.json'), readFileSync(file('crlf.json'), 'utf8').replace(/\r\n/g, '\n'));

    const changed = await runCli(['verify', file('crlf-lf.json'), '--header', header, '--secret', SECRET], { configDir: work.dir });
    expect(changed.exitCode).toBe(1);
    expect(String(changed.stderr)).toContain('no v1 signature matches');

    const folder = await runCli(['verify', file('folder.json'), '--header', header, '--secret', SECRET], { configDir: work.dir });
    expect(folder.exitCode).toBe(2);
    expect(String(folder.stderr)).toContain('EISDIR');
  });
});

describe('replay recordings', () => {
  const header = JSON.stringify({ type: 'recording', format: 'stamp7-recording', version: 1, created_at: '2026-05-11T12:34:56Z' });
  const body = Buffer.from('{"id":"evt_rec","event":"ping"}');
  const delivery = (headers: Record<string, string>, bodyBase64 = body.toString('base64')): string =>
    JSON.stringify({ type: 'delivery', recorded_at: '2026-05-11T12:34:56Z', delivery_id: 'dlv_rec', event_id: 'evt_rec', event_type: 'ping', attempt: 1, headers, body_base64: bodyBase64 });

  function replay(name: string, content: string) {
    writeFileSync(file(name), content);
    return runCli(['replay', file(name), '--forward', `${receiver.url}/replay`], { configDir: work.dir });
  }

  it('rejects unusable recordings with exit 2', async () => {
    const cases: Array<[string, string, RegExp]> = [
      ['empty.ndjson', '', /no deliveries to replay/],
      ['text.ndjson', 'hello\n', /line 1 is not JSON/],
      ['wrong-shape.ndjson', `${header}\n{"type":"delivery"}\n`, /line 2 is not a recorded delivery/],
    ];
    for (const [name, content, message] of cases) {
      const result = await replay(name, content);
      expect(result.exitCode, `${name}: ${String(result.stderr)}`).toBe(2);
      expect(String(result.stderr), name).toMatch(message);
    }
  });

  it('rejects a body that is not base64', async () => {
    const result = await replay('bad-base64.ndjson', `${header}\n${delivery({ 'content-type': 'application/json' }, '!!not base64!!')}\n`);
    expect(result.exitCode, String(result.stderr)).toBe(2);
    expect(String(result.stderr)).toMatch(/line 2 is not a recorded delivery.*\n.*base64/);
  });

  it('replays past a torn last line', async () => {
    // listen killed mid-write leaves half a line at the end of the file.
    const whole = delivery({ 'content-type': 'application/json' });
    const before = receiver.requests.length;
    const result = await replay('torn.ndjson', `${header}\n${whole}\n${whole.slice(0, 40)}`);
    expect(result.exitCode, String(result.stderr)).toBe(0);
    expect(String(result.stderr)).toContain('line 3 is cut short');
    expect(receiver.requests.length - before).toBe(1);

    const inside = await replay('torn-inside.ndjson', `${header}\n${whole.slice(0, 40)}\n${whole}\n`);
    expect(inside.exitCode, 'a bad line before the end is still an error').toBe(2);
    expect(String(inside.stderr)).toContain('line 2 is not JSON');
  });

  it('reports headers that cannot be sent', async () => {
    const cases: Array<Record<string, string>> = [{ 'x-evil': 'a\r\nInjected: 1' }, { 'bad name': 'x' }];
    for (const headers of cases) {
      const result = await replay('bad-header.ndjson', `${header}\n${delivery(headers)}\n`);
      const context = `${JSON.stringify(headers)}: ${String(result.stderr)}`;
      expect(result.exitCode, context).toBe(1);
      expect(String(result.stdout) + String(result.stderr), context).toContain('a header cannot be sent');
      expect(String(result.stderr), context).not.toContain('internal error');
    }
    expect(receiver.requests.some((request) => request.headers.injected !== undefined)).toBe(false);
  });
});

describe('config files', () => {
  const shapes: Array<[string, string | null]> = [
    ['empty', ''],
    ['blank', '\n \n'],
    ['truncated', '{"profiles":{"work":{"api_key":"7loc_sc_'],
    ['not JSON', 'profiles: work\n'],
    ['an array', '[]'],
    ['NUL bytes', '\u0000'.repeat(64)],
    ['wrong types', '{"profiles":{"work":{"api_key":42}}}'],
    ['a folder', null],
  ];

  for (const [shape, content] of shapes) {
    it(`survives a config that is ${shape}`, async () => {
      const config = tempConfigDir();
      try {
        const path = join(config.dir, 'config.json');
        if (content === null) mkdirSync(path);
        else writeFileSync(path, content, { mode: 0o600 });

        // whoami only reads the config; trigger --url without --secret writes the local secret.
        const whoami = await runCli(['whoami'], { configDir: config.dir });
        const triggered = await runCli(['trigger', 'ping', '--url', `${receiver.url}/config`], { configDir: config.dir });
        for (const result of [whoami, triggered]) {
          expect(String(result.stderr), shape).not.toContain('internal error');
          expect([0, 3], `${shape}: ${String(result.stderr)}`).toContain(result.exitCode);
        }

        if (content === null) {
          expect(triggered.exitCode).toBe(3);
          expect(String(triggered.stderr)).toContain('EISDIR');
          return;
        }
        if (content.trim() === '') {
          // A blank file is an empty config: nothing to move aside, and trigger can write to it.
          expect(triggered.exitCode, String(triggered.stderr)).toBe(0);
          expect(readdirSync(config.dir).filter((name) => name.includes('broken'))).toEqual([]);
          return;
        }
        // The broken file is kept next to the new one, and the next command starts fresh.
        expect(whoami.exitCode).toBe(3);
        expect(String(whoami.stderr)).toContain('moved to');
        expect(readdirSync(config.dir).some((name) => name.startsWith('config.json.broken-'))).toBe(true);
        expect(triggered.exitCode, String(triggered.stderr)).toBe(0);
      } finally {
        config.cleanup();
      }
    });
  }

  it('treats inherited names as unknown profiles', async () => {
    const config = tempConfigDir();
    try {
      const profile = { api_key: `7loc_sc_${'a'.repeat(32)}`, api_base: 'http://127.0.0.1:1' };
      writeFileSync(join(config.dir, 'config.json'), JSON.stringify({ profiles: { work: profile }, active_profile: 'work' }), { mode: 0o600 });
      for (const name of ['constructor', 'hasOwnProperty', 'toString']) {
        const whoami = await runCli(['whoami', '--profile', name], { configDir: config.dir });
        expect(whoami.exitCode, name).toBe(3);
        expect(String(whoami.stderr), name).toContain(`profile "${name}" is not logged in`);
        const logout = await runCli(['logout', '--profile', name], { configDir: config.dir });
        expect(String(logout.stdout) + String(logout.stderr), name).toContain('was not logged in');
      }
      expect(JSON.parse(readFileSync(join(config.dir, 'config.json'), 'utf8')).profiles.work).toEqual(profile);
    } finally {
      config.cleanup();
    }
  });

  it('reports an unreadable config', async (context) => {
    // chmod 000 keeps nothing from root, so the drill only means something for other users.
    if (process.getuid?.() === 0) context.skip();
    const config = tempConfigDir();
    try {
      const path = join(config.dir, 'config.json');
      writeFileSync(path, '{}', { mode: 0o000 });
      const result = await runCli(['whoami'], { configDir: config.dir });
      expect(result.exitCode).toBe(3);
      expect(String(result.stderr)).toContain('EACCES');
    } finally {
      config.cleanup();
    }
  });
});
