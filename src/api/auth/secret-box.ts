import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';

/** The master key's file name inside the data dir. */
export const MASTER_KEY_FILE_NAME = 'master.key';

const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** Format tag of a sealed value, so the scheme or key can change later. */
const SEALED_PREFIX = 'v1:';

/**
 * Encrypts access-key secrets at rest with AES-256-GCM under a master key kept
 * in a 0600 file beside the store (created on first use). The additional data
 * binds each ciphertext to its key id, so a sealed secret copied onto another
 * row does not open.
 *
 * @example
 * const box = new SecretBox('/var/lib/nimbus/master.key');
 * const sealed = box.seal(secret, keyId); // store this
 * box.open(sealed, keyId) === secret;
 */
export class SecretBox {
  private key: Buffer | null = null;

  constructor(readonly masterKeyFile: string) {}

  seal(plain: string, aad: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.masterKey(), iv);
    cipher.setAAD(Buffer.from(aad, 'utf8'));
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return SEALED_PREFIX + Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
  }

  /** Throws when the value was not sealed with this master key for this `aad`. */
  open(sealed: string, aad: string): string {
    if (!sealed.startsWith(SEALED_PREFIX)) throw new Error('unknown sealed-secret format');
    const raw = Buffer.from(sealed.slice(SEALED_PREFIX.length), 'base64');
    if (raw.length < IV_BYTES + TAG_BYTES) throw new Error('sealed secret is truncated');
    const decipher = createDecipheriv('aes-256-gcm', this.masterKey(), raw.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(aad, 'utf8'));
    decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    try {
      return Buffer.concat([
        decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)),
        decipher.final(),
      ]).toString('utf8');
    } catch (e) {
      throw new Error(`cannot decrypt an access key secret: wrong ${this.masterKeyFile}?`, {
        cause: e,
      });
    }
  }

  /** HMAC-SHA256 of `label` under the master key: secrets that need no storage. */
  derive(label: string): Buffer {
    return createHmac('sha256', this.masterKey()).update(label, 'utf8').digest();
  }

  private masterKey(): Buffer {
    this.key ??= loadOrCreateMasterKey(this.masterKeyFile);
    return this.key;
  }
}

/**
 * Reads the 32-byte master key (base64 text), creating the file with mode 0600
 * when it does not exist. Refuses a key file that others can read.
 */
export function loadOrCreateMasterKey(file: string): Buffer {
  try {
    const fd = openSync(file, 'wx', 0o600);
    const key = randomBytes(KEY_BYTES);
    try {
      writeSync(fd, `${key.toString('base64')}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    return key;
  } catch (e) {
    // Another process (or an earlier start) created it: read that one.
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  const mode = statSync(file).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    throw new Error(
      `${file} is readable by other users (mode ${mode.toString(8)}); run: chmod 600 ${file}`,
    );
  }
  const key = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
  if (key.length !== KEY_BYTES) {
    throw new Error(`${file} does not hold a ${KEY_BYTES}-byte base64 master key`);
  }
  return key;
}
