import { invalidParameter, missingParameter, type SqsError, sqsError } from '../errors.js';

/** Which wire protocol a request came in. */
export type SqsProtocol = 'json' | 'query';

/**
 * Typed access to a request's parameters in the JSON protocol's shape. JSON
 * requests must carry real types (SerializationException otherwise, as SQS);
 * query requests carry strings, parsed here (InvalidParameterValue when bad).
 */
export class Params {
  constructor(
    private readonly p: Record<string, unknown>,
    readonly protocol: SqsProtocol,
  ) {}

  has(name: string): boolean {
    return this.p[name] !== undefined && this.p[name] !== null;
  }

  /** The raw value (for shapes checked elsewhere, like message attributes). */
  raw(name: string): unknown {
    return this.p[name] ?? undefined;
  }

  string(name: string): string | undefined {
    const v = this.p[name];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string') throw this.typeError(name, 'a string');
    return v;
  }

  requiredString(name: string): string {
    const v = this.string(name);
    if (v === undefined || v === '') throw missingParameter(name);
    return v;
  }

  int(name: string): number | undefined {
    const v = this.p[name];
    if (v === undefined || v === null) return undefined;
    if (this.protocol === 'json') {
      if (typeof v !== 'number' || !Number.isInteger(v)) throw this.typeError(name, 'an integer');
      return v;
    }
    if (typeof v !== 'string' || !/^[+-]?\d{1,10}$/.test(v.trim())) {
      throw invalidParameter(name, v, 'Must be an integer.');
    }
    return Number(v);
  }

  /** A string → string map (attributes, tags). */
  stringMap(name: string): Record<string, string> {
    const v = this.p[name];
    if (v === undefined || v === null) return {};
    if (typeof v !== 'object' || Array.isArray(v)) throw this.typeError(name, 'a map');
    // Prototype-less, so a key named `__proto__` stays a key.
    const out = Object.create(null) as Record<string, string>;
    for (const [k, val] of Object.entries(v)) {
      if (typeof val !== 'string') throw this.typeError(`${name}.${k}`, 'a string');
      out[k] = val;
    }
    return out;
  }

  stringList(name: string): string[] {
    const v = this.p[name];
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v) || v.some((s) => typeof s !== 'string')) {
      throw this.typeError(name, 'a list of strings');
    }
    return v as string[];
  }

  /** A list of structures (batch entries), each read with the same rules. */
  structList(name: string): Params[] {
    const v = this.p[name];
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v)) throw this.typeError(name, 'a list');
    return v.map((item, i) => {
      if (item === null || typeof item !== 'object' || Array.isArray(item)) {
        throw this.typeError(`${name}.${i + 1}`, 'a structure');
      }
      return new Params(item as Record<string, unknown>, this.protocol); // Checked just above.
    });
  }

  private typeError(name: string, what: string): SqsError {
    return this.protocol === 'json'
      ? sqsError('SerializationException', `Value for ${name} must be ${what}.`)
      : invalidParameter(name, '(given)', `Must be ${what}.`);
  }
}
