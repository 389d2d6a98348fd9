import { randomBytes, randomUUID } from 'node:crypto';

/** Id generation is injected where tests need determinism. */
export interface IdGenerator {
  /** A request / revision id in Lambda's UUID form. */
  uuid(): string;
  /** A short random hex id (instances, log streams). */
  hex(bytes: number): string;
}

export const randomIds: IdGenerator = {
  uuid: () => randomUUID(),
  hex: (bytes) => randomBytes(bytes).toString('hex'),
};
