export {
  ACCESS_KEY_ID_RE,
  type AccessKeySummary,
  AccessKeys,
  type NewAccessKey,
} from './access-keys.js';
export { ensureFirstKey } from './bootstrap.js';
export { type AuthOptions, requireSignatures } from './hooks.js';
export {
  MAX_CLOCK_SKEW_MS,
  MISMATCH_MESSAGE,
  parseAuthorization,
  UNRECOGNIZED_MESSAGE,
} from './parse-authorization.js';
export { MASTER_KEY_FILE_NAME, SecretBox } from './secret-box.js';
export { verifySignature } from './verify-signature.js';
