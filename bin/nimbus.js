#!/usr/bin/env node
// Entry point of the `nimbus` CLI: the compiled TypeScript lives in dist/.
import '../dist/cli/index.js';
