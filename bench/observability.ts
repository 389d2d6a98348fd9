// `npm run bench` with BENCH_GROUPS=observability: what tracing and metric collection cost a
// warm gateway request (req/s tracing off vs on, server CPU per request metrics on vs off).
// Knobs: OBS_SECS=2, OBS_WARMUP_S=3, OBS_ROUNDS=5, PIN; same results file as `npm run bench`.
process.env.BENCH_GROUPS ??= 'observability';
await import('./run.js');
