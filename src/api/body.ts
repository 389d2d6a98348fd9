import type { FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { fail } from '../shared/error-codes.js';

/**
 * Parses a JSON request body (delivered raw as a Buffer) against a schema.
 * Malformed JSON is Lambda's InvalidRequestContentException.
 */
export function jsonBody<T extends z.ZodType>(req: FastifyRequest, schema: T): z.infer<T> {
  const raw = req.body;
  let value: unknown = {};
  if (Buffer.isBuffer(raw) && raw.length > 0) {
    try {
      value = JSON.parse(raw.toString('utf8'));
    } catch (e) {
      throw fail(
        'InvalidRequestContentException',
        `Could not parse request body into json: ${(e as Error).message}`,
      );
    }
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw fail('InvalidRequestContentException', 'The request body must be a JSON object');
  }
  return schema.parse(value);
}

/** Decodes a base64 field strictly (Node's decoder silently skips junk). */
export function base64Field(value: string, field: string): Buffer {
  const clean = value.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(clean) || clean.length % 4 === 1) {
    throw fail('InvalidParameterValueException', `${field} is not valid base64`);
  }
  return Buffer.from(clean, 'base64');
}
