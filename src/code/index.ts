/**
 * Function code: zip validation and extraction into a content-addressed store,
 * and zipping a folder for `nimbus deploy DIR`.
 */
export { CodeStore } from './code-store.js';
export { LayerMerger } from './merge-layers.js';
export type { CodeLimits, StoredCode } from './types.js';
export { zipDirectory } from './zip-directory.js';
