import { Command } from 'commander';
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

async function info(name: string, ctx: CliContext): Promise<void> {
  const { value, raw } = await ctx.client.json(lambdaFunctionPath(name), GetFunctionAnswer);
  if (ctx.json) return printJson(raw);
  out(formatFields(describeFunction(value.Configuration)));
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
