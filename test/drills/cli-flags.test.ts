import { afterAll, describe, expect, it } from 'vitest';
import { runCli, tempConfigDir } from '../helpers/cli.js';

/**
 * One invalid value for each flag of each command, run through the built binary: every one
 * fails with its documented exit code and a message that names the value, and none reaches
 * the internal-error path (exit 70) or prints a stack trace. No case reaches a server:
 * each fails while its flags are checked.
 */

const config = tempConfigDir();
afterAll(() => config.cleanup());

const URL_ARG = 'http://127.0.0.1:9/never';
const SECRET = 'whsec_cli_flags';

const CASES: Array<[args: string[], exitCode: number, message: RegExp]> = [
  [['trigger', 'ping', '--url', URL_ARG, '--secret', SECRET, '--count', '99999999999999999999'], 2, /invalid --count/],
  [['trigger', 'ping', '--url', URL_ARG, '--secret', SECRET, '--concurrency', '-1'], 2, /invalid --concurrency "-1"/],
  [['trigger', 'ping', '--url', URL_ARG, '--secret', SECRET, '--expect', '9xx'], 2, /invalid --expect "9xx"/],
  [['trigger', 'ping', '--url', URL_ARG, '--secret', SECRET, '--expect', ''], 2, /invalid --expect ""/],
  [['trigger', 'ping', '--url', URL_ARG, '--secret', SECRET, '--header', 'X: a\r\nInjected: 1'], 2, /line break/],
  [['trigger', 'ping', '--url', URL_ARG, '--secret', SECRET, '--timeout', '9999999h'], 2, /longest duration/],
  [['trigger', 'ping', '--url', URL_ARG, '--secret', SECRET, '--max-latency', 'soon'], 2, /invalid --max-latency "soon"/],
  [['trigger', 'ping', '--url', 'http://[::1', '--secret', SECRET], 2, /invalid --url/],
  [['trigger', 'ping', '--url', URL_ARG, '--secret', SECRET, '--set', '__proto__.x=1', '--add-missing'], 2, /"__proto__" cannot be a field name/],
  [['trigger', 'ping', '--url', URL_ARG, '--secret', SECRET, '--data', '{"event":"ping"}', '--set', 'a=1'], 2, /--data cannot be combined/],
  [['trigger', 'constructor', '--url', URL_ARG, '--secret', SECRET], 2, /unknown event type "constructor"/],
  [['trigger', '--url', URL_ARG, '--secret', SECRET], 2, /missing the event type/],
  [['sign', '/dev/null', '--secret', SECRET, '--timestamp', '-5'], 2, /invalid --timestamp "-5"/],
  [['sign', '/dev/null', '--secret', SECRET, '--timestamp', '99999999999999999999'], 2, /invalid --timestamp/],
  [['sign', '/dev/null', '--secret', SECRET, '--timestamp', '1.5'], 2, /invalid --timestamp "1.5"/],
  [['verify', '/dev/null', '--secret', SECRET], 2, /--header/],
  [['verify', '/dev/null', '--header', '', '--secret', SECRET], 1, /no X-7stamp-Signature header/],
  [['verify', '/dev/null', '--header', 't=1,v1=zz', '--secret', SECRET, '--tolerance', '0'], 1, /no v1 signature matches/],
  [['verify', '/dev/null', '--header', 't=1,v1=zz', '--secret', SECRET, '--tolerance', 'forever'], 2, /invalid --tolerance "forever"/],
  [['listen', '--forward', '0'], 2, /invalid port "0"/],
  [['listen', '--forward', '//localhost:0'], 2, /invalid port "0"/],
  [['listen', '--forward', 'ftp://localhost:3000'], 2, /only http and https/],
  [['listen', '--forward', 'user:pw@localhost:3000'], 2, /contains credentials/],
  [['listen', '--forward', '3000', '--timeout', '0'], 2, /--timeout must be more than 0/],
  [['listen', '--forward', '3000', '--max-duration', '9999999h'], 2, /longest duration/],
  [['listen', '--forward', '3000', '--concurrency', '100000'], 2, /--concurrency must be a whole number/],
  [['listen', '--forward', '3000', '--exit-after', '0'], 2, /--exit-after/],
  [['listen', '--forward', '3000', '--route', '=x'], 2, /--route "=x" is not EVENT=URL/],
  [['listen', '--forward', '3000', '--events', 'nope'], 2, /unknown event type "nope"/],
  [['listen', '--forward', '3000', '--header', 'no colon'], 2, /--header "no colon"/],
  [['listen', '--forward', '3000', '--format', 'xml'], 2, /xml/],
  [['endpoints', 'add', 'ftp://x', '--events', 'all'], 2, /scheme must be https/],
  [['endpoints', 'add', 'https://example.test/hook', '--events', 'nope'], 2, /unknown event type "nope"/],
  [['endpoints', 'rotate-secret', 'we_1', '--grace', '-1s'], 2, /invalid --grace "-1s"/],
  [['endpoints', 'rotate-secret', 'we_1', '--grace', '99999999h'], 2, /longest duration/],
  [['endpoints', 'list', '--limit', '0'], 2, /invalid --limit "0"/],
  [['events', 'list', '--since', 'yesterday'], 2, /invalid --since "yesterday"/],
  [['events', 'list', '--since', '2026-99-99'], 2, /not a valid ISO 8601 time/],
  [['events', 'list', '--since', '9999999999999h'], 2, /longest duration/],
  [['events', 'list', '--type', 'nope'], 2, /unknown event type "nope"/],
  [['deliveries', 'list', '--status', 'nope'], 2, /invalid --status "nope"/],
  [['sandbox', '--port', '70000'], 2, /invalid port 70000/],
  [['sandbox', '--time-scale', '0'], 2, /invalid time scale 0/],
  [['sandbox', '--retention', '0'], 2, /invalid retention 0/],
  [['sandbox', '--api-key', 'nope'], 2, /invalid sandbox API key/],
  [['login', '--api-key', 'nope'], 2, /not a 7stamp API key/],
  [['check', 'ftp://x', '--secret', SECRET], 2, /scheme must be http or https/],
  [['check', URL_ARG, '--secret', SECRET, '--timeout', '0'], 2, /invalid --timeout "0"/],
  [['check', URL_ARG, '--secret', SECRET, '--events', 'nope'], 2, /unknown event type "nope"/],
  [['completion', 'tcsh'], 2, /tcsh/],
];

