import { z } from 'zod';
import {
  type Change,
  layerCodeKey,
  type Manifest,
  type PackagedCode,
  PROJECT_TAG,
  type Resource,
} from '../../manifest/index.js';
import { DeployAnswer, GetFunctionAnswer } from '../answers.js';
import { lambdaFunctionPath } from '../client.js';
import { readRules, writeRules } from '../commands/bucket-notify.js';
import type { CliContext } from '../context.js';
import { CliError } from '../errors.js';
import { formatBytes } from '../output.js';
import { s3Path, s3Request } from '../s3.js';
import { queueArn, sqsCall } from '../sqs.js';

const Any = z.unknown();
const PublishedLayer = z.object({ LayerVersionArn: z.string(), Version: z.number() }).loose();
const ESM = '/2015-03-31/event-source-mappings/';

/** What applying needs beyond the plan. */
export interface ApplyInput {
  manifest: Manifest;
  code: ReadonlyMap<string, PackagedCode>;
  /** Layer version ARNs already on the server, by manifest layer name. */
  layerArns?: ReadonlyMap<string, string>;
}

/** Applies one change at a time; `say` gets a line per change done. */
export class PlanApplier {
  private readonly arns = new Map<string, string>();
  /** Latest version ARN of each manifest layer: the server's, then what this apply published. */
  private readonly layerArns = new Map<string, string>();

  constructor(
    private readonly ctx: CliContext,
    private readonly input: ApplyInput,
  ) {
    for (const [name, arn] of input.layerArns ?? []) this.layerArns.set(name, arn);
  }

  /** The unqualified ARN of a function (asked once). */
  private async arnOf(name: string): Promise<string> {
    let arn = this.arns.get(name);
    if (!arn) {
      const { value } = await this.ctx.client.json(lambdaFunctionPath(name), GetFunctionAnswer);
      arn = value.Configuration.FunctionArn ?? '';
      if (!arn) throw new CliError(`the server did not say the ARN of function ${name}`);
      this.arns.set(name, arn);
    }
    return arn;
  }

  /** Carries out one change; returns a note for the report (e.g. bytes uploaded). */
  async apply(c: Change): Promise<string> {
    const r = c.desired ?? c.current;
    if (!r) return '';
    const fn = r.fn ?? r.key;
    const enc = encodeURIComponent(fn);
    const del = c.action === 'delete';
    const client = this.ctx.client;
    switch (c.kind) {
      case 'function':
        if (del) {
          await client.request(lambdaFunctionPath(fn), { method: 'DELETE' });
          return '';
        }
        return this.putFunction(c, fn);
      case 'concurrency':
        if (del)
          await client.request(`/2017-10-31/functions/${enc}/concurrency`, { method: 'DELETE' });
        else {
          await client.json(`/2017-10-31/functions/${enc}/concurrency`, Any, {
            method: 'PUT',
            json: { ReservedConcurrentExecutions: r.spec.reserved },
          });
        }
        return '';
      case 'async':
        return this.putAsync(c, fn);
      case 'url': {
        const path = `/2021-10-31/functions/${enc}/url`;
        if (del) await client.request(path, { method: 'DELETE' });
        else {
          const json = { AuthType: r.spec.authType, InvokeMode: r.spec.invokeMode };
          await client.json(path, Any, { method: c.action === 'create' ? 'POST' : 'PUT', json });
        }
        return '';
      }
      case 'route':
        return this.putRoute(c);
      case 'timer': {
        const path = `/nimbus/v1/timers/${encodeURIComponent(c.key)}`;
        if (del) await client.request(path, { method: 'DELETE' });
        else if (c.action === 'create') {
          await client.json('/nimbus/v1/timers', Any, {
            method: 'POST',
            json: { name: c.key, ...withoutNulls(r.spec) },
          });
        } else await client.json(path, Any, { method: 'PUT', json: r.spec });
        return '';
      }
      case 'mapping':
        return this.putMapping(c, fn);
      case 'queue':
        return this.putQueue(c);
      case 'bucket':
        if (c.action === 'create') {
          await s3Request(this.ctx, s3Path(c.key), { bucket: c.key }, { method: 'PUT' });
        }
        return '';
      case 'notification':
        return this.putNotification(c, fn);
      case 'layer':
        return this.publishLayer(c);
      case 'service':
        if (c.action === 'create') {
          await client.json('/nimbus/v1/services', Any, {
            method: 'POST',
            json: { name: c.key, ...r.spec },
          });
        } else if (c.action === 'update') {
          await client.json(`/nimbus/v1/services/${encodeURIComponent(c.key)}`, Any, {
            method: 'PUT',
            json: r.spec,
          });
        }
        return '';
    }
  }

