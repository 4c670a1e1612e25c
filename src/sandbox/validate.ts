import { isIP } from 'node:net';
import { EVENT_TYPES, isEventType } from '../events/catalog.js';

/** An API error with the status, code and field of the error body in docs/api.md. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** Creates a 400 `invalid_request` error about one field. */
export function invalid(field: string | undefined, message: string): ApiError {
  return new ApiError(400, 'invalid_request', message, field);
}

export function notFound(what: string, id: string): ApiError {
  return new ApiError(404, 'not_found', `no ${what} with id ${id}`);
}

/** Checks that a body is a JSON object with only the allowed fields. */
export function objectBody(body: unknown, allowed: readonly string[]): Record<string, unknown> {
  if (body === undefined) return {};
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw invalid(undefined, 'the request body must be a JSON object');
  const record = body as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!allowed.includes(key)) throw invalid(key, `unknown field "${key}"; allowed fields: ${allowed.join(', ')}`);
  }
  return record;
}

/** Checks that a query string has only the allowed parameters, each given once. */
export function checkQuery(query: URLSearchParams, allowed: readonly string[]): void {
  for (const key of new Set(query.keys())) {
    if (!allowed.includes(key)) {
      throw invalid(key, allowed.length === 0 ? `unknown query parameter "${key}"; this route takes none` : `unknown query parameter "${key}"; allowed: ${allowed.join(', ')}`);
    }
    if (query.getAll(key).length > 1) throw invalid(key, `the query parameter "${key}" is given more than once`);
  }
}

export function optionalString(record: Record<string, unknown>, field: string, maxLength: number): string | undefined {
  const value = record[field];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw invalid(field, `"${field}" must be a string, not ${typeName(value)}`);
  if (value.length > maxLength) throw invalid(field, `"${field}" is longer than ${maxLength} characters`);
  return value;
}

export function optionalBoolean(record: Record<string, unknown>, field: string): boolean | undefined {
  const value = record[field];
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean') throw invalid(field, `"${field}" must be true or false, not ${typeName(value)}`);
  return value;
}

export function optionalInteger(record: Record<string, unknown>, field: string, min: number, max: number): number | undefined {
  const value = record[field];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value)) throw invalid(field, `"${field}" must be an integer, not ${typeName(value)}`);
  if (value < min || value > max) throw invalid(field, `"${field}" must be between ${min} and ${max}, not ${value}`);
  return value;
}

/** Checks an event type list: known names, or `["*"]` for all. Duplicates are removed. */
export function eventTypeList(value: unknown, field: string, options: { allowPing: boolean }): string[] {
  if (!Array.isArray(value)) throw invalid(field, `"${field}" must be a list of event types, or ["*"] for all`);
  if (value.length === 0) throw invalid(field, `"${field}" is empty; list at least one event type, or ["*"] for all`);
  const names: string[] = [];
  for (const item of value) {
    if (typeof item !== 'string') throw invalid(field, `"${field}" must contain strings, not ${typeName(item)}`);
    if (item === '*') {
      if (value.length > 1) throw invalid(field, `"*" already means every event type; do not list others with it`);
    } else if (!isEventType(item) || (!options.allowPing && item === 'ping')) {
      const known = EVENT_TYPES.filter((type) => options.allowPing || type !== 'ping').join(', ');
      throw invalid(field, `unknown event type "${item}" in "${field}"; known types: ${known}`);
    }
    if (!names.includes(item)) names.push(item);
  }
  return names;
}

/** Checks an endpoint URL: `https://`, or `http://` to a loopback host, which only the sandbox allows. */
export function endpointUrl(value: unknown, field = 'url'): string {
  if (typeof value !== 'string') throw invalid(field, `"${field}" must be a string, not ${typeName(value)}`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalid(field, `"${field}" is not a valid URL: ${value.slice(0, 200)}`);
  }
  if (value.length > 2048) throw invalid(field, `"${field}" is longer than 2048 characters`);
  if (url.username !== '' || url.password !== '') throw invalid(field, `"${field}" must not contain a user name or password`);
  if (url.protocol === 'https:') return url.href;
  if (url.protocol === 'http:' && isLoopbackHost(url.hostname)) return url.href;
  if (url.protocol === 'http:') throw invalid(field, `"${field}" must use https; plain http is accepted only for loopback hosts (localhost, 127.0.0.0/8, ::1)`);
  throw invalid(field, `"${field}" must be an https URL, not ${url.protocol.replace(/:$/, '')}`);
}

/** True for `localhost`, `*.localhost`, 127.0.0.0/8 and ::1. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1';
}

export function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
