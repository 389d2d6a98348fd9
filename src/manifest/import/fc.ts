import type { FunctionSpec, Manifest, RouteSpec } from '../types.js';
import {
  envOf,
  type ImportContext,
  isObject,
  type Json,
  nimbusRuntime,
  num,
  type Path,
  safeName,
  str,
} from './context.js';

const SERVICE_KEYS = ['Type', 'Properties'];
const SERVICE_PROPS = ['Description', 'InternetAccess'];
const FUNCTION_PROPS = [
  'Handler',
  'Runtime',
  'CodeUri',
  'MemorySize',
  'Timeout',
  'EnvironmentVariables',
  'Initializer',
  'InitializationTimeout',
  'Description',
];
const ALL_METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS'];

/** FC's HTTP methods → route methods: every method (or none given) is `ANY`. */
function methodsOf(v: unknown): string[] {
  const list = Array.isArray(v) ? v.map((m) => String(m).toUpperCase()) : [];
  return list.length === 0 || ALL_METHODS.every((m) => list.includes(m)) ? ['ANY'] : list;
}

/** `@every 5m` → `rate(5 minutes)`; `CRON_TZ=Asia/Shanghai 0 0 8 * * *` → the cron and its zone. */
export function fcSchedule(expr: string): { schedule: string; timezone?: string } {
  const every = /^@every\s+(\d+)([smh])$/.exec(expr.trim());
  if (every) {
    const unit = { s: 'second', m: 'minute', h: 'hour' }[every[2] as 's' | 'm' | 'h'];
    const n = Number(every[1]);
    if (unit === 'second' && n % 60 === 0)
      return { schedule: `rate(${n / 60} minute${n === 60 ? '' : 's'})` };
    return { schedule: `rate(${n} ${unit}${n === 1 ? '' : 's'})` };
  }
  const tz = /^CRON_TZ=(\S+)\s+(.+)$/.exec(expr.trim());
  return tz ? { schedule: tz[2] ?? '', timezone: tz[1] ?? '' } : { schedule: expr.trim() };
}

/**
 * A Function Compute template.yml (fun / ROS `Aliyun::Serverless-2018-04-03`)
 * → the nimbus.yml model: each `Aliyun::Serverless::Service` becomes a
 * service, its `Aliyun::Serverless::Function`s fc-flavour functions (with
 * Initializer), HTTP triggers routes at FC's own path
 * (`/2016-08-15/proxy/SERVICE/FUNCTION/...`), Timer triggers timers, OSS
 * triggers bucket notifications, and `Aliyun::Serverless::CustomDomain`
 * route configs domain routes. The rest is warned about by name.
 */
export function importFc(ctx: ImportContext, project: string): Manifest {
  const t = ctx.yaml.value as Json;
  const resources = isObject(t.Resources) ? t.Resources : {};
  const m: Manifest = { project: safeName(project), functions: {}, services: {} };
  const names = new Map<string, string>();
  for (const [svc, res] of Object.entries(resources)) {
    if (!isObject(res) || res.Type !== 'Aliyun::Serverless::Service') continue;
    const path: Path = ['Resources', svc];
    const props = isObject(res.Properties) ? res.Properties : {};
    ctx.unsupportedKeys([...path, 'Properties'], props, SERVICE_PROPS);
    m.services ??= {};
    m.services[safeName(svc, 128)] = {
      ...(str(props.Description) ? { description: str(props.Description) } : {}),
      ...(props.InternetAccess === true ? { internetAccess: true } : {}),
    };
    for (const [fn, child] of Object.entries(res)) {
      if (SERVICE_KEYS.includes(fn)) continue;
      if (!isObject(child) || child.Type !== 'Aliyun::Serverless::Function') {
        ctx.warn([...path, fn], `${fn}: not an Aliyun::Serverless::Function: left out`);
        continue;
      }
      const name = m.functions[safeName(fn)] ? safeName(`${svc}-${fn}`) : safeName(fn);
      names.set(`${svc}/${fn}`, name);
      m.functions[name] = functionOf(ctx, m, [...path, fn], child, svc, fn);
    }
  }
  for (const [id, res] of Object.entries(resources)) {
    if (!isObject(res) || res.Type === 'Aliyun::Serverless::Service') continue;
    if (res.Type === 'Aliyun::Serverless::CustomDomain')
      addDomain(ctx, m, ['Resources', id], res, names);
    else
      ctx.warn(
        ['Resources', id],
        `${id} (${String(res.Type)}): resource type not supported by Nimbus manifests: left out`,
      );
  }
  return m;
}

