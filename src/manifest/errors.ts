import type { ManifestIssue } from './types.js';

/** `file:line:column: message`, or `file: message` when the position is unknown. */
export function formatIssue(i: ManifestIssue): string {
  return i.line > 0 ? `${i.file}:${i.line}:${i.column}: ${i.message}` : `${i.file}: ${i.message}`;
}

/** A manifest that cannot be used: every problem found, each with where it is. */
export class ManifestError extends Error {
  readonly issues: ManifestIssue[];

  constructor(issues: ManifestIssue[]) {
    super(issues.map(formatIssue).join('\n'));
    this.name = 'ManifestError';
    this.issues = issues;
  }
}
