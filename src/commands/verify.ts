import type { Command } from 'commander';
import { CliError, ExitCode } from '../errors.js';

interface VerifyCommandOptions {
  header?: string;
  secret?: string[];
  tolerance: string;
}

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

export function register(program: Command): void {
  program
    .command('verify')
    .argument('[file]', 'captured body file; - or no file reads stdin')
    .description('check a captured signature header and body, and explain why it fails')
    .requiredOption('--header <value>', "the captured X-7stamp-Signature value ('t=…,v1=…'), or the whole header line")
    .option('--secret <secret>', 'webhook secret; repeat for each secret valid during a rotation (default: STAMP7_WEBHOOK_SECRET, else the local secret)', collect)
    .option('--tolerance <duration>', 'allowed distance between t and now, such as 300s or 10m; 0 turns the time check off', '300s')
    .addHelpText(
      'after',
      `
Examples:
  stamp7 verify body.json --header 't=1778502896,v1=2b19…' --secret whsec_…
  pbpaste | stamp7 verify --header "$SIG" --tolerance 0

Exit codes: 0 the signature is valid, 1 it is not (the reason is printed), 2 invalid input.`,
    )
    .action(async (file: string | undefined, options: VerifyCommandOptions) => {
      const [{ parseDuration }, { readBodyInput, resolveVerifySecrets }, { diagnoseSignature }, context] = await Promise.all([
        import('../output/duration.js'),
        import('../signing/input.js'),
        import('../signing/diagnose.js'),
        import('../output/context.js'),
      ]);
      const toleranceSeconds = Math.floor(parseDuration(options.tolerance, '--tolerance') / 1000);
      const body = await readBodyInput(file, 'verify');
      const { secrets, source } = await resolveVerifySecrets(options.secret);
      const diagnosis = diagnoseSignature({ body, header: options.header, secrets, toleranceSeconds });

      if (context.globalOptions().json) {
        context.printJson({
          ok: diagnosis.ok,
          reason: diagnosis.reason,
          cause: diagnosis.cause ?? null,
          message: diagnosis.message,
          hint: diagnosis.hint ?? null,
          timestamp: diagnosis.timestamp ?? null,
          age_seconds: diagnosis.ageSeconds ?? null,
          secret_index: diagnosis.secretIndex ?? null,
          tolerance_seconds: toleranceSeconds,
          secret_source: source,
          body_bytes: body.length,
        });
      } else if (diagnosis.ok) {
        context.printLine(`valid: ${diagnosis.message.replace(/^the signature is valid: /, '')}`);
      }
      if (!diagnosis.ok) {
        throw new CliError(`invalid signature: ${diagnosis.message}`, { hint: diagnosis.hint, exitCode: ExitCode.failure, code: diagnosis.cause ?? diagnosis.reason });
      }
    });
}
