import { usageError } from '../errors.js';

/** The port `stamp7 sandbox` listens on when `--port` is not given. */
export const DEFAULT_SANDBOX_PORT = 7370;
export const DEFAULT_SANDBOX_HOST = '127.0.0.1';
/** The largest `--time-scale`: beyond it the shortest retry delay falls under a millisecond. */
export const MAX_TIME_SCALE = 1_000_000;
const API_KEY_PATTERN = /^7loc_sc_[A-Za-z0-9_-]{16,}$/;

/** Checks a port number: 0 (any free port) to 65535. */
export function checkPort(port: number): number {
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw usageError(`invalid port ${port}: expected an integer from 0 to 65535`, 'pass --port 0 to take any free port', 'invalid_port');
  return port;
}

export function checkTimeScale(scale: number): number {
  if (!Number.isFinite(scale) || scale <= 0 || scale > MAX_TIME_SCALE) {
    throw usageError(`invalid time scale ${scale}: expected a number above 0 and at most ${MAX_TIME_SCALE}`, '--time-scale 3600 plays the 24 h retry schedule in 24 s', 'invalid_time_scale');
  }
  return scale;
}

export function checkApiKey(key: string): string {
  if (!API_KEY_PATTERN.test(key)) {
    throw usageError('invalid sandbox API key: expected 7loc_sc_ followed by at least 16 letters, digits, _ or -', 'leave --api-key out to use the key the sandbox generated', 'invalid_api_key');
  }
  return key;
}

export function checkRetention(events: number): number {
  if (!Number.isInteger(events) || events < 1 || events > 10_000_000) throw usageError(`invalid retention ${events}: expected an integer from 1 to 10000000 events`, undefined, 'invalid_retention');
  return events;
}

/** Parses a numeric flag value strictly: the whole text must be a number. */
export function parseNumberFlag(flag: string, text: string): number {
  const value = text.trim() === '' ? Number.NaN : Number(text);
  if (Number.isNaN(value)) throw usageError(`invalid ${flag} "${text}": expected a number`, undefined, 'invalid_number');
  return value;
}
