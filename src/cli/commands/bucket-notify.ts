import type { Command } from 'commander';
import { z } from 'zod';
import { GetFunctionAnswer } from '../answers.js';
import { lambdaFunctionPath } from '../client.js';
import { type CliContext, contextFrom } from '../context.js';
import { CliError, reworded } from '../errors.js';
import { formatTable, functionLabel, out, printJson } from '../output.js';
import { s3Path, s3Request, s3Xml } from '../s3.js';
import { functionRef } from '../validate.js';
import { buildXml } from '../xml.js';

/** One notification rule: a function invoked for some events on keys that match. */
export interface NotificationRule {
  Id: string;
  FunctionArn: string;
  Events: string[];
  Prefix: string;
  Suffix: string;
}

interface NotifyFlags {
  function: string;
  events: string;
  prefix?: string;
  suffix?: string;
  id?: string;
}

const FilterRule = z.object({ Name: z.string(), Value: z.string().optional() }).loose();
const Configuration = z.object({
  NotificationConfiguration: z.union([
    z.literal(''),
    z
      .object({
        CloudFunctionConfiguration: z
          .array(
            z
              .object({
                Id: z.string().optional(),
                CloudFunction: z.string(),
                Event: z.array(z.string()),
                Filter: z
                  .object({
                    S3Key: z.object({ FilterRule: z.array(FilterRule).optional() }).loose(),
                  })
                  .loose()
                  .optional(),
              })
              .loose(),
          )
          .optional(),
      })
      .loose(),
  ]),
});

/** The bucket's notification rules (GET `?notification`). */
export async function readRules(ctx: CliContext, bucket: string): Promise<NotificationRule[]> {
  const doc = await s3Xml(ctx, s3Path(bucket), { bucket }, Configuration, {
    query: { notification: '' },
  });
  const root = doc.NotificationConfiguration;
  return (root === '' ? [] : (root.CloudFunctionConfiguration ?? [])).map((c) => {
    const filter = (name: string) =>
      c.Filter?.S3Key.FilterRule?.find((f) => f.Name.toLowerCase() === name)?.Value ?? '';
    return {
      Id: c.Id ?? '',
      FunctionArn: c.CloudFunction,
      Events: c.Event,
      Prefix: filter('prefix'),
      Suffix: filter('suffix'),
    };
  });
}

/** Replaces the bucket's notification rules (PUT `?notification`). */
export async function writeRules(ctx: CliContext, bucket: string, rules: NotificationRule[]) {
  const body = buildXml('NotificationConfiguration', {
    CloudFunctionConfiguration: rules.map((r) => {
      const filterRules = [
        ...(r.Prefix ? [{ Name: 'prefix', Value: r.Prefix }] : []),
        ...(r.Suffix ? [{ Name: 'suffix', Value: r.Suffix }] : []),
      ];
      return {
        Id: r.Id,
        CloudFunction: r.FunctionArn,
        Event: r.Events,
        ...(filterRules.length ? { Filter: { S3Key: { FilterRule: filterRules } } } : {}),
      };
    }),
  });
  await s3Request(
    ctx,
    s3Path(bucket),
    { bucket },
    {
      method: 'PUT',
      query: { notification: '' },
      headers: { 'content-type': 'application/xml' },
      body: Buffer.from(body, 'utf8'),
    },
  );
}

/** The ARN of `FN[:QUALIFIER]` (checked to exist), or the ARN given. */
async function functionArnOf(ctx: CliContext, ref: string): Promise<{ arn: string; name: string }> {
  if (ref.startsWith('arn:')) return { arn: ref, name: ref.split(':')[6] ?? ref };
  const fn = functionRef('--function', ref);
  const { value } = await reworded(
    () =>
      ctx.client.json(lambdaFunctionPath(fn.function), GetFunctionAnswer, {
        query: { Qualifier: fn.qualifier },
      }),
    'ResourceNotFoundException',
    `no such function: ${ref}`,
  );
  const arn = value.Configuration.FunctionArn;
  if (!arn) throw new CliError(`the server did not say the ARN of function ${fn.function}`);
  const unqualified = arn.split(':').slice(0, 7).join(':');
  return { arn: fn.qualifier ? `${unqualified}:${fn.qualifier}` : unqualified, name: fn.function };
}

