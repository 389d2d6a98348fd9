import { Command } from 'commander';
import { z } from 'zod';
import { contextFrom } from '../context.js';
import { CliError } from '../errors.js';
import { out, printJson } from '../output.js';
import {
  type RouteFlags,
  RouteView,
  routeBody,
  routeTable,
  withRouteOptions,
} from '../route-options.js';

type AddFlags = RouteFlags & { path: string; fn?: string; routes?: boolean; method: string };

/**
 * `nimbus domain add | ls | rm`: custom domains, as Function Compute has them — a Host name
 * whose path prefixes go to functions (or on to the routes without a domain).
 */
export function domainCommand(): Command {
  const domain = new Command('domain').description('custom domains: Host-header routing by path');
  withRouteOptions(
    domain
      .command('add')
      .description(
        'map a path on a domain: nimbus domain add api.example.test --path /v1/* --fn users',
      )
      .argument('<domain>', 'the Host name')
      .requiredOption('--path <path>', 'path on the domain: /v1/* (a prefix), /exact, /items/{id}')
      .option('--fn <name[:qualifier]>', 'the function to invoke')
      .option('--routes', 'forward to the routes without a domain, the static prefix removed')
      .option('--method <method>', 'only this method', 'ANY'),
  ).action(async (name: string, flags: AddFlags, cmd: Command) => {
    if (!flags.fn === !flags.routes)
      throw new CliError('give exactly one of --fn NAME or --routes');
    const ctx = contextFrom(cmd);
    const { value, raw } = await ctx.client.json(
      '/nimbus/v1/routes',
      z.object({ route: RouteView }),
      {
        method: 'POST',
        json: {
          route: `${flags.method} ${flags.path}`,
          domain: name,
          ...(flags.fn ? { function: flags.fn } : { forward: 'routes' }),
          ...routeBody(flags),
        },
      },
    );
    if (ctx.json) return printJson(raw);
    const r = value.route;
    out(`added ${r.domain} ${r.route} -> ${r.function ?? 'the routes'} (${r.id})`);
  });
  domain
    .command('ls')
    .alias('list')
    .description('list custom domains and their paths')
    .action(async (_flags: unknown, cmd: Command) => {
      const ctx = contextFrom(cmd);
      const { value, raw } = await ctx.client.json(
        '/nimbus/v1/domains',
        z.object({
          domains: z.array(z.object({ domain: z.string(), routes: z.array(RouteView) })),
        }),
      );
      if (ctx.json) return printJson(raw);
      if (!value.domains.length) return out('no custom domains (add one with `nimbus domain add`)');
      out(
        routeTable(
          value.domains.flatMap((d) => d.routes),
          true,
        ),
      );
    });
  domain
    .command('rm')
    .alias('delete')
    .description('remove a domain (every path on it), or one path with --path')
    .argument('<domain>', 'the Host name')
    .option('--path <path>', 'only this path (and --method)')
    .option('--method <method>', 'the method of --path', 'ANY')
    .action(async (name: string, flags: { path?: string; method: string }, cmd: Command) => {
      const ctx = contextFrom(cmd);
      if (flags.path) {
        await ctx.client.request(
          `/nimbus/v1/routes/${encodeURIComponent(`${flags.method} ${flags.path}`)}`,
          { method: 'DELETE', query: { domain: name } },
        );
      } else {
        await ctx.client.request(`/nimbus/v1/domains/${encodeURIComponent(name)}`, {
          method: 'DELETE',
        });
      }
      if (!ctx.json) out(`removed ${name}${flags.path ? ` ${flags.path}` : ''}`);
    });
  return domain;
}
