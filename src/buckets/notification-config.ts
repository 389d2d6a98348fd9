import type { NotificationFilterRule, NotificationRule } from '../store/index.js';
import { s3Error } from './errors.js';
import { children, childText, childTree, type XmlTree } from './xml.js';

/** The event types a rule may name: every one of them fires (see notify.ts). */
export const NOTIFICATION_EVENTS = [
  's3:ObjectCreated:*',
  's3:ObjectCreated:Put',
  's3:ObjectCreated:Post',
  's3:ObjectCreated:Copy',
  's3:ObjectCreated:CompleteMultipartUpload',
  's3:ObjectRemoved:*',
  's3:ObjectRemoved:Delete',
  's3:ObjectRemoved:DeleteMarkerCreated',
] as const;

const KNOWN_EVENTS: ReadonlySet<string> = new Set(NOTIFICATION_EVENTS);
/** Destinations we refuse: only Lambda functions are delivered to. */
const OTHER_DESTINATIONS = ['QueueConfiguration', 'TopicConfiguration', 'EventBridgeConfiguration'];

/**
 * Reads a `<NotificationConfiguration>` body (S3's wire names: the SDKs'
 * LambdaFunctionConfigurations are `CloudFunctionConfiguration` elements) into
 * rules, validating events, filters and overlaps; `newId` names rules sent
 * without an `Id`. Queue, topic and EventBridge destinations are refused.
 */
export function parseNotificationConfig(
  doc: Record<string, unknown>,
  newId: () => string,
): NotificationRule[] {
  const root = childTree(doc, 'NotificationConfiguration');
  if (!root) throw s3Error('MalformedXML');
  for (const other of OTHER_DESTINATIONS) {
    if (root[other] !== undefined) {
      throw s3Error(
        'InvalidArgument',
        `${other} is not supported: this server delivers notifications to Lambda functions only (CloudFunctionConfiguration).`,
        { ArgumentName: other },
      );
    }
  }
  const rules = children(root, 'CloudFunctionConfiguration').map((c) => parseRule(c, newId));
  checkOverlaps(rules);
  return rules;
}

function parseRule(node: unknown, newId: () => string): NotificationRule {
  const functionArn = childText(node, 'CloudFunction')?.trim();
  if (!functionArn) throw s3Error('InvalidArgument', 'A CloudFunction (Lambda ARN) is required.');
  const events = children(node, 'Event').map((e) => (typeof e === 'string' ? e.trim() : ''));
  if (events.length === 0) throw s3Error('InvalidArgument', 'At least one Event is required.');
  for (const e of events) {
    if (!KNOWN_EVENTS.has(e)) {
      throw s3Error('InvalidArgument', 'The event is not supported for notifications', {
        ArgumentName: 'Event',
        ArgumentValue: e,
      });
    }
  }
  const key = childTree(childTree(node, 'Filter'), 'S3Key');
  const filterRules: NotificationFilterRule[] = children(key, 'FilterRule').map((f) => ({
    name: childText(f, 'Name') ?? '',
    value: childText(f, 'Value') ?? '',
  }));
  for (const kind of ['prefix', 'suffix']) {
    if (filterRules.filter((f) => f.name.toLowerCase() === kind).length > 1) {
      throw s3Error('InvalidArgument', `Cannot specify more than one ${kind} rule in a filter.`, {
        ArgumentName: 'FilterRule',
      });
    }
  }
  for (const f of filterRules) {
    if (!['prefix', 'suffix'].includes(f.name.toLowerCase())) {
      throw s3Error('InvalidArgument', 'filter rule name must be either prefix or suffix', {
        ArgumentName: 'FilterRule.Name',
        ArgumentValue: f.name,
      });
    }
  }
  return { id: childText(node, 'Id')?.trim() || newId(), functionArn, events, filterRules };
}

/** A rule's prefix or suffix filter value ('' when it has none). */
export function filterValue(rule: NotificationRule, kind: 'prefix' | 'suffix'): string {
  return rule.filterRules.find((f) => f.name.toLowerCase() === kind)?.value ?? '';
}

/** S3 refuses two rules that could both fire for one event on one key. */
function checkOverlaps(rules: NotificationRule[]): void {
  for (let i = 0; i < rules.length; i++) {
    for (let j = i + 1; j < rules.length; j++) {
      const a = rules[i]!;
      const b = rules[j]!;
      const pa = filterValue(a, 'prefix');
      const pb = filterValue(b, 'prefix');
      const sa = filterValue(a, 'suffix');
      const sb = filterValue(b, 'suffix');
      const overlap =
        sharesEvent(a.events, b.events) &&
        (pa.startsWith(pb) || pb.startsWith(pa)) &&
        (sa.endsWith(sb) || sb.endsWith(sa));
      if (overlap) {
        throw s3Error(
          'InvalidArgument',
          'Configuration is ambiguously defined. Cannot have overlapping suffixes in two rules if the prefixes are overlapping for the same event type.',
        );
      }
    }
  }
}

function sharesEvent(a: string[], b: string[]): boolean {
  const family = (e: string) => e.split(':').slice(0, 2).join(':');
  return a.some((x) =>
    b.some((y) => x === y || (family(x) === family(y) && (x.endsWith(':*') || y.endsWith(':*')))),
  );
}

/** The rules as the body of GetBucketNotificationConfiguration. */
export function notificationConfigXml(rules: NotificationRule[]): XmlTree {
  return {
    CloudFunctionConfiguration: rules.map((r) => ({
      Id: r.id,
      CloudFunction: r.functionArn,
      Event: r.events,
      Filter:
        r.filterRules.length > 0
          ? { S3Key: { FilterRule: r.filterRules.map((f) => ({ Name: f.name, Value: f.value })) } }
          : undefined,
    })),
  };
}
