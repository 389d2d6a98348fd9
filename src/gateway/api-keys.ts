import { createHash, randomBytes } from 'node:crypto';
import type { Clock } from '../shared/clock.js';
import type { IdGenerator } from '../shared/ids.js';
import type { GatewayStore, HttpApiKeyRecord } from '../store/types.js';

/** What `http keys ls` shows: never the key, which only its creator saw. */
export interface ApiKeySummary {
  id: string;
  description: string;
  createdAtMs: number;
}

const KEY_PREFIX = 'nk_';
const KEY_BYTES = 24;

function hashOf(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/**
 * API keys for `x-api-key` routes. Only a key's SHA-256 is stored; lookups are served from
 * memory, refreshed on every change, so the hot path never reads the store.
 */
export class ApiKeys {
  private byHash = new Map<string, HttpApiKeyRecord>();

  constructor(private readonly deps: { store: GatewayStore; clock: Clock; ids: IdGenerator }) {}

  async load(): Promise<void> {
    const all = await this.deps.store.listApiKeys();
    this.byHash = new Map(all.map((k) => [k.keyHash, k]));
  }

  /** Creates a key; the answer is the only place its value ever appears. */
  async create(description: string): Promise<ApiKeySummary & { key: string }> {
    const key = KEY_PREFIX + randomBytes(KEY_BYTES).toString('base64url');
    const rec: HttpApiKeyRecord = {
      id: `key-${this.deps.ids.hex(6)}`,
      description,
      keyHash: hashOf(key),
      createdAtMs: this.deps.clock.now(),
    };
    await this.deps.store.createApiKey(rec);
    await this.load();
    return { id: rec.id, description, createdAtMs: rec.createdAtMs, key };
  }

  async list(): Promise<ApiKeySummary[]> {
    return (await this.deps.store.listApiKeys()).map(({ id, description, createdAtMs }) => ({
      id,
      description,
      createdAtMs,
    }));
  }

  async delete(id: string): Promise<boolean> {
    const existed = await this.deps.store.deleteApiKey(id);
    await this.load();
    return existed;
  }

  /** The key's id when `key` is a known key. */
  check(key: string | undefined): string | undefined {
    if (!key) return undefined;
    return this.byHash.get(hashOf(key))?.id;
  }
}
