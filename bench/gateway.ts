// `npm run bench:gateway`: only the warm HTTP-trigger group of `npm run bench` (Nimbus's
// gateway beside node:http, workerd and serverless-offline, wrk at 10 and 50 connections).
// Same knobs (SECS, CONNS, WARMUP_S, PIN, PEERS_DIR); same results file.
process.env.BENCH_GROUPS ??= 'http';
await import('./run.js');
