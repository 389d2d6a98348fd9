import { Command } from 'commander';
import { z } from 'zod';
import { type CliContext, contextFrom } from '../context.js';
import { err, formatFields, formatTable, out, printJson } from '../output.js';
import {
  type RouteFlags,
  RouteView,
  routeBody,
  routeTable,
  withRouteOptions,
} from '../route-options.js';

const Created = z.object({ route: RouteView });
const RouteList = z.object({ routes: z.array(RouteView) });
const KeySummary = z.object({ id: z.string(), description: z.string(), createdAtMs: z.number() });
const NewKey = KeySummary.extend({ key: z.string() });

type AddFlags = RouteFlags & { fn: string; domain?: string };

async function add(ctx: CliContext, route: string, flags: AddFlags): Promise<void> {
  const { value, raw } = await ctx.client.json('/nimbus/v1/routes', Created, {
    method: 'POST',
    json: {
      route,
      function: flags.fn,
      ...(flags.domain ? { domain: flags.domain } : {}),
      ...routeBody(flags),
    },
  });
  if (ctx.json) return printJson(raw);
  out(
    `added ${value.route.route} -> ${value.route.function} (${value.route.id}, payload ${value.route.payload})`,
  );
}

function keysCommand(): Command {
  const keys = new Command('keys').description('API keys for routes added with --auth key');
  keys
    .command('create')
    .description('create an API key; prints it once (send it as x-api-key)')
    .option('--description <text>', 'what the key is for')
    .action(async (flags: { description?: string }, cmd: Command) => {
      const ctx = contextFrom(cmd);
      const { value, raw } = await ctx.client.json('/nimbus/v1/http-keys', NewKey, {
        method: 'POST',
        json: flags.description === undefined ? {} : { description: flags.description },
      });
      if (ctx.json) return printJson(raw);
      out(
        formatFields([
          ['id', value.id],
          ['key', value.key],
          ['description', value.description || '-'],
        ]),
      );
      err('the key is shown only this once: the server keeps only its hash');
    });
  keys
    .command('ls')
    .alias('list')
    .description('list API keys (never the keys themselves)')
    .action(async (_flags: unknown, cmd: Command) => {
      const ctx = contextFrom(cmd);
      const { value, raw } = await ctx.client.json(
        '/nimbus/v1/http-keys',
        z.object({ keys: z.array(KeySummary) }),
      );
      if (ctx.json) return printJson(raw);
      if (!value.keys.length) return out('no API keys (create one with `nimbus http keys create`)');
      out(
        formatTable(
          ['ID', 'CREATED', 'DESCRIPTION'],
          value.keys.map((k) => [
            k.id,
            new Date(k.createdAtMs).toISOString(),
            k.description || '-',
          ]),
        ),
      );
    });
  keys
    .command('rm')
    .alias('delete')
    .description('delete an API key; requests using it are refused at once')
    .argument('<id>', 'key id')
    .action(async (id: string, _flags: unknown, cmd: Command) => {
      const ctx = contextFrom(cmd);
      await ctx.client.request(`/nimbus/v1/http-keys/${encodeURIComponent(id)}`, {
        method: 'DELETE',
      });
      if (!ctx.json) out(`deleted ${id}`);
    });
  return keys;
}

/** `nimbus http add | ls | rm | keys`: routes of the HTTP gateway. */
export function httpCommand(): Command {
  const http = new Command('http').description('HTTP routes of the gateway (--http-port)');
  withRouteOptions(
    http
      .command('add')
      .description("route requests to a function: nimbus http add 'GET /users/{id}' --fn users")
      .argument('<route>', 'METHOD /path: {param} segments, a last {proxy+}, ANY for every method')
      .requiredOption('--fn <name[:qualifier]>', 'the function (and alias or version) to invoke')
      .option('--domain <host>', 'only for requests with this Host (custom domain)'),
  ).action(async (route: string, flags: AddFlags, cmd: Command) => {
    await add(contextFrom(cmd), route, flags);
  });
  http
    .command('ls')
    .alias('list')
    .description('list routes')
    .option('--domain <host>', 'only the routes of this custom domain')
    .action(async (flags: { domain?: string }, cmd: Command) => {
      const ctx = contextFrom(cmd);
      const { value, raw } = await ctx.client.json('/nimbus/v1/routes', RouteList, {
        query: { domain: flags.domain },
      });
      if (ctx.json) return printJson(raw);
      if (!value.routes.length)
        return out("no routes (add one with `nimbus http add 'GET /' --fn NAME`)");
      out(
        routeTable(
          value.routes,
          value.routes.some((r) => r.domain),
        ),
      );
    });
  http
    .command('rm')
    .alias('delete')
    .description("remove a route by id or by 'METHOD /path'")
    .argument('<route>', "route id (rt-...) or 'METHOD /path'")
    .option('--domain <host>', "the custom domain of a 'METHOD /path' route")
    .action(async (route: string, flags: { domain?: string }, cmd: Command) => {
      const ctx = contextFrom(cmd);
      await ctx.client.request(`/nimbus/v1/routes/${encodeURIComponent(route)}`, {
        method: 'DELETE',
        query: { domain: flags.domain },
      });
      if (!ctx.json) out(`removed ${route}`);
    });
  http.addCommand(keysCommand());
  return http;
}
