import { Option, type Command } from 'commander';
import { warn } from '../output/context.js';

interface SandboxFlags {
  port?: string;
  host?: string;
  dataDir?: string;
  apiKey?: string;
  timeScale?: string;
  ephemeral?: boolean;
  retention?: string;
  testHooks?: boolean;
}

export function register(program: Command): void {
  program
    .command('sandbox')
    .description('run a local 7stamp platform: the API, deliveries with retries, and the listen relay')
    .option('--port <port>', 'port to listen on; 0 takes any free port (default: 7370)')
    .option('--host <host>', 'address to bind; anything but loopback exposes the sandbox to your network (default: 127.0.0.1)')
    .option('--data-dir <dir>', 'folder for the journal and the generated API key (default: <config dir>/sandbox)')
    .option('--api-key <key>', 'use this 7loc_sc_ key instead of the generated one; it is not stored')
    .option('--time-scale <n>', 'run the retry clock N times faster: 3600 plays the 24 h schedule in 24 s (default: 1)')
    .option('--ephemeral', 'keep all state in memory; nothing is written to the data folder')
    .option('--retention <events>', 'events to keep; the oldest are dropped with their deliveries (default: 10000)')
    .addOption(new Option('--test-hooks', 'serve the /v1/_test routes that tests use').hideHelp())
    .addHelpText(
      'after',
      `
The sandbox records itself as the profile "sandbox", so other commands reach it with
--profile sandbox. docs/sandbox.md describes its state, limits and test hooks.

Examples:
  stamp7 sandbox
  stamp7 sandbox --ephemeral --port 0 --time-scale 3600`,
    )
    .action(async (flags: SandboxFlags) => {
      const checks = await import('../sandbox/options.js');
      const port = flags.port === undefined ? undefined : checks.checkPort(checks.parseNumberFlag('--port', flags.port));
      const timeScale = flags.timeScale === undefined ? undefined : checks.checkTimeScale(checks.parseNumberFlag('--time-scale', flags.timeScale));
      const retentionEvents = flags.retention === undefined ? undefined : checks.checkRetention(checks.parseNumberFlag('--retention', flags.retention));
      const apiKey = flags.apiKey === undefined ? undefined : checks.checkApiKey(flags.apiKey);
      const host = flags.host ?? checks.DEFAULT_SANDBOX_HOST;
      if (!isLoopbackAddress(host)) warn(`binding ${host} makes the sandbox reachable from other machines; its API key is the only protection`);

      const [{ startSandbox }, { recordSandboxProfile }, context, { err }] = await Promise.all([
        import('../sandbox/index.js'),
        import('../sandbox/profile.js'),
        import('../output/context.js'),
        import('../output/color.js'),
      ]);
      const { json, quiet } = context.globalOptions();
      const testHooks = flags.testHooks === true || process.env.STAMP7_SANDBOX_TEST_HOOKS === '1';
      const sandbox = await startSandbox({
        port,
        host,
        dataDir: flags.dataDir,
        ephemeral: flags.ephemeral === true,
        apiKey,
        timeScale,
        retentionEvents,
        testHooks,
        logAttempts: !quiet,
        onLog: (line, level) => {
          if (!quiet || level === 'error') process.stderr.write(`${line}\n`);
        },
      });

      const stopped = waitForStopSignal();
      let madeActive: boolean;
      try {
        madeActive = await recordSandboxProfile(sandbox.url, sandbox.apiKey);
      } catch (error) {
        await sandbox.close();
        stopped.dispose();
        throw error;
      }
      if (testHooks) warn('test hooks are on: POST /v1/_test/drop_listen_connections cuts every listen connection, POST /v1/_test/expire_listen_tokens expires every listen token');
      if (json) {
        context.printJson({ type: 'ready', url: sandbox.url, api_key: sandbox.apiKey, profile: 'sandbox', data_dir: sandbox.dataDir ?? null, time_scale: timeScale ?? 1 });
      } else {
        // The full key is printed on purpose: it only opens this local sandbox, and the user needs it.
        context.printLine(`${err().bold('7stamp sandbox')} running at ${sandbox.url}`);
        context.printLine(`  API key   ${sandbox.apiKey}`);
        context.printLine(`  profile   sandbox${madeActive ? ' (active)' : ' (use --profile sandbox)'}`);
        context.printLine(`  state     ${sandbox.dataDir ?? 'in memory (--ephemeral)'}`);
        if (timeScale !== undefined && timeScale !== 1) context.printLine(`  clock     ${timeScale}x faster`);
        context.info('press Ctrl-C to stop');
      }

      const signal = await stopped.signal;
      context.info(`received ${signal}, stopping`);
      await sandbox.close();
      if (json) context.printJson({ type: 'stopped', signal });
      stopped.dispose();
    });
}

/**
 * Resolves with the first SIGINT or SIGTERM. The handlers stay until `dispose()`, because
 * `conf` (through `atomically` and `when-exit`) re-sends the first signal to the process
 * once it has seen it, and with no handler left that copy would kill the sandbox mid-flush.
 * Later signals are ignored, so shutdown (bounded to a few seconds) always completes.
 */
function waitForStopSignal(): { signal: Promise<NodeJS.Signals>; dispose(): void } {
  let onSignal: (signal: NodeJS.Signals) => void = () => undefined;
  const signal = new Promise<NodeJS.Signals>((resolve) => {
    onSignal = (received) => resolve(received);
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
  return {
    signal,
    dispose() {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

function isLoopbackAddress(host: string): boolean {
  return host === 'localhost' || host.startsWith('127.') || host === '::1' || host === '[::1]';
}