  private async putFunction(c: Change, name: string): Promise<string> {
    const s = c.desired?.spec ?? {};
    const code = this.input.code.get(name);
    const upload = c.action === 'create' || c.fields.includes('codeSha256');
    const configFields = c.fields.filter((f) => f !== 'codeSha256' && f !== 'project');
    let arn = '';
    if (c.action === 'create' || upload || configFields.length) {
      const { value } = await this.ctx.client.json(
        `/nimbus/v1/functions/${encodeURIComponent(name)}`,
        DeployAnswer,
        {
          method: 'PUT',
          json: {
            ...(upload && code ? { zipFile: code.zip.toString('base64') } : {}),
            runtime: s.runtime,
            handler: s.handler,
            memoryMb: s.memoryMb,
            timeoutS: s.timeoutS,
            env: s.env,
            description: s.description,
            initializer: s.initializer,
            initializationTimeoutS: s.initializationTimeoutS,
            flavour: s.flavour,
            service: s.service,
          },
        },
      );
      arn = value.function.FunctionArn ?? '';
    }
    if (c.action === 'create' ? this.layerArnsOf(name).length > 0 : c.fields.includes('layers')) {
      await this.ctx.client.json(
        `/2015-03-31/functions/${encodeURIComponent(name)}/configuration`,
        Any,
        {
          method: 'PUT',
          json: { Layers: this.layerArnsOf(name) },
        },
      );
    }
    if (c.action === 'create' || c.fields.includes('project')) {
      arn ||= await this.arnOf(name);
      await this.ctx.client.request(`/2017-03-31/tags/${encodeURIComponent(arn)}`, {
        method: 'POST',
        json: { Tags: { [PROJECT_TAG]: String(s.project) } },
      });
    }
    if (arn) this.arns.set(name, arn);
    return upload && code ? `${formatBytes(code.sizeBytes)} uploaded` : '';
  }

  /** A layer's new code (or description) is a new version; functions then point at it. */
  private async publishLayer(c: Change): Promise<string> {
    if (c.action === 'delete') return '';
    const s = c.desired?.spec ?? {};
    const code = this.input.code.get(layerCodeKey(c.key));
    if (!code) throw new CliError(`no packaged code for layer ${c.key}`);
    const { value } = await this.ctx.client.json(
      `/2018-10-31/layers/${encodeURIComponent(c.key)}/versions`,
      PublishedLayer,
      {
        method: 'POST',
        json: {
          Content: { ZipFile: code.zip.toString('base64') },
          Description: s.description,
          CompatibleRuntimes: s.compatibleRuntimes,
        },
      },
    );
    this.layerArns.set(c.key, value.LayerVersionArn);
    return `version ${value.Version}, ${formatBytes(code.sizeBytes)} uploaded`;
  }

  /** The layer version ARNs a function's `layers:` name, in order. */
  private layerArnsOf(name: string): string[] {
    return (this.input.manifest.functions[name]?.layers ?? []).map((l) => {
      if (l.startsWith('arn:')) return l;
      const arn = this.layerArns.get(l);
      if (!arn) throw new CliError(`layer ${l} has no version on the server`);
      return arn;
    });
  }

  private async putAsync(c: Change, name: string): Promise<string> {
    const path = `/2019-09-25/functions/${encodeURIComponent(name)}/event-invoke-config`;
    if (c.action === 'delete') {
      await this.ctx.client.request(path, { method: 'DELETE' });
      return '';
    }
    const s = c.desired?.spec ?? {};
    const dest = async (fn: unknown) =>
      typeof fn === 'string' ? { Destination: await this.arnOf(fn) } : undefined;
    const onSuccess = await dest(s.onSuccess);
    const onFailure = await dest(s.onFailure);
    await this.ctx.client.json(path, Any, {
      method: 'PUT',
      json: {
        MaximumRetryAttempts: s.maxRetries,
        MaximumEventAgeInSeconds: s.maxEventAgeS,
        ...(onSuccess || onFailure
          ? {
              DestinationConfig: {
                ...(onSuccess ? { OnSuccess: onSuccess } : {}),
                ...(onFailure ? { OnFailure: onFailure } : {}),
              },
            }
          : {}),
      },
    });
    return '';
  }

