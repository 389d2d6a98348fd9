import { Command } from 'commander';
import { lambdaFunctionPath } from '../client.js';
import { contextFrom } from '../context.js';
import { out } from '../output.js';

/** `nimbus rm NAME` */
export function rmCommand(): Command {
  return new Command('rm')
    .description('delete a function')
    .argument('<name>', 'function name')
    .action(async (name: string, _flags: unknown, cmd: Command) => {
      const ctx = contextFrom(cmd);
      await ctx.client.request(lambdaFunctionPath(name), { method: 'DELETE' });
      // DeleteFunction answers 204 with no body: nothing to print for --json.
      if (!ctx.json) out(`deleted ${name}`);
    });
}
