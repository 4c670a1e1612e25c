import { resolve } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';

// `npm run demo` is the README's first command, so it is tested like any other command.
describe('npm run demo', () => {
  it('delivers and verifies end to end', async () => {
    const script = resolve(import.meta.dirname, '../../scripts/demo.mjs');
    const result = await execa('node', [script], { reject: false, timeout: 60_000, env: { NO_COLOR: '1', CI: '1' } });
    expect(result.exitCode, String(result.stderr)).toBe(0);
    expect(result.stdout).toContain('4 of 4 deliveries verified by the receiver, 0 rejected; stamp7 check passed.');
    expect(result.stdout).toMatch(/voucher_redeemed\s+evt_\w+\s+POST http:\/\/127\.0\.0\.1:\d+\/webhooks\s+200 OK/);
  });
});
