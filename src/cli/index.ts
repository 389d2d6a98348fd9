import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { DEFAULT_ENDPOINT } from './client.js';
import { bucketCommand } from './commands/bucket.js';
import { deployCommand } from './commands/deploy.js';
import { devCommand } from './commands/dev.js';
import { dlqCommand } from './commands/dlq.js';
import { domainCommand } from './commands/domain.js';
import { httpCommand } from './commands/http.js';
import { infoCommand } from './commands/info.js';
import { initCommand } from './commands/init.js';
import { invocationCommand, invocationsCommand } from './commands/invocations.js';
import { invokeCommand } from './commands/invoke.js';
import { keysCommand } from './commands/keys.js';
import { logsCommand } from './commands/logs.js';
import { lsCommand } from './commands/ls.js';
import { metricsCommand } from './commands/metrics.js';
import { queueCommand } from './commands/queue.js';
import { rmCommand } from './commands/rm.js';
import { runtimesCommand } from './commands/runtimes.js';
import { serverCommand } from './commands/server.js';
import { serviceCommand } from './commands/service.js';
import { timerCommand } from './commands/timer.js';
import { usageCommand } from './commands/usage.js';
import { describeError } from './errors.js';

// Same relative path from src/cli/ and dist/cli/; our own package.json always has a version.
const { version } = JSON.parse(
  readFileSync(new URL('../../package.json', import.meta.url), 'utf8'),
) as { version: string };

function buildProgram(): Command {
  return new Command('nimbus')
    .description('Nimbus: a self-hosted, AWS Lambda-compatible function platform')
    .version(version)
    .addOption(
      new Option('--endpoint <url>', 'Nimbus server to talk to')
        .env('NIMBUS_ENDPOINT')
        .default(DEFAULT_ENDPOINT),
    )
    .option('--json', "print the server's raw JSON answer")
    .addOption(
      new Option('--profile <name>', 'sign requests with this profile of a credentials file').env(
        'NIMBUS_PROFILE',
      ),
    )
    .addOption(
      new Option(
        '--credentials-file <file>',
        'AWS shared-credentials file to read the profile from',
      ).env('NIMBUS_CREDENTIALS_FILE'),
    )
    .addCommand(serverCommand())
    .addCommand(deployCommand())
    .addCommand(devCommand())
    .addCommand(initCommand())
    .addCommand(invokeCommand())
    .addCommand(logsCommand())
    .addCommand(lsCommand())
    .addCommand(infoCommand())
    .addCommand(rmCommand())
    .addCommand(keysCommand())
    .addCommand(httpCommand())
    .addCommand(domainCommand())
    .addCommand(timerCommand())
    .addCommand(serviceCommand())
    .addCommand(dlqCommand())
    .addCommand(queueCommand())
    .addCommand(bucketCommand())
    .addCommand(invocationsCommand())
    .addCommand(invocationCommand())
    .addCommand(runtimesCommand())
    .addCommand(metricsCommand())
    .addCommand(usageCommand());
}

// `nimbus logs x | head` closes stdout early: that is not an error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

try {
  await buildProgram().parseAsync(process.argv);
} catch (e) {
  process.stderr.write(`${describeError(e)}\n`);
  if (process.env.NIMBUS_DEBUG && e instanceof Error && e.stack) {
    process.stderr.write(`${e.stack}\n`);
  }
  process.exitCode = 1;
}
