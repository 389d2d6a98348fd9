import { randomBytes } from 'node:crypto';
import type { SignatureV4 } from '@smithy/signature-v4';
import type { Clock } from '../../shared/clock.js';
import { createSigner } from '../../shared/sigv4.js';
import type { AccessKeyRecord, AccessKeyStore } from '../../store/types.js';
import type { SecretBox } from './secret-box.js';

/** What `keys list` shows: never the secret. */
export interface AccessKeySummary {
  accessKeyId: string;
  description: string;
  createdAtMs: number;
  lastUsedAtMs: number | null;
}

/** A key as created: the only time its secret is handed out. */
export interface NewAccessKey extends AccessKeySummary {
  secretAccessKey: string;
}

const ID_PREFIX = 'NIMB';
const ID_RANDOM_CHARS = 16;
/** Base32 (RFC 4648) letters: upper-case and digits, 32 of them so a byte maps without bias. */
const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
/** 30 random bytes are 40 base64 characters, the length of an AWS secret access key. */
const SECRET_BYTES = 30;
/** `last used` is written at most this often per key, to keep writes off the hot path. */
const TOUCH_INTERVAL_MS = 60_000;

/** Access key ids look like AWS ones: 20 upper-case letters and digits. */
export const ACCESS_KEY_ID_RE = /^NIMB[A-Z2-7]{16}$/;

export interface AccessKeysDeps {
  store: AccessKeyStore;
  box: SecretBox;
  clock: Clock;
  /** Cryptographic randomness (tests may inject). */
  randomBytes?: (size: number) => Buffer;
}

/**
 * Access keys for SigV4: creation (secret sealed before it reaches the store),
 * listing, deletion, and the verifier's signer lookup. A signer holding the
 * decrypted secret is cached per key id; deleting a key evicts it, so the key
 * stops working at once.
 */
export class AccessKeys {
  private readonly signers = new Map<string, SignatureV4>();
  private readonly touchedMs = new Map<string, number>();
  /** Bumped on every delete: a lookup that raced a delete does not cache what it read. */
  private deletions = 0;
  private readonly random: (size: number) => Buffer;

  constructor(private readonly deps: AccessKeysDeps) {
    this.random = deps.randomBytes ?? randomBytes;
  }

  async create(description = ''): Promise<NewAccessKey> {
    const accessKeyId = ID_PREFIX + [...this.random(ID_RANDOM_CHARS)].map(base32Char).join('');
    const secretAccessKey = this.random(SECRET_BYTES).toString('base64');
    const rec: AccessKeyRecord = {
      id: accessKeyId,
      description,
      secretSealed: this.deps.box.seal(secretAccessKey, accessKeyId),
      createdAtMs: this.deps.clock.now(),
      lastUsedAtMs: null,
    };
    await this.deps.store.create(rec);
    return { ...summary(rec), secretAccessKey };
  }

  async list(): Promise<AccessKeySummary[]> {
    return (await this.deps.store.list()).map(summary);
  }

  async get(accessKeyId: string): Promise<AccessKeySummary | undefined> {
    const rec = await this.deps.store.get(accessKeyId);
    return rec && summary(rec);
  }

  /** Deletes a key; requests it signs are refused from now on. False when unknown. */
  async delete(accessKeyId: string): Promise<boolean> {
    this.deletions++;
    this.signers.delete(accessKeyId);
    const existed = await this.deps.store.delete(accessKeyId);
    // Evict again: a lookup may have cached the row while the delete ran.
    this.signers.delete(accessKeyId);
    this.touchedMs.delete(accessKeyId);
    return existed;
  }

  count(): Promise<number> {
    return this.deps.store.count();
  }

  /**
   * A SigV4 signer holding a known key's secret, from the cache when possible;
   * undefined for an unknown id. The signer caches derived signing keys per date.
   */
  async signerFor(accessKeyId: string): Promise<SignatureV4 | undefined> {
    const cached = this.signers.get(accessKeyId);
    if (cached !== undefined) return cached;
    if (!ACCESS_KEY_ID_RE.test(accessKeyId)) return undefined;
    for (;;) {
      const before = this.deletions;
      const rec = await this.deps.store.get(accessKeyId);
      if (before !== this.deletions) continue;
      if (!rec) return undefined;
      const secretAccessKey = this.deps.box.open(rec.secretSealed, rec.id);
      // The region is given per request (from the credential scope); this one is unused.
      const signer = createSigner({ accessKeyId: rec.id, secretAccessKey }, 'us-east-1', {
        applyChecksum: false,
      });
      this.signers.set(rec.id, signer);
      return signer;
    }
  }

  /** Records that a key signed a request; written at most once a minute per key. */
  noteUsed(accessKeyId: string): void {
    const now = this.deps.clock.now();
    const last = this.touchedMs.get(accessKeyId);
    if (last !== undefined && now - last < TOUCH_INTERVAL_MS) return;
    this.touchedMs.set(accessKeyId, now);
    this.deps.store.touch(accessKeyId, now).catch((e: unknown) => {
      console.error(`nimbus: could not record the use of access key ${accessKeyId}:`, e);
    });
  }
}

function base32Char(byte: number): string {
  // 32 letters: the low five bits pick one uniformly.
  return ID_ALPHABET[byte & 31]!;
}

function summary(rec: AccessKeyRecord): AccessKeySummary {
  return {
    accessKeyId: rec.id,
    description: rec.description,
    createdAtMs: rec.createdAtMs,
    lastUsedAtMs: rec.lastUsedAtMs,
  };
}
