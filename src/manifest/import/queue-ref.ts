import type { QueueSpec } from '../types.js';
import {
  arnName,
  type ImportContext,
  isObject,
  type Json,
  num,
  type Path,
  str,
} from './context.js';

/**
 * The queue an SQS event names: an ARN, `!GetAtt Q.Arn` / `{Fn::GetAtt: [Q, Arn]}`
 * or `!Ref Q` of an `AWS::SQS::Queue` in `resources` (its QueueName, else its
 * logical id, with its VisibilityTimeout / DelaySeconds / MessageRetentionPeriod).
 */
export function queueOf(
  ctx: ImportContext,
  path: Path,
  ref: unknown,
  resources: Json,
): { name: string; spec: QueueSpec | null } | undefined {
  if (typeof ref === 'string') return { name: arnName(ref), spec: null };
  let logical: string | undefined;
  if (isObject(ref)) {
    const att = ref['Fn::GetAtt'];
    if (typeof att === 'string') logical = att.split('.')[0];
    else if (Array.isArray(att)) logical = str(att[0]);
    else if (typeof ref.Ref === 'string') logical = ref.Ref;
  }
  const res = logical ? resources[logical] : undefined;
  if (!logical || !isObject(res) || res.Type !== 'AWS::SQS::Queue') {
    ctx.warn(
      path,
      `queue ${JSON.stringify(ref)}: not an ARN or a queue of this template: left out`,
    );
    return undefined;
  }
  const p = isObject(res.Properties) ? res.Properties : {};
  const spec: QueueSpec = {};
  if (num(p.VisibilityTimeout) !== undefined) spec.visibilityTimeoutS = num(p.VisibilityTimeout);
  if (num(p.DelaySeconds) !== undefined) spec.delayS = num(p.DelaySeconds);
  if (num(p.MessageRetentionPeriod) !== undefined) spec.retentionS = num(p.MessageRetentionPeriod);
  const name = str(p.QueueName) ?? logical;
  return {
    name: name.replace(/[^a-zA-Z0-9_.-]/g, '-'),
    spec: Object.keys(spec).length ? spec : null,
  };
}
