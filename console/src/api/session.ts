import { SignatureV4 } from '@smithy/signature-v4';
import { WebCryptoSha256 } from './sha256';

/** An access key as typed into the sign-in form. Held in this module only: never stored. */
export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
}

/** The server accepts any well-formed region in the credential scope. */
const REGION = 'us-east-1';

let signer: SignatureV4 | null = null;
let s3Signer: SignatureV4 | null = null;
let keyId: string | null = null;

/** Keeps the key in memory for this tab (a reload signs out). */
export function signIn(creds: Credentials): void {
  const credentials = { accessKeyId: creds.accessKeyId, secretAccessKey: creds.secretAccessKey };
  const common = { credentials, region: REGION, sha256: WebCryptoSha256, applyChecksum: true };
  signer = new SignatureV4({ ...common, service: 'lambda', uriEscapePath: true });
  // S3 (bucket notifications) does not encode path segments twice.
  s3Signer = new SignatureV4({ ...common, service: 's3', uriEscapePath: false });
  keyId = creds.accessKeyId;
}

export function signOut(): void {
  signer = null;
  s3Signer = null;
  keyId = null;
}

/** The signed-in key's id, or null. */
export function signedInAs(): string | null {
  return keyId;
}

/** The signer for the API a request is for (null when not signed in). */
export function currentSigner(service: 'lambda' | 's3' = 'lambda'): SignatureV4 | null {
  return service === 's3' ? s3Signer : signer;
}

/** Whether this page may use WebCrypto (https, or http on localhost / 127.0.0.1). */
export function canSign(): boolean {
  return typeof crypto !== 'undefined' && crypto.subtle !== undefined;
}
