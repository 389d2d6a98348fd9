import { randomBytes } from 'node:crypto';
import { lambdaTimestamp } from '../shared/arn.js';
import type { Clock } from '../shared/clock.js';
import { fail } from '../shared/error-codes.js';
import type { FunctionUrlCors, FunctionUrlRecord, GatewayStore } from '../store/types.js';

const ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';
const ID_CHARS = 32;

/** The host label of a function URL (`<id>.lambda-url.<host>`). */
export const URL_ID_RE = /^[a-z2-7]{32}$/;

export interface UrlSettings {
  authType: 'NONE' | 'AWS_IAM';
  cors: FunctionUrlCors | null;
  invokeMode: 'BUFFERED' | 'RESPONSE_STREAM';
}

const key = (functionName: string, qualifier: string | null) =>
  `${functionName}:${qualifier ?? ''}`;

/**
 * Lambda function URLs: one per function + qualifier, each with a random id that names it
 * in the Host header (`<id>.lambda-url.<host>`) or the path form (`/_nimbus/url/<id>/...`).
 * Served from memory; every change writes the store first.
 */
export class FunctionUrls {
  private byId = new Map<string, FunctionUrlRecord>();
  private byTarget = new Map<string, FunctionUrlRecord>();

  constructor(
    private readonly deps: {
      store: GatewayStore;
      clock: Clock;
      /** The URL clients use: `http://<id>.lambda-url.<host>:<port>/`. */
      urlOf(urlId: string): string;
    },
  ) {}

  async load(): Promise<void> {
    const all = await this.deps.store.listUrls();
    this.byId = new Map(all.map((u) => [u.urlId, u]));
    this.byTarget = new Map(all.map((u) => [key(u.functionName, u.qualifier), u]));
  }

  urlOf(rec: FunctionUrlRecord): string {
    return this.deps.urlOf(rec.urlId);
  }

  lookup(urlId: string): FunctionUrlRecord | undefined {
    return this.byId.get(urlId);
  }

  get(functionName: string, qualifier: string | null): FunctionUrlRecord | undefined {
    return this.byTarget.get(key(functionName, qualifier));
  }

  list(functionName: string): FunctionUrlRecord[] {
    return [...this.byTarget.values()].filter((u) => u.functionName === functionName);
  }

  async create(
    functionName: string,
    qualifier: string | null,
    s: UrlSettings,
  ): Promise<FunctionUrlRecord> {
    const now = lambdaTimestamp(this.deps.clock.now());
    const rec: FunctionUrlRecord = {
      urlId: newUrlId(),
      functionName,
      qualifier,
      ...s,
      creationTime: now,
      lastModifiedTime: now,
    };
    await this.deps.store.createUrl(rec);
    await this.load();
    return rec;
  }

  async update(
    functionName: string,
    qualifier: string | null,
    patch: Partial<UrlSettings>,
  ): Promise<FunctionUrlRecord> {
    const cur = this.get(functionName, qualifier);
    if (!cur) throw notFound(functionName, qualifier);
    const rec: FunctionUrlRecord = {
      ...cur,
      ...Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)),
      lastModifiedTime: lambdaTimestamp(this.deps.clock.now()),
    };
    await this.deps.store.updateUrl(rec);
    await this.load();
    return rec;
  }

  async delete(functionName: string, qualifier: string | null): Promise<void> {
    if (!(await this.deps.store.deleteUrl(functionName, qualifier))) {
      throw notFound(functionName, qualifier);
    }
    await this.load();
  }

  /** The function is gone: so are its URLs (as on Lambda). */
  async forgetFunction(functionName: string): Promise<void> {
    await this.deps.store.deleteUrlsFor(functionName);
    await this.load();
  }
}

export function notFound(functionName: string, qualifier: string | null): Error {
  return fail(
    'ResourceNotFoundException',
    `The resource you requested does not exist. (function url config for ${functionName}${qualifier ? `:${qualifier}` : ''})`,
  );
}

function newUrlId(): string {
  return [...randomBytes(ID_CHARS)].map((b) => ID_ALPHABET[b & 31]).join('');
}
