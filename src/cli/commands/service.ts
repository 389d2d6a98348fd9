import { Command } from 'commander';
import { z } from 'zod';
import type { RequestOptions } from '../client.js';
import { type CliContext, contextFrom } from '../context.js';
import { CliError } from '../errors.js';
import { formatFields, formatTable, out, printJson } from '../output.js';
import { envPairs, intInRange } from '../validate.js';

const Service = z.object({
  name: z.string(),
  description: z.string(),
  internetAccess: z.boolean(),
  logRetentionDays: z.number().nullable(),
  env: z.record(z.string(), z.string()),
  functions: z.array(z.string()).optional(),
});
type Service = z.infer<typeof Service>;
const ServiceList = z.object({ services: z.array(Service) });

/** Flags of `service create` and `service update`, as commander hands them over. */
export interface ServiceFlags {
  description?: string;
  internet?: boolean;
  logRetention?: string;
  env?: string[];
}

const SERVICE_NAME_RE = /^[a-zA-Z_][a-zA-Z0-9_-]{0,127}$/;

function serviceName(name: string): string {
  if (!SERVICE_NAME_RE.test(name)) {
    throw new CliError(
      `invalid service name ${JSON.stringify(name)}: 1-128 of a-z A-Z 0-9 _ -, starting with a letter or _`,
    );
  }
  return name;
}

function servicePath(name: string): string {
  return `/nimbus/v1/services/${encodeURIComponent(serviceName(name))}`;
}

/** The native API body for the flags given (absent flags: absent fields). */
export function serviceBody(flags: ServiceFlags): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  if (flags.description !== undefined) {
    if (flags.description.length > 256)
      throw new CliError('--description is longer than 256 characters');
    body.description = flags.description;
  }
  if (flags.internet !== undefined) body.internetAccess = flags.internet;
  if (flags.logRetention !== undefined) {
    body.logRetentionDays =
      flags.logRetention === 'default'
        ? null
        : intInRange('--log-retention', flags.logRetention, 1, 3650, 'days');
  }
  if (flags.env !== undefined) body.env = envPairs(flags.env);
  return body;
}

function describeService(s: Service): string {
  const envNames = Object.keys(s.env).sort();
  return formatFields([
    ['service', s.name],
    ['description', s.description || '-'],
    ['internet access', s.internetAccess ? 'on (outbound, not the host loopback)' : 'off'],
    [
      'log retention',
      s.logRetentionDays === null ? 'server default' : `${s.logRetentionDays} days`,
    ],
    ['env', envNames.length ? envNames.join(', ') : '(none)'],
    ['functions', s.functions?.length ? s.functions.join(', ') : '(none)'],
  ]);
}

async function show(ctx: CliContext, path: string, init: RequestOptions): Promise<void> {
  const { value, raw } = await ctx.client.json(path, Service, init);
  if (ctx.json) return printJson(raw);
  out(describeService(value));
}

async function list(ctx: CliContext): Promise<void> {
  const { value, raw } = await ctx.client.json('/nimbus/v1/services', ServiceList);
  if (ctx.json) return printJson(raw);
  out(
    formatTable(
      ['NAME', 'INTERNET', 'LOG RETENTION', 'FUNCTIONS', 'DESCRIPTION'],
      value.services.map((s) => [
        s.name,
        s.internetAccess ? 'on' : 'off',
        s.logRetentionDays === null ? 'default' : `${s.logRetentionDays} d`,
        String(s.functions?.length ?? 0),
        s.description,
      ]),
    ),
  );
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

function settingsOptions(cmd: Command): Command {
  return cmd
    .option('--description <text>', 'description')
    .option(
      '--internet',
      'let its functions open outbound connections (never to the host loopback)',
    )
    .option('--no-internet', 'no outbound network for its functions (the default)')
    .option(
      '--log-retention <days>',
      "days its functions' logs are kept, or 'default' for the server's",
    )
    .option(
      '--env <KEY=VALUE>',
      "default environment variable of its functions (repeatable; a function's own win)",
      collect,
    );
}

/** `nimbus service create | ls | info | update | rm`: Function Compute services. */
export function serviceCommand(): Command {
  const service = new Command('service').description(
    'groups of functions with shared settings: internet access, log retention, default env',
  );
  settingsOptions(
    service
      .command('create')
      .description('create a service (put functions in it with `nimbus deploy --service`)')
      .argument('<name>', 'service name'),
  ).action(async (name: string, flags: ServiceFlags, cmd: Command) => {
    await show(contextFrom(cmd), '/nimbus/v1/services', {
      method: 'POST',
      json: { name: serviceName(name), ...serviceBody(flags) },
    });
  });
  service
    .command('ls')
    .alias('list')
    .description('list services')
    .action(async (_flags: unknown, cmd: Command) => {
      await list(contextFrom(cmd));
    });
  service
    .command('info')
    .description("show a service's settings and functions")
    .argument('<name>', 'service name')
    .action(async (name: string, _flags: unknown, cmd: Command) => {
      await show(contextFrom(cmd), servicePath(name), {});
    });
  settingsOptions(
    service
      .command('update')
      .description("change a service's settings (--env replaces the whole default env)")
      .argument('<name>', 'service name'),
  ).action(async (name: string, flags: ServiceFlags, cmd: Command) => {
    const body = serviceBody(flags);
    if (Object.keys(body).length === 0) throw new CliError('nothing to change: give a setting');
    await show(contextFrom(cmd), servicePath(name), { method: 'PUT', json: body });
  });
  service
    .command('rm')
    .description('delete a service (refused while it has functions)')
    .argument('<name>', 'service name')
    .action(async (name: string, _flags: unknown, cmd: Command) => {
      const ctx = contextFrom(cmd);
      await ctx.client.request(servicePath(name), { method: 'DELETE' });
      if (!ctx.json) out(`deleted ${name}`);
    });
  return service;
}
