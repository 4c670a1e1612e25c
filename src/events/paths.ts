import { editDistance } from './catalog.js';

/**
 * Dotted paths into a JSON value: `voucher.status`, `voucher.redeem_code_formats.0`.
 * A numeric segment indexes an array, and on an object it is an ordinary key.
 */
export type JsonObject = Record<string, unknown>;

export function splitPath(path: string): string[] {
  return path.split('.');
}

function isContainer(value: unknown): value is JsonObject | unknown[] {
  return value !== null && typeof value === 'object';
}

function hasSegment(container: JsonObject | unknown[], segment: string): boolean {
  if (Array.isArray(container)) return /^\d+$/.test(segment) && Number(segment) < container.length;
  return Object.hasOwn(container, segment);
}

/** True when every segment of the path exists in the value. */
export function hasPath(root: unknown, path: string): boolean {
  let current = root;
  for (const segment of splitPath(path)) {
    if (!isContainer(current) || !hasSegment(current, segment)) return false;
    current = (current as JsonObject)[segment];
  }
  return true;
}

/**
 * Sets a value at a path. Missing objects on the way are created, and a numeric segment
 * of an array may append one element (index = length). Throws a plain Error naming the
 * segment when the path crosses a value that is not an object or array.
 */
export function setPath(root: JsonObject, path: string, value: unknown): void {
  const segments = splitPath(path);
  // Assigning through "__proto__" would change Object.prototype or the event's prototype, never a field.
  if (segments.includes('__proto__')) throw new Error('"__proto__" cannot be a field name');
  let current: JsonObject | unknown[] = root;
  for (const [position, segment] of segments.entries()) {
    const last = position === segments.length - 1;
    if (Array.isArray(current) && !(/^\d+$/.test(segment) && Number(segment) <= current.length)) {
      throw new Error(`"${segments.slice(0, position).join('.')}" is an array of ${current.length}, so "${segment}" is not a valid index`);
    }
    if (last) {
      (current as JsonObject)[segment] = value;
      return;
    }
    // Only own fields count: an inherited one such as "constructor" is not part of the event.
    let next: unknown = Object.hasOwn(current, segment) ? (current as JsonObject)[segment] : undefined;
    if (next === undefined) {
      next = {};
      (current as JsonObject)[segment] = next;
    }
    if (!isContainer(next)) {
      throw new Error(`"${segments.slice(0, position + 1).join('.')}" is ${JSON.stringify(next)}, not an object, so it has no "${segments[position + 1]}"`);
    }
    current = next;
  }
}

/** Removes the value at a path and splices array elements out, so no hole remains. Returns false when the path does not exist. */
export function unsetPath(root: JsonObject, path: string): boolean {
  if (!hasPath(root, path)) return false;
  const segments = splitPath(path);
  const last = segments.pop()!;
  let parent: unknown = root;
  for (const segment of segments) parent = (parent as JsonObject)[segment];
  if (Array.isArray(parent)) parent.splice(Number(last), 1);
  else delete (parent as JsonObject)[last];
  return true;
}

/** Lists every path in a value, objects and arrays included, depth first. */
export function listPaths(root: unknown, prefix = ''): string[] {
  if (!isContainer(root)) return [];
  const paths: string[] = [];
  const entries = Array.isArray(root) ? root.map((item, index) => [String(index), item] as const) : Object.entries(root);
  for (const [key, value] of entries) {
    const path = prefix === '' ? key : `${prefix}.${key}`;
    paths.push(path, ...listPaths(value, path));
  }
  return paths;
}

const MAX_COMPARED_PATH_LENGTH = 200;

/**
 * Returns the existing paths closest to a path that does not exist: first the children of
 * its deepest existing parent, then the rest by edit distance.
 */
export function nearestPaths(root: unknown, path: string, limit = 6): string[] {
  const all = listPaths(root);
  // The edit distance costs length times length, so a megabyte-long path would block for seconds; its start is enough to rank.
  path = path.slice(0, MAX_COMPARED_PATH_LENGTH);
  const segments = splitPath(path);
  let parent = '';
  for (let length = segments.length - 1; length > 0; length--) {
    const candidate = segments.slice(0, length).join('.');
    if (hasPath(root, candidate)) {
      parent = candidate;
      break;
    }
  }
  const score = (candidate: string): number => {
    const sameParent = parent !== '' && candidate.startsWith(`${parent}.`) && !candidate.slice(parent.length + 1).includes('.');
    return editDistance(path, candidate) - (sameParent ? 100 : 0);
  };
  return all
    .map((candidate) => ({ candidate, score: score(candidate) }))
    .sort((a, b) => a.score - b.score || a.candidate.localeCompare(b.candidate))
    .slice(0, limit)
    .map((entry) => entry.candidate);
}