function functionOf(
  ctx: ImportContext,
  m: Manifest,
  path: Path,
  res: Json,
  svc: string,
  fn: string,
): FunctionSpec {
  const p = isObject(res.Properties) ? res.Properties : {};
  const props: Path = [...path, 'Properties'];
  ctx.unsupportedKeys(props, p, FUNCTION_PROPS);
  ctx.unsupportedKeys(path, res, ['Type', 'Properties', 'Events']);
  const f: FunctionSpec = {
    code: str(p.CodeUri) ?? '.',
    flavour: 'fc',
    service: safeName(svc, 128),
  };
  if (str(p.Handler)) f.handler = str(p.Handler);
  const rt = nimbusRuntime(ctx, [...props, 'Runtime'], str(p.Runtime));
  if (rt) f.runtime = rt;
  if (num(p.MemorySize)) f.memoryMb = num(p.MemorySize);
  if (num(p.Timeout)) f.timeoutS = num(p.Timeout);
  if (str(p.Description)) f.description = str(p.Description);
  if (str(p.Initializer)) f.initializer = str(p.Initializer);
  if (num(p.InitializationTimeout)) f.initializationTimeoutS = num(p.InitializationTimeout);
  const env = envOf(ctx, [...props, 'EnvironmentVariables'], p.EnvironmentVariables);
  if (env) f.env = env;
  const events = isObject(res.Events) ? res.Events : {};
  for (const [ev, e] of Object.entries(events)) {
    if (!isObject(e)) continue;
    const ep = isObject(e.Properties) ? e.Properties : {};
    const epath: Path = [...path, 'Events', ev, 'Properties'];
    if (e.Type === 'HTTP') {
      ctx.unsupportedKeys(epath, ep, ['AuthType', 'Methods']);
      if (ep.AuthType !== undefined && String(ep.AuthType).toUpperCase() !== 'ANONYMOUS') {
        ctx.warn(
          [...epath, 'AuthType'],
          `AuthType ${String(ep.AuthType)}: FC request signing is not supported: the route is open`,
        );
      }
      const base = `/2016-08-15/proxy/${svc}/${fn}`;
      for (const mt of methodsOf(ep.Methods)) {
        f.routes ??= [];
        f.routes.push(`${mt} ${base}`, `${mt} ${base}/{proxy+}`);
      }
    } else if (e.Type === 'Timer') {
      ctx.unsupportedKeys(epath, ep, ['CronExpression', 'Enable', 'Payload']);
      const cron = str(ep.CronExpression);
      if (!cron) {
        ctx.warn(epath, 'Timer: no CronExpression: left out');
        continue;
      }
      f.timers ??= {};
      f.timers[safeName(`${fn}-${ev}`)] = {
        ...fcSchedule(cron),
        ...(ep.Enable === false ? { enabled: false } : {}),
        ...(ep.Payload !== undefined ? { payload: String(ep.Payload) } : {}),
      };
    } else if (e.Type === 'OSS') {
      ctx.unsupportedKeys(epath, ep, ['BucketName', 'Events', 'Filter']);
      const bucket = str(ep.BucketName)?.toLowerCase();
      if (!bucket) {
        ctx.warn(epath, 'OSS: no BucketName: left out');
        continue;
      }
      m.buckets ??= {};
      m.buckets[bucket] ??= null;
      const key = isObject(ep.Filter) && isObject(ep.Filter.Key) ? ep.Filter.Key : {};
      const events = (Array.isArray(ep.Events) ? ep.Events : []).map((x) =>
        String(x).replace(/^oss:/, 's3:'),
      );
      f.buckets ??= [];
      f.buckets.push({
        bucket,
        ...(events.length ? { events } : {}),
        ...(str(key.Prefix) ? { prefix: str(key.Prefix) } : {}),
        ...(str(key.Suffix) ? { suffix: str(key.Suffix) } : {}),
      });
    } else {
      ctx.warn(
        [...path, 'Events', ev],
        `trigger ${ev} (${String(e.Type)}): not supported by Nimbus (supported: HTTP, Timer, OSS): left out`,
      );
    }
  }
  return f;
}

/** `/api/*` → `/api/{proxy+}`, `/*` → `/{proxy+}`. */
function domainPath(p: string): string {
  const s = p.startsWith('/') ? p : `/${p}`;
  return s.endsWith('/*') ? `${s.slice(0, -1)}{proxy+}` : s;
}

function addDomain(
  ctx: ImportContext,
  m: Manifest,
  path: Path,
  res: Json,
  names: Map<string, string>,
): void {
  const p = isObject(res.Properties) ? res.Properties : {};
  ctx.unsupportedKeys([...path, 'Properties'], p, ['DomainName', 'Protocol', 'RouteConfig']);
  const domain = str(p.DomainName)?.toLowerCase();
  const routes =
    isObject(p.RouteConfig) && isObject(p.RouteConfig.Routes) ? p.RouteConfig.Routes : {};
  if (!domain) {
    ctx.warn(path, 'CustomDomain: no DomainName: left out');
    return;
  }
  for (const [routePath, target] of Object.entries(routes)) {
    if (!isObject(target)) continue;
    const fn = names.get(`${String(target.ServiceName)}/${String(target.FunctionName)}`);
    const f = fn ? m.functions[fn] : undefined;
    if (!f) {
      ctx.warn(
        [...path, 'Properties', 'RouteConfig', 'Routes', routePath],
        `route ${routePath}: no function ${String(target.ServiceName)}/${String(target.FunctionName)} in this template: left out`,
      );
      continue;
    }
    for (const mt of methodsOf(target.Methods)) {
      const spec: RouteSpec = { route: `${mt} ${domainPath(routePath)}`, domain };
      f.routes ??= [];
      f.routes.push(spec);
    }
  }
}
