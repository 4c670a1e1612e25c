import { readFileSync } from 'node:fs';
import { CliError, ExitCode } from '../errors.js';

/**
 * Reads the body for `sign` and `verify`: a file's bytes, or all of stdin for `-` or when no
 * file is given and stdin is not a terminal. The bytes are never decoded or re-encoded.
 */
export async function readBodyInput(file: string | undefined, command: string): Promise<Buffer> {
  if (file !== undefined && file !== '-') {
    try {
      return readFileSync(file);
    } catch (error) {
      throw new CliError(`cannot read the body file ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, {
        hint: `check the path, or pipe the body in: cat body.json | stamp7 ${command}`,
        exitCode: ExitCode.usage,
        code: 'invalid_body',
      });
    }
  }
  if (file === undefined && process.stdin.isTTY === true) {
    throw new CliError('missing the body', {
      hint: `pass a file (stamp7 ${command} body.json) or pipe the exact body bytes into stdin`,
      exitCode: ExitCode.usage,
      code: 'missing_body',
    });
  }
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * Picks the secrets to verify with: `--secret` (repeatable), else STAMP7_WEBHOOK_SECRET, else
 * the local secret if one exists. Unlike trigger, verify never creates a secret, because a
 * new random secret could not match anything.
 */
export async function resolveVerifySecrets(flagSecrets: string[] | undefined): Promise<{ secrets: string[]; source: string }> {
  const usable = (flagSecrets ?? []).filter((secret) => secret !== '');
  if (flagSecrets !== undefined && flagSecrets.length > 0) {
    if (usable.length !== flagSecrets.length || usable.some((secret) => secret.trim() === '')) throw emptySecret('--secret');
    return { secrets: usable, source: '--secret' };
  }
  const fromEnv = process.env.STAMP7_WEBHOOK_SECRET;
  if (fromEnv !== undefined && fromEnv !== '') {
    if (fromEnv.trim() === '') throw emptySecret('STAMP7_WEBHOOK_SECRET');
    return { secrets: [fromEnv], source: 'STAMP7_WEBHOOK_SECRET' };
  }
  const { readConfig } = await import('../config/index.js');
  const local = readConfig().local_webhook_secret;
  if (local) return { secrets: [local], source: 'the local secret' };
  throw new CliError('no secret to verify with', {
    hint: 'pass --secret whsec_… or set STAMP7_WEBHOOK_SECRET',
    exitCode: ExitCode.usage,
    code: 'missing_secret',
  });
}

function emptySecret(origin: string): CliError {
  return new CliError(`the secret from ${origin} is empty`, { hint: 'pass the endpoint secret, whsec_…', exitCode: ExitCode.usage, code: 'empty_secret' });
}