  private async putRoute(c: Change): Promise<string> {
    if (c.current?.ref && c.action !== 'create') {
      const { domain } = splitRouteKey(c.key);
      await this.ctx.client.request(`/nimbus/v1/routes/${encodeURIComponent(c.current.ref)}`, {
        method: 'DELETE',
        query: { domain: domain ?? undefined },
      });
    }
    if (c.action === 'delete' || !c.desired) return '';
    const s = c.desired.spec;
    const { route, domain } = splitRouteKey(c.key);
    await this.ctx.client.json('/nimbus/v1/routes', Any, {
      method: 'POST',
      json: {
        route,
        ...(domain ? { domain } : {}),
        function: s.function,
        payload: s.payload,
        auth: { type: s.auth },
        ...(s.cors ? { cors: s.cors } : {}),
      },
    });
    return '';
  }

  private async putMapping(c: Change, fn: string): Promise<string> {
    const uuid = c.current?.ref;
    if (c.action === 'delete') {
      if (uuid)
        await this.ctx.client.request(`${ESM}${encodeURIComponent(uuid)}`, { method: 'DELETE' });
      return '';
    }
    const s = c.desired?.spec ?? {};
    const settings = {
      BatchSize: s.batchSize,
      MaximumBatchingWindowInSeconds: s.windowS,
      FunctionResponseTypes: s.reportFailures ? ['ReportBatchItemFailures'] : [],
      Enabled: s.enabled,
    };
    if (uuid) {
      await this.ctx.client.json(`${ESM}${encodeURIComponent(uuid)}`, Any, {
        method: 'PUT',
        json: settings,
      });
    } else {
      const queue = c.key.split(' → ')[0] ?? '';
      await this.ctx.client.json(ESM, Any, {
        method: 'POST',
        json: { EventSourceArn: await queueArn(this.ctx, queue), FunctionName: fn, ...settings },
      });
    }
    return '';
  }

  private async putQueue(c: Change): Promise<string> {
    const name = c.key;
    if (c.action === 'delete') {
      await sqsCall(this.ctx, 'DeleteQueue', { QueueUrl: c.current?.ref }, Any, name);
      return '';
    }
    const s = c.desired?.spec ?? {};
    const Attributes = {
      VisibilityTimeout: String(s.visibilityTimeoutS),
      DelaySeconds: String(s.delayS),
      MessageRetentionPeriod: String(s.retentionS),
      ...(name.endsWith('.fifo') && c.action === 'create' ? { FifoQueue: 'true' } : {}),
    };
    const tags = { [PROJECT_TAG]: String(s.project) };
    if (c.action === 'create') {
      await sqsCall(this.ctx, 'CreateQueue', { QueueName: name, Attributes, tags }, Any, name);
    } else {
      const QueueUrl = c.current?.ref;
      await sqsCall(this.ctx, 'SetQueueAttributes', { QueueUrl, Attributes }, Any, name);
      await sqsCall(this.ctx, 'TagQueue', { QueueUrl, Tags: tags }, Any, name);
    }
    return '';
  }

  private async putNotification(c: Change, fn: string): Promise<string> {
    const slash = c.key.indexOf('/');
    const bucket = c.key.slice(0, slash);
    const id = c.key.slice(slash + 1);
    const rules = (await readRules(this.ctx, bucket)).filter((r) => r.Id !== id);
    if (c.action !== 'delete' && c.desired) {
      const s = c.desired.spec as { events: string[]; prefix: string; suffix: string };
      rules.push({
        Id: id,
        FunctionArn: await this.arnOf(fn),
        Events: s.events,
        Prefix: s.prefix,
        Suffix: s.suffix,
      });
    }
    await writeRules(this.ctx, bucket, rules);
    return '';
  }
}

/** `api.example.com GET /x` → domain and route; `GET /x` has no domain. */
export function splitRouteKey(key: string): { route: string; domain: string | null } {
  const parts = key.split(' ');
  return parts.length === 3
    ? { domain: parts[0] ?? null, route: `${parts[1]} ${parts[2]}` }
    : { domain: null, route: key };
}

function withoutNulls(spec: Resource['spec']): Record<string, unknown> {
  return Object.fromEntries(Object.entries(spec).filter(([, v]) => v !== null));
}
