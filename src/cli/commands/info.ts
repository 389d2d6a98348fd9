import { Command } from 'commander';
import { z } from 'zod';
import { type FunctionConfiguration, GetFunctionAnswer } from '../answers.js';
import { lambdaFunctionPath } from '../client.js';
import { type CliContext, contextFrom } from '../context.js';
import { formatBytes, formatFields, formatLambdaTime, out, printJson } from '../output.js';

/** The readable summary of `nimbus info`; env var values stay hidden. */
export function describeFunction(f: FunctionConfiguration): [string, string][] {
  const envNames = Object.keys(f.Environment?.Variables ?? {}).sort();
  const fields: [string, string][] = [
    ['name', f.FunctionName],
    ['arn', f.FunctionArn ?? '-'],
    ['runtime', f.Runtime ?? '-'],
    ['handler', f.Handler ?? '-'],
    ['memory', f.MemorySize == null ? '-' : `${f.MemorySize} MB`],
    ['timeout', f.Timeout == null ? '-' : `${f.Timeout} s`],
    [
      'code',
      `${f.CodeSize == null ? '-' : formatBytes(f.CodeSize)}, sha256 ${f.CodeSha256 ?? '-'}`,
    ],
    ['env', envNames.length ? envNames.join(', ') : '(none)'],
    ['last modified', formatLambdaTime(f.LastModified)],
    ['state', [f.State ?? '-', f.StateReason].filter(Boolean).join(' — ')],
  ];
  if (f.Description) fields.push(['description', f.Description]);
  const n = f.Nimbus;
  if (n?.Initializer) {
    const timeout =
      n.InitializationTimeout == null ? '' : ` (timeout ${n.InitializationTimeout} s)`;
    fields.push(['initializer', `${n.Initializer}${timeout}`]);
  }
  if (n?.Flavour) fields.push(['flavour', n.Flavour]);
  if (n?.Service) fields.push(['service', n.Service]);
  return fields;
}

const ProvisionedAnswer = z
  .object({
    ProvisionedConcurrencyConfigs: z.array(
      z
        .object({
          FunctionArn: z.string(),
          RequestedProvisionedConcurrentExecutions: z.number(),
          AvailableProvisionedConcurrentExecutions: z.number(),
          Status: z.string(),
          StatusReason: z.string().optional(),
        })
        .loose(),
    ),
  })
  .loose();

/** `1: 2/2 READY, live: 0/1 IN_PROGRESS` (qualifier: available/requested status), or null. */
async function provisionedSummary(ctx: CliContext, name: string): Promise<string | null> {
  try {
    const { value } = await ctx.client.json(
      `/2019-09-30/functions/${encodeURIComponent(name)}/provisioned-concurrency`,
      ProvisionedAnswer,
      { query: { List: 'ALL' } },
    );
    const items = value.ProvisionedConcurrencyConfigs.map((c) => {
      const qualifier = c.FunctionArn.split(':').at(-1);
      const reason = c.StatusReason ? ` (${c.StatusReason})` : '';
      return `${qualifier}: ${c.AvailableProvisionedConcurrentExecutions}/${c.RequestedProvisionedConcurrentExecutions} ${c.Status}${reason}`;
    });
    return items.length ? items.join(', ') : null;
  } catch {
    // A server without provisioned concurrency: nothing to show.
    return null;
  }
}

async function info(name: string, ctx: CliContext): Promise<void> {
  const { value, raw } = await ctx.client.json(lambdaFunctionPath(name), GetFunctionAnswer);
  if (ctx.json) return printJson(raw);
  const fields = describeFunction(value.Configuration);
  const provisioned = await provisionedSummary(ctx, value.Configuration.FunctionName);
  if (provisioned) fields.push(['provisioned', provisioned]);
  out(formatFields(fields));
}

/** `nimbus info NAME` */
export function infoCommand(): Command {
  return new Command('info')
    .description('show a function’s configuration')
    .argument('<name>', 'function name (or name:qualifier)')
    .action(async (name: string, _flags: unknown, cmd: Command) => {
      await info(name, contextFrom(cmd));
    });
}