describe('invalid flags', () => {
  it('fail with a clear usage error', async () => {
    const failures: string[] = [];
    // Six at a time: each case is a Node start-up of about 100 to 300 ms.
    for (let start = 0; start < CASES.length; start += 6) {
      const batch = CASES.slice(start, start + 6);
      const results = await Promise.all(
        batch.map(([args]) => runCli(args, { configDir: config.dir, env: { STAMP7_API_KEY: `7loc_sc_${'c'.repeat(32)}`, STAMP7_API_BASE: 'http://127.0.0.1:9' } })),
      );
      for (const [index, result] of results.entries()) {
        const [args, exitCode, message] = batch[index]!;
        const stderr = String(result.stderr);
        const name = args.map((arg) => JSON.stringify(arg)).join(' ');
        if (result.exitCode !== exitCode) failures.push(`${name}: exit ${result.exitCode}, expected ${exitCode}: ${stderr.slice(0, 200)}`);
        else if (!message.test(stderr)) failures.push(`${name}: stderr does not match ${message}: ${stderr.slice(0, 200)}`);
        else if (/internal error|^\s+at /m.test(stderr)) failures.push(`${name}: internal error or stack trace: ${stderr.slice(0, 200)}`);
      }
    }
    expect(failures).toEqual([]);
  }, 60_000);
});
