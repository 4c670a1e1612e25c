import { describe, expect, it } from 'vitest';
import { CliError, ExitCode } from '../../src/errors.js';
import { parseForwardTarget, parseHeaderFlag, parseRoute } from '../../src/tunnel/target.js';
import { forAll, type Random } from '../helpers/random.js';

const HOSTS = ['localhost', '127.0.0.1', '[::1]', 'app.test', 'my-app', '', ' ', '@', 'user:pw@localhost', '[::1', '::1', '0', '999.1.1.1', 'é.test', 'a b'];
const SCHEMES = ['', 'http://', 'https://', 'HTTP://', 'ftp://', 'ws://', 'file://', 'javascript:', '//', 'http:/', 'mailto:'];
const PORTS = ['', ':', ':0', ':1', ':3000', ':65535', ':65536', ':99999999999', ':-1', ':3000:3000', ':abc', ':٣٠٠٠'];
const PATHS = ['', '/', '/webhooks', '/a?b=c', '/a#frag', '?x', '#', '/%zz', '/../..', '/é', '\\back'];

function randomTarget(random: Random): string {
  if (random.chance(0.1)) return random.unicode(30);
  if (random.chance(0.1)) return String(random.int(-5, 70_000));
  return `${random.pick(SCHEMES)}${random.pick(HOSTS)}${random.pick(PORTS)}${random.pick(PATHS)}`;
}

function expectUsageError(error: unknown, flag: string, context: string): void {
  expect(error, context).toBeInstanceOf(CliError);
  expect((error as CliError).exitCode, context).toBe(ExitCode.usage);
  expect((error as CliError).message, context).toContain(flag);
  expect((error as CliError).hint, context).toBeTruthy();
}

describe('--forward target parser', () => {
  it('returns a usable URL or a usage error', () => {
    forAll(10_000, (random) => {
      const text = randomTarget(random);
      let url: URL;
      try {
        url = parseForwardTarget(text);
      } catch (error) {
        expectUsageError(error, '--forward', JSON.stringify(text));
        return;
      }
      expect(['http:', 'https:'], text).toContain(url.protocol);
      expect(url.hostname, text).not.toBe('');
      expect(url.username + url.password, text).toBe('');
      if (url.port !== '') {
        expect(Number(url.port), text).toBeGreaterThanOrEqual(1);
        expect(Number(url.port), text).toBeLessThanOrEqual(65_535);
      }
    });
  });

  it('maps a bare port to localhost', () => {
    forAll(500, (random) => {
      const port = random.int(1, 65_535);
      const url = parseForwardTarget(String(port));
      expect(url.hostname).toBe('localhost');
      expect(url.port === '' ? 80 : Number(url.port)).toBe(port);
    });
  });

  it('keeps path and query as written', () => {
    forAll(500, (random) => {
      const path = `/${random.string('abcxyz09-_', random.int(0, 12))}`;
      const query = random.chance(0.5) ? `?${random.string('abc=&09', random.int(1, 10))}` : '';
      const port = random.int(1024, 65_535);
      const url = parseForwardTarget(`127.0.0.1:${port}${path}${query}`);
      expect(url.pathname).toBe(path);
      expect(url.search).toBe(query === '?' ? '' : query);
      expect(url.port).toBe(String(port));
    });
  });

  it('rejects out-of-range ports', () => {
    for (const text of ['0', '65536', ':0', 'localhost:70000', 'http://localhost:99999/x', 'localhost:']) {
      let caught: unknown;
      try {
        parseForwardTarget(text);
      } catch (error) {
        caught = error;
      }
      expectUsageError(caught, '--forward', text);
    }
  });
});

describe('--route and --header parsers', () => {
  it('parse or fail with a usage error', () => {
    forAll(5_000, (random) => {
      const route = `${random.pick(['voucher_redeemed', 'birthday', 'nope', '', random.unicode(8)])}${random.pick(['=', '', '=='])}${randomTarget(random)}`;
      try {
        parseRoute(route);
      } catch (error) {
        expectUsageError(error, '--route', JSON.stringify(route));
      }
      const header = `${random.unicode(8)}${random.pick([':', '', ': '])}${random.unicode(12)}`;
      try {
        const [name] = parseHeaderFlag(header);
        expect(name, header).toMatch(/^[!#$%&'*+.^_`|~0-9a-z-]+$/i);
      } catch (error) {
        expectUsageError(error, '--header', JSON.stringify(header));
      }
    });
  });
});
