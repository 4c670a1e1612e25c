import type { Command } from 'commander';
import { CliError, ExitCode } from '../errors.js';

interface SignOptions {
  secret?: string[];
  timestamp?: string;
}

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

export function register(program: Command): void {
  program
    .command('sign')
    .argument('[file]', 'body file to sign; - or no file reads stdin')
    .description('print the X-7stamp-Signature header for a body, for curl and other clients')
    .option('--secret <secret>', 'webhook secret; repeat to get one v1= per secret (default: STAMP7_WEBHOOK_SECRET, else the local secret)', collect)
    .option('--timestamp <unix>', 'Unix time in seconds to sign with (default: now)')
    .addHelpText(
      'after',
      `
Examples:
  stamp7 sign body.json --secret whsec_…
  curl -X POST http://localhost:3000/webhooks -H 'Content-Type: application/json' \\
    -H "$(stamp7 sign body.json)" --data-binary @body.json`,
    )
    .action(async (file: string | undefined, options: SignOptions) => {
      const timestamp = options.timestamp === undefined ? undefined : parseTimestamp(options.timestamp);
      const [{ readBodyInput }, { resolveWebhookSecret }, { signPayload, SIGNATURE_HEADER }, context, { maskSecret }] = await Promise.all([
        import('../signing/input.js'),
        import('../trigger/secret.js'),
        import('../signing/index.js'),
        import('../output/context.js'),
        import('../output/mask.js'),
      ]);
      const body = await readBodyInput(file, 'sign');
      const secret = await resolveWebhookSecret(options.secret);
      const value = signPayload(body, secret.secrets, timestamp === undefined ? {} : { timestamp });

      if (context.globalOptions().json) {
        context.printJson({ header: SIGNATURE_HEADER, value, timestamp: Number(/^t=(\d+)/.exec(value)?.[1]), body_bytes: body.length, secret_source: secret.source });
        return;
      }
      context.info(`signed ${body.length} bytes with ${secret.secrets.map(maskSecret).join(', ')} from ${secret.source === 'local' ? 'the local secret' : secret.source}`);
      context.printLine(`${SIGNATURE_HEADER}: ${value}`);
    });
}

function parseTimestamp(text: string): number {
  if (!/^\d{1,15}$/.test(text.trim())) {
    throw new CliError(`invalid --timestamp "${text}": expected Unix time in seconds`, { hint: 'for example --timestamp "$(date +%s)"', exitCode: ExitCode.usage, code: 'invalid_timestamp' });
  }
  return Number(text);
}
