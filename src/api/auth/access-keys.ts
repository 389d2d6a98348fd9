import { randomBytes } from 'node:crypto';
import type { SignatureV4 } from '@smithy/signature-v4';
import type { Clock } from '../../shared/clock.js';
import { createSigner, type SigningService } from '../../shared/sigv4.js';
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

/**
 * A function's own key (in its sandbox's AWS_ACCESS_KEY_ID): derived from the
 * master key and the function's name, never stored, so it needs no row and
 * survives restarts. Its secret is an HMAC of the id under the master key.
 */
const FUNCTION_KEY_PREFIX = 'NIMF';
const FUNCTION_KEY_ID_RE = /^NIMF[A-Z2-7]{16}$/;

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
    this.signers.delete(`sqs:${accessKeyId}`);
    this.signers.delete(`s3:${accessKeyId}`);
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
  async signerFor(
    accessKeyId: string,
    service: SigningService = 'lambda',
  ): Promise<SignatureV4 | undefined> {
    if (service !== 'lambda') {
      // Other services sign with another scope and path rule: one signer per service.
      const key = `${service}:${accessKeyId}`;
      const hit = this.signers.get(key);
      if (hit !== undefined) return hit;
      const secretAccessKey = await this.secretOf(accessKeyId);
      if (secretAccessKey === undefined) return undefined;
      const signer = createSigner({ accessKeyId, secretAccessKey }, 'us-east-1', {
        applyChecksum: false,
        service,
      });
      this.signers.set(key, signer);
      return signer;
    }
    const cached = this.signers.get(accessKeyId);
    if (cached !== undefined) return cached;
    if (FUNCTION_KEY_ID_RE.test(accessKeyId)) {
      const secretAccessKey = this.functionSecret(accessKeyId);
      const signer = createSigner({ accessKeyId, secretAccessKey }, 'us-east-1', {
        applyChecksum: false,
      });
      this.signers.set(accessKeyId, signer);
      return signer;
    }
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

  /**
   * The credentials a function's sandbox gets, so the AWS SDK inside it can call
   * Nimbus's own endpoint: the same for every instance of the function.
   */
  functionCredentials(functionName: string): { accessKeyId: string; secretAccessKey: string } {
    const digest = this.deps.box.derive(`function-key-id:${functionName}`);
    const accessKeyId =
      FUNCTION_KEY_PREFIX + [...digest.subarray(0, ID_RANDOM_CHARS)].map(base32Char).join('');
    return { accessKeyId, secretAccessKey: this.functionSecret(accessKeyId) };
  }

  private functionSecret(accessKeyId: string): string {
    return this.deps.box
      .derive(`function-key-secret:${accessKeyId}`)
      .subarray(0, SECRET_BYTES)
      .toString('base64');
  }

  /** A key's secret: derived for a function key, else opened from the store. */
  private async secretOf(accessKeyId: string): Promise<string | undefined> {
    if (FUNCTION_KEY_ID_RE.test(accessKeyId)) return this.functionSecret(accessKeyId);
    if (!ACCESS_KEY_ID_RE.test(accessKeyId)) return undefined;
    const rec = await this.deps.store.get(accessKeyId);
    return rec ? this.deps.box.open(rec.secretSealed, rec.id) : undefined;
  }

  /** Records that a key signed a request; written at most once a minute per key. */
  noteUsed(accessKeyId: string): void {
    if (FUNCTION_KEY_ID_RE.test(accessKeyId)) return;
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
