// Rewrites the generated metrics reference in docs/metrics.md from src/metrics/definitions.ts:
//   node --import tsx scripts/metrics-docs.ts
// test/metrics/reference.test.ts fails when the file and the definitions disagree.
import { readFileSync, writeFileSync } from 'node:fs';
import { withReference } from '../src/metrics/reference.js';

const file = new URL('../docs/metrics.md', import.meta.url);
writeFileSync(file, withReference(readFileSync(file, 'utf8')));
