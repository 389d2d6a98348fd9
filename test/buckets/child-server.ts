// A standalone S3 server on a given data dir, for tests that kill and restart it:
// `node --import tsx test/buckets/child-server.ts <dataDir>` prints {"port":N} once listening.
import { startStandaloneS3 } from '../../src/buckets/index.js';

const dataDir = process.argv[2];
if (!dataDir) throw new Error('usage: child-server.ts <dataDir>');
const s3 = await startStandaloneS3({
  dataDir,
  log: (line) => process.stderr.write(`${line}\n`),
});
process.stdout.write(`${JSON.stringify({ port: s3.port })}\n`);
process.on('SIGTERM', () => {
  void s3.stop().then(() => process.exit(0));
});
