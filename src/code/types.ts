/** Size limits a code zip must respect; `ServerConfig` carries the configured values. */
export interface CodeLimits {
  /** Largest accepted zip, in bytes (Lambda: 52428800). */
  maxZipBytes: number;
  /** Largest accepted sum of uncompressed entry sizes, in bytes (Lambda: 262144000). */
  maxUnzippedBytes: number;
  /** Most entries (files, folders, symlinks) a zip may hold. */
  maxZipEntries: number;
}

/** A zip that passed validation and, once stored, its extracted tree. */
export interface StoredCode {
  /** Base64 sha256 of the zip bytes: what Lambda reports as `CodeSha256`. */
  codeSha256: string;
  /** Hex sha256 of the zip bytes: the content address in the store. */
  hexSha: string;
  /** Size of the zip itself. */
  codeSizeBytes: number;
  /** Sum of the uncompressed sizes of every entry. */
  unzippedBytes: number;
  /** Absolute path of the extracted tree. */
  dir: string;
}
