import { invalid } from './validate.js';

export const DEFAULT_PAGE_LIMIT = 20;
export const MAX_PAGE_LIMIT = 100;

/** Reads `limit` and `cursor` from a query; the cursor is the opaque position of the last record returned. */
export function readPage(query: URLSearchParams): { limit: number; beforeSeq: number } {
  let limit = DEFAULT_PAGE_LIMIT;
  const limitText = query.get('limit');
  if (limitText !== null) {
    if (!/^\d+$/.test(limitText) || Number(limitText) < 1 || Number(limitText) > MAX_PAGE_LIMIT) {
      throw invalid('limit', `"limit" must be an integer from 1 to ${MAX_PAGE_LIMIT}, not "${limitText.slice(0, 40)}"`);
    }
    limit = Number(limitText);
  }

  let beforeSeq = Number.MAX_SAFE_INTEGER;
  const cursor = query.get('cursor');
  if (cursor !== null) {
    const decoded = Buffer.from(cursor, 'base64url').toString('utf8');
    const match = /^s(\d{1,15})$/.exec(decoded);
    if (match === null) throw invalid('cursor', 'the cursor is not one this API returned; pass next_cursor from the previous page');
    beforeSeq = Number(match[1]);
  }
  return { limit, beforeSeq };
}

/** Builds a list response from a page of records. */
export function pageAnswer<T extends { seq: number }>(page: { items: T[]; hasMore: boolean }, view: (item: T) => unknown): Record<string, unknown> {
  const last = page.items.at(-1);
  return {
    data: page.items.map(view),
    has_more: page.hasMore,
    next_cursor: page.hasMore && last !== undefined ? Buffer.from(`s${last.seq}`, 'utf8').toString('base64url') : null,
  };
}
