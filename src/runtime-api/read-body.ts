import type { IncomingMessage } from 'node:http';

/**
 * Reads a request body up to `limitBytes`. Resolves `null` when the body is
 * larger (the rest is drained and discarded so the connection stays usable).
 */
export function readBody(req: IncomingMessage, limitBytes: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (chunk: Buffer) => {
      if (over) return;
      size += chunk.length;
      if (size > limitBytes) {
        over = true;
        chunks.length = 0;
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () =>
      resolve(over ? null : chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)),
    );
    req.on('error', reject);
    req.on('aborted', () => reject(new Error('runtime aborted the request')));
  });
}
