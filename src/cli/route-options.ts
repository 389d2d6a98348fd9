import { type Command, Option } from 'commander';
import { z } from 'zod';
import { CliError } from './errors.js';
import { formatTable } from './output.js';
import { intInRange } from './validate.js';

/** The flags `http add` and `domain add` share. */
export interface RouteFlags {
  payload?: string;
  auth?: string;
  authTtl?: string;
  identitySource?: string[];
  cors?: string;
  corsMethods?: string;
  corsHeaders?: string;
  corsExposeHeaders?: string;
  corsCredentials?: boolean;
  corsMaxAge?: string;
}

/** Adds the payload, auth and CORS flags to a command. */
export function withRouteOptions(cmd: Command): Command {
  return cmd
    .addOption(
      new Option(
        '--payload <format>',
        'event format (default 2.0; fc for fc-flavour functions)',
      ).choices(['2.0', '1.0', 'fc']),
    )
    .option(
      '--auth <mode>',
      'none | key (x-api-key) | function:NAME[:QUALIFIER] (Lambda authorizer)',
    )
    .option('--auth-ttl <s>', 'authorizer answers are cached this long (default 300, 0 = never)')
    .option(
      '--identity-source <expr...>',
      'authorizer identity: $request.header.NAME or $request.querystring.NAME (default $request.header.Authorization)',
    )
    .option('--cors <origins>', 'enable CORS for these origins (comma-separated, or *)')
    .option('--cors-methods <methods>', 'allowed methods (comma-separated; default *)')
    .option('--cors-headers <headers>', 'allowed request headers (comma-separated, or *)')
    .option('--cors-expose-headers <headers>', 'response headers the browser may read')
    .option('--cors-credentials', 'allow credentials (cookies, Authorization)')
    .option('--cors-max-age <s>', 'how long browsers may cache a preflight answer');
}

const list = (text: string | undefined) =>
  (text ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/** The native API's `payload`, `auth` and `cors` members from the flags. */
export function routeBody(flags: RouteFlags): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  if (flags.payload) body.payload = flags.payload;
  const auth = flags.auth ?? 'none';
  if (auth === 'none' || auth === 'key') {
    if (flags.auth) body.auth = { type: auth };
  } else if (auth.startsWith('function:') && auth.length > 'function:'.length) {
    body.auth = {
      type: 'function',
      function: auth.slice('function:'.length),
      ...(flags.authTtl !== undefined
        ? { ttlS: intInRange('--auth-ttl', flags.authTtl, 0, 3600, 's') }
        : {}),
      ...(flags.identitySource?.length ? { identitySource: flags.identitySource } : {}),
    };
  } else {
    throw new CliError(`--auth must be none, key or function:NAME (got ${JSON.stringify(auth)})`);
  }
  if (flags.cors !== undefined) {
    body.cors = {
      allowOrigins: list(flags.cors),
      ...(flags.corsMethods ? { allowMethods: list(flags.corsMethods) } : {}),
      ...(flags.corsHeaders ? { allowHeaders: list(flags.corsHeaders) } : {}),
      ...(flags.corsExposeHeaders ? { exposeHeaders: list(flags.corsExposeHeaders) } : {}),
      ...(flags.corsCredentials ? { allowCredentials: true } : {}),
      ...(flags.corsMaxAge !== undefined
        ? { maxAgeS: intInRange('--cors-max-age', flags.corsMaxAge, 0, 86400, 's') }
        : {}),
    };
  } else if (flags.corsMethods || flags.corsHeaders || flags.corsCredentials || flags.corsMaxAge) {
    throw new CliError('--cors <origins> is needed to enable CORS');
  }
  return body;
}

export const RouteView = z.object({
  id: z.string(),
  domain: z.string().nullable(),
  route: z.string(),
  function: z.string().optional(),
  forward: z.string().optional(),
  payload: z.string(),
  auth: z.object({ type: z.string(), function: z.string().optional() }).loose(),
  cors: z
    .object({ allowOrigins: z.array(z.string()) })
    .loose()
    .nullable(),
});
export type RouteView = z.infer<typeof RouteView>;

/** Routes as a table: id, domain, route, target, payload, auth, CORS origins. */
export function routeTable(routes: readonly RouteView[], withDomain: boolean): string {
  const header = [
    'ID',
    ...(withDomain ? ['DOMAIN'] : []),
    'ROUTE',
    'TARGET',
    'PAYLOAD',
    'AUTH',
    'CORS',
  ];
  return formatTable(
    header,
    routes.map((r) => [
      r.id,
      ...(withDomain ? [r.domain ?? '*'] : []),
      r.route,
      r.function ?? `(routes)`,
      r.payload,
      r.auth.type === 'function' ? `function:${r.auth.function}` : r.auth.type,
      r.cors ? r.cors.allowOrigins.join(',') : '-',
    ]),
  );
}
