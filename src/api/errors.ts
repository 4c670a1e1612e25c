import { CliError, ExitCode, type ExitCodeValue } from '../errors.js';

/** The error body every API error carries, as docs/api.md defines it. */
export interface ApiErrorBody {
  code?: string;
  message?: string;
  field?: string;
}

/** The facts about a failed call that its error message names. */
export interface FailedCall {
  method: string;
  path: string;
  status: number;
  body: ApiErrorBody | undefined;
  /** The origin of the key, such as `profile "work"` or `STAMP7_API_KEY`. */
  keySource: string;
  /** The command that logs this profile in again. */
  loginCommand: string;
}

const ID_NOUNS: Record<string, string> = {
  we: 'webhook endpoint',
  evt: 'event',
  dlv: 'delivery',
  att: 'attempt',
  ls: 'listen session',
  acct: 'account',
};

const LIST_COMMANDS: Record<string, string> = {
  we: 'stamp7 endpoints list',
  evt: 'stamp7 events list',
  dlv: 'stamp7 deliveries list',
};

/** Finds the last id in an API path, such as `we_123` in `/v1/webhook_endpoints/we_123/ping`. */
export function idInPath(path: string): { id: string; noun: string; prefix: string } | undefined {
  const segments = path.split('?')[0]!.split('/').reverse();
  for (const segment of segments) {
    const prefix = /^([a-z]+)_/.exec(segment)?.[1];
    if (prefix !== undefined && ID_NOUNS[prefix] !== undefined) {
      return { id: decodeURIComponent(segment), noun: ID_NOUNS[prefix]!, prefix };
    }
  }
  return undefined;
}

/** Translates an API error response into a CliError with a next step and a documented exit code. */
export function translateApiError(call: FailedCall): CliError {
  const detail = call.body?.message ? `: ${call.body.message}` : '';
  const apiCode = call.body?.code;
  const make = (message: string, exitCode: ExitCodeValue, code: string, hint?: string): CliError =>
    new CliError(message, { exitCode, code, hint });

  switch (call.status) {
    case 401:
      return make(`the API rejected the API key from ${call.keySource} as wrong or revoked${detail}`, ExitCode.auth, 'unauthorized',
        `create a key in the admin app (Stamp Cards -> API & Integrations), then run ${call.loginCommand}`);
    case 403:
      return make(`the API key from ${call.keySource} may not ${call.method} ${call.path}${detail}`, ExitCode.auth, 'forbidden',
        'ask an admin of the account for a key with this permission, then log in with it');
    case 404:
      return notFound(call, detail);
    case 409:
      return make(`the request conflicts with the current state (${call.method} ${call.path})${detail}`, ExitCode.api, 'conflict',
        'check the current state, for example with a show or list command, then try again');
    case 400:
    case 422:
      return invalidRequest(call, detail);
    case 413:
      return make(`the request body is larger than the API accepts (${call.method} ${call.path})${detail}`, ExitCode.usage, 'payload_too_large',
        'send a smaller body; the API accepts at most 1 MiB');
    case 429:
      return make(`the API is rate limiting this key and kept refusing ${call.method} ${call.path}${detail}`, ExitCode.api, 'rate_limited',
        'wait a minute and try again');
    default:
      break;
  }

  if (call.status >= 500) {
    return make(`the API failed with HTTP ${call.status} on ${call.method} ${call.path}${detail}`, ExitCode.api, apiCode ?? 'server_error',
      'this is a fault on the platform side; try again in a moment');
  }
  return make(`the API returned HTTP ${call.status} to ${call.method} ${call.path}${detail}`, ExitCode.api, apiCode ?? 'api_error');
}

function notFound(call: FailedCall, detail: string): CliError {
  const target = idInPath(call.path);
  if (target === undefined) {
    return new CliError(`the API has no route ${call.method} ${call.path}${detail}`, {
      exitCode: ExitCode.notFound,
      code: 'not_found',
      hint: 'check the API base (--api-base or STAMP7_API_BASE): it must point at a 7stamp API',
    });
  }
  const listCommand = LIST_COMMANDS[target.prefix];
  return new CliError(`${target.noun} ${target.id} not found on this account`, {
    exitCode: ExitCode.notFound,
    code: 'not_found',
    hint: listCommand ? `list the existing ids with ${listCommand}` : undefined,
  });
}

function invalidRequest(call: FailedCall, detail: string): CliError {
  const field = call.body?.field;
  const message = field
    ? `the API rejected the value of "${field}"${detail}`
    : `the API rejected the request ${call.method} ${call.path}${detail}`;
  return new CliError(message, {
    exitCode: ExitCode.usage,
    code: call.body?.code ?? 'invalid_request',
    hint: field ? `fix ${field} and try again` : undefined,
  });
}