/** `name`, else `name-2`, `name-3`...: the first id no rule has. */
function freeId(name: string, rules: NotificationRule[]): string {
  const taken = new Set(rules.map((r) => r.Id));
  let id = name;
  for (let n = 2; taken.has(id); n++) id = `${name}-${n}`;
  return id;
}

async function notify(ctx: CliContext, bucket: string, flags: NotifyFlags): Promise<void> {
  const events = flags.events
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean);
  if (events.length === 0)
    throw new CliError('--events needs at least one event, e.g. s3:ObjectCreated:*');
  const fn = await functionArnOf(ctx, flags.function);
  const rules = await readRules(ctx, bucket);
  const id = flags.id ?? freeId(fn.name, rules);
  const rule: NotificationRule = {
    Id: id,
    FunctionArn: fn.arn,
    Events: events,
    Prefix: flags.prefix ?? '',
    Suffix: flags.suffix ?? '',
  };
  const replaced = rules.some((r) => r.Id === id);
  await writeRules(ctx, bucket, [...rules.filter((r) => r.Id !== id), rule]);
  if (ctx.json) return printJson(rule);
  out(
    `${replaced ? 'updated' : 'added'} notification ${id}: ${events.join(', ')} on ${bucket}/${rule.Prefix}*${rule.Suffix} -> ${fn.arn}`,
  );
}

async function list(ctx: CliContext, bucket: string): Promise<void> {
  const rules = await readRules(ctx, bucket);
  if (ctx.json) return printJson({ Notifications: rules });
  if (rules.length === 0) {
    return out(`bucket ${bucket} has no notifications (add one with \`nimbus bucket notify\`)`);
  }
  out(
    formatTable(
      ['ID', 'FUNCTION', 'EVENTS', 'PREFIX', 'SUFFIX'],
      rules.map((r) => [
        r.Id,
        functionLabel(r.FunctionArn),
        r.Events.join(','),
        r.Prefix || '-',
        r.Suffix || '-',
      ]),
    ),
  );
}

async function unnotify(ctx: CliContext, bucket: string, id: string): Promise<void> {
  const rules = await readRules(ctx, bucket);
  if (!rules.some((r) => r.Id === id)) {
    throw new CliError(
      `bucket ${bucket} has no notification ${id} (see \`nimbus bucket notifications ${bucket}\`)`,
    );
  }
  await writeRules(
    ctx,
    bucket,
    rules.filter((r) => r.Id !== id),
  );
  if (ctx.json) return printJson({ Bucket: bucket, Removed: id });
  out(`removed notification ${id} from ${bucket}`);
}

/** `nimbus bucket notify | notifications | unnotify`: invoke functions on object changes. */
export function addNotifyCommands(bucket: Command): void {
  bucket
    .command('notify')
    .description("invoke a function (async) when objects change: adds a rule to the bucket's")
    .argument('<name>', 'bucket name')
    .requiredOption('--function <function[:qualifier]>', 'function to invoke (or its ARN)')
    .option(
      '--events <events>',
      'comma-separated: s3:ObjectCreated:*, s3:ObjectCreated:Put, s3:ObjectRemoved:*, ...',
      's3:ObjectCreated:*',
    )
    .option('--prefix <prefix>', 'only keys that start with this')
    .option('--suffix <suffix>', 'only keys that end with this')
    .option('--id <id>', 'rule id (default: the function name); an existing id is replaced')
    .action(async (name: string, flags: NotifyFlags, cmd: Command) =>
      notify(contextFrom(cmd), name, flags),
    );
  bucket
    .command('notifications')
    .description("list a bucket's notification rules")
    .argument('<name>', 'bucket name')
    .action(async (name: string, _flags: unknown, cmd: Command) => list(contextFrom(cmd), name));
  bucket
    .command('unnotify')
    .description('remove a notification rule')
    .argument('<name>', 'bucket name')
    .argument('<id>', 'rule id (see `nimbus bucket notifications`)')
    .action(async (name: string, id: string, _flags: unknown, cmd: Command) =>
      unnotify(contextFrom(cmd), name, id),
    );
}
