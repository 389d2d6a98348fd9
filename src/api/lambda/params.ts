import type { FastifyRequest } from 'fastify';
import { fail } from '../../shared/error-codes.js';

/** Route generics shared by the per-function Lambda routes. */
export type NameParams = {
  Params: { name: string };
  Querystring: Record<string, string | undefined>;
};

/** `MaxItems` → a page size (Lambda caps real pages at 50). */
export function maxItems(raw: string | undefined, cap = 50): number {
  if (raw === undefined) return cap;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 10000) {
    throw fail(
      'ValidationException',
      `1 validation error detected: Value '${raw}' at 'maxItems' failed to satisfy constraint: Member must have value between 1 and 10000`,
    );
  }
  return Math.min(n, cap);
}

/** Adds `NextMarker` only when there is a next page. */
export function withMarker<T extends object>(
  body: T,
  nextMarker: string | undefined,
): T & { NextMarker?: string } {
  return nextMarker ? { ...body, NextMarker: nextMarker } : body;
}

/** Base URL of this server as the client reached it (for code download links). */
export function selfUrl(req: FastifyRequest): string {
  return `${req.protocol}://${req.headers.host ?? 'localhost'}`;
}
