// Loaded by a prewarmed sandbox before its assignment (pooled.mjs), through the same code
// path as a function's CommonJS handler, so that path is compiled ahead of the cold start.
exports.handler = () => undefined;
