import { join } from 'node:path';
import type { Command } from 'commander';
import { addListenFlags } from './listen.js';
import type { RawListenFlags } from '../tunnel/flags.js';

interface DevCommandOptions extends RawListenFlags {
  port: string;
  dataDir?: string;
  timeScale?: string;
}

/** The port `dev` tries first: the sandbox's own default, so every local tool finds it at one address. */
const DEV_DEFAULT_PORT = 7370;

export function register(program: Command): void {
  const command = program
    .command('dev')
    .description('start a local sandbox and forward its deliveries to your app (no account needed)')
    .option('--port <port>', 'sandbox port; when the default port is taken, any free port is used', String(DEV_DEFAULT_PORT))
    .option('--data-dir <dir>', 'keep the sandbox state in this folder (default: in memory)')
    .option('--time-scale <n>', 'run the retry schedule N times faster');
  addListenFlags(command)
    .addHelpText('after', `
Example:
  stamp7 dev --forward localhost:3000/webhooks
  stamp7 trigger voucher_redeemed        # in another terminal

Exit codes as for stamp7 listen.`)
    .action(async function (this: Command, options: DevCommandOptions) {
      const [{ parseListenFlags, parseCount }, { usageError, isCliError }, { debug, info }, { createApiClient }, { configDir, ensureDeviceId }, { createSessionApi }, { runListenCommand }] = await Promise.all([
        import('../tunnel/flags.js'),
        import('../errors.js'),
        import('../output/context.js'),
        import('../api/client.js'),
        import('../config/index.js'),
        import('../tunnel/api.js'),
        import('../tunnel/run.js'),
      ]);
      const flags = parseListenFlags(options);
      const port = parseCount(options.port, '--port', 0, 65_535) ?? DEV_DEFAULT_PORT;
      const timeScale = options.timeScale === undefined ? undefined : Number(options.timeScale);
      if (timeScale !== undefined && !(timeScale >= 1)) {
        throw usageError(`--time-scale must be a number of 1 or more, not "${options.timeScale}"`, 'for example --time-scale 3600 plays 24 h of retries in 24 s', 'invalid_number');
      }

      // The sandbox is the one module only this command may load: dev runs it in-process.
      const [{ startSandbox }, { currentSandboxProfile, recordSandboxProfile, restoreSandboxProfile }] = await Promise.all([import('../sandbox/index.js'), import('../sandbox/profile.js')]);
      const sandboxOptions = {
        host: '127.0.0.1',
        // In memory by default, but with the identity of the default sandbox folder, so the
        // listen secret (derived from it) stays the same from one `dev` run to the next.
        ...(options.dataDir ? { dataDir: options.dataDir } : { ephemeral: true, identityDir: join(configDir(), 'sandbox') }),
        ...(timeScale ? { timeScale } : {}),
        onLog: (line: string) => debug(`sandbox: ${line}`),
      };
      let sandbox: Awaited<ReturnType<typeof startSandbox>>;
      try {
        sandbox = await startSandbox({ ...sandboxOptions, port });
      } catch (error) {
        const portTaken = isCliError(error) && error.code === 'port_in_use';
        if (!portTaken || this.getOptionValueSource('port') !== 'default') throw error;
        sandbox = await startSandbox({ ...sandboxOptions, port: 0 });
        info(`Port ${DEV_DEFAULT_PORT} is taken, so the sandbox uses another one`);
      }

      const previousProfile = currentSandboxProfile();
      try {
        // Recorded as the `sandbox` profile, so `stamp7 trigger` in another terminal finds this
        // sandbox. The profile it replaced (a `stamp7 sandbox` still running, perhaps) is put back on exit.
        await recordSandboxProfile(sandbox.url, sandbox.apiKey);
        info(`Sandbox running at ${sandbox.url}${options.dataDir ? ` (state in ${options.dataDir})` : ' (state in memory)'}`);
        const client = await createApiClient({ apiBase: sandbox.url, apiKey: sandbox.apiKey });
        const api = createSessionApi(client, { events: flags.events, deviceId: await ensureDeviceId() });
        const exitCode = await runListenCommand(flags, api, () => {
          info('Send a test event from another terminal:  stamp7 trigger voucher_redeemed');
        });
        if (exitCode !== 0) process.exitCode = exitCode;
      } finally {
        await sandbox.close();
        await restoreSandboxProfile(previousProfile, sandbox.url);
      }
    });
}
