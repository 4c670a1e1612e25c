import { CliError, ExitCode } from '../errors.js';

/** The origin of the signing secret, in the words the output uses. */
export type SecretSource = '--secret' | 'STAMP7_WEBHOOK_SECRET' | 'local';

export interface ResolvedSecret {
  /** One secret, or several (one `v1=` each) when `--secret` was repeated to act out a rotation. */
  secrets: string[];
  source: SecretSource;
  /** True when the local secret was created by this run. */
  created: boolean;
}

/**
 * Picks the webhook secret to sign with: `--secret` (repeatable), else STAMP7_WEBHOOK_SECRET,
 * else the local secret in the config, created on first use. An empty or blank secret is a
 * CliError (exit code 2); an empty environment variable counts as unset.
 */
export async function resolveWebhookSecret(flagSecrets: string[] | undefined): Promise<ResolvedSecret> {
  if (flagSecrets !== undefined && flagSecrets.length > 0) {
    for (const secret of flagSecrets) checkSecret(secret, '--secret');
    return { secrets: flagSecrets, source: '--secret', created: false };
  }

  const fromEnv = process.env.STAMP7_WEBHOOK_SECRET;
  if (fromEnv !== undefined && fromEnv !== '') {
    checkSecret(fromEnv, 'STAMP7_WEBHOOK_SECRET');
    return { secrets: [fromEnv], source: 'STAMP7_WEBHOOK_SECRET', created: false };
  }

  const { ensureLocalWebhookSecret } = await import('../config/index.js');
  const local = await ensureLocalWebhookSecret();
  return { secrets: [local.secret], source: 'local', created: local.created };
}

function checkSecret(secret: string, origin: string): void {
  if (secret.trim() === '') {
    throw new CliError(`the secret from ${origin} is empty`, {
      hint: 'pass the endpoint secret (whsec_…), or leave --secret out to use the local secret',
      exitCode: ExitCode.usage,
      code: 'empty_secret',
    });
  }
}

/** Describes a secret source for the status line, such as `the local secret in /home/me/.config/stamp7/config.json`. */
export function describeSecretSource(source: SecretSource, configFile: string): string {
  if (source === 'local') return `the local secret in ${configFile}`;
  return source;
}
