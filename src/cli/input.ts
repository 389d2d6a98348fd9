import { readFile } from 'node:fs/promises';
import { CliError } from './errors.js';

/** Everything on stdin, up to its end. */
export async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

/**
 * A whole file, or stdin for `-`; a missing or unreadable file is a CliError.
 * @example await readInput('-') // what was piped in
 */
export async function readInput(file: string): Promise<Buffer> {
  if (file === '-') return readStdin();
  return readFile(file).catch((e: NodeJS.ErrnoException) => {
    throw new CliError(`cannot read ${file}: ${e.code === 'ENOENT' ? 'no such file' : e.message}`);
  });
}
