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
let keyId: string | null = null;

/** Keeps the key in memory for this tab (a reload signs out). */
export function signIn(creds: Credentials): void {
  signer = new SignatureV4({
    credentials: { accessKeyId: creds.accessKeyId, secretAccessKey: creds.secretAccessKey },
    region: REGION,
    service: 'lambda',
    sha256: WebCryptoSha256,
    uriEscapePath: true,
    applyChecksum: true,
  });
  keyId = creds.accessKeyId;
}

export function signOut(): void {
  signer = null;
  keyId = null;
}

/** The signed-in key's id, or null. */
export function signedInAs(): string | null {
  return keyId;
}

export function currentSigner(): SignatureV4 | null {
  return signer;
}

/** Whether this page may use WebCrypto (https, or http on localhost / 127.0.0.1). */
export function canSign(): boolean {
  return typeof crypto !== 'undefined' && crypto.subtle !== undefined;
}
