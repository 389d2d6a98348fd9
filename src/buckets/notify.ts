import type { AwsRequest } from '../aws/request.js';
import type { Clock } from '../shared/clock.js';
import type { BucketRecord, NotificationRule } from '../store/index.js';
import { s3UrlEncode } from './names.js';
import { filterValue } from './notification-config.js';
import { hostId } from './reply.js';

/** What happened to an object, as an S3 event names it. */
export type ChangeEventName =
  | 'ObjectCreated:Put'
  | 'ObjectCreated:Post'
  | 'ObjectCreated:Copy'
  | 'ObjectCreated:CompleteMultipartUpload'
  | 'ObjectRemoved:Delete'
  | 'ObjectRemoved:DeleteMarkerCreated';

/** One committed change to one object. */
export interface ObjectChange {
  eventName: ChangeEventName;
  key: string;
  /** Created objects only: S3 leaves size and eTag out of removal events. */
  object?: { sizeBytes: number; etag: string };
}

export interface NotifierDeps {
  clock: Clock;
  /** Owner of every bucket (`ownerIdentity.principalId`). */
  accountId: string;
  deliver: (functionArn: string, payload: Buffer) => Promise<void>;
  log: (line: string) => void;
}

/**
 * Turns committed object changes into S3 event notifications: for each of the
 * bucket's rules that matches, `deliver(functionArn, {"Records":[...]})` is
 * called before the S3 answer is sent; it is not awaited, and its failure is
 * only logged (the change is committed either way).
 */
export class Notifier {
  /** Last sequencer handed out: increases across every change, so per key too. */
  #lastSequence = 0n;

  constructor(private readonly deps: NotifierDeps) {}

  notify(bucket: BucketRecord, change: ObjectChange, r: AwsRequest): void {
    const rules = bucket.notifications.filter((rule) =>
      ruleMatches(rule, change.eventName, change.key),
    );
    if (rules.length === 0) return;
    const sequencer = this.#nextSequencer();
    for (const rule of rules) {
      const payload = Buffer.from(
        JSON.stringify({ Records: [this.#record(bucket, rule, change, sequencer, r)] }),
      );
      const failed = (e: unknown) =>
        this.deps.log(
          `s3 notification ${rule.id} for ${bucket.name}/${change.key} to ${rule.functionArn} failed: ${
            e instanceof Error ? e.message : String(e)
          }`,
        );
      try {
        this.deps.deliver(rule.functionArn, payload).catch(failed);
      } catch (e) {
        failed(e);
      }
    }
  }

  #record(
    bucket: BucketRecord,
    rule: NotificationRule,
    change: ObjectChange,
    sequencer: string,
    r: AwsRequest,
  ) {
    return {
      eventVersion: '2.1',
      eventSource: 'aws:s3',
      awsRegion: bucket.region,
      eventTime: new Date(this.deps.clock.now()).toISOString(),
      eventName: change.eventName,
      userIdentity: { principalId: r.accessKeyId ? `AWS:${r.accessKeyId}` : 'anonymous' },
      requestParameters: { sourceIPAddress: sourceIp(r) },
      responseElements: { 'x-amz-request-id': r.requestId, 'x-amz-id-2': hostId(r.requestId) },
      s3: {
        s3SchemaVersion: '1.0',
        configurationId: rule.id,
        bucket: {
          name: bucket.name,
          ownerIdentity: { principalId: this.deps.accountId },
          arn: `arn:aws:s3:::${bucket.name}`,
        },
        object: {
          key: s3UrlEncode(change.key),
          ...(change.object ? { size: change.object.sizeBytes, eTag: change.object.etag } : {}),
          sequencer,
        },
      },
    };
  }

  /** Upper-case hex of (ms << 16 | counter), strictly increasing even within one millisecond. */
  #nextSequencer(): string {
    const fromClock = BigInt(Math.max(0, Math.floor(this.deps.clock.now()))) << 16n;
    this.#lastSequence = fromClock > this.#lastSequence ? fromClock : this.#lastSequence + 1n;
    return this.#lastSequence.toString(16).toUpperCase().padStart(18, '0');
  }
}

/**
 * Whether `rule` fires for `eventName` on `key`. Filters match the key as
 * stored or, as S3 documents for special characters, its URL-encoded form.
 */
export function ruleMatches(rule: NotificationRule, eventName: string, key: string): boolean {
  const family = eventName.split(':')[0];
  const fires = rule.events.some((e) => e === `s3:${eventName}` || e === `s3:${family}:*`);
  if (!fires) return false;
  const prefix = filterValue(rule, 'prefix');
  const suffix = filterValue(rule, 'suffix');
  const matches = (k: string) => k.startsWith(prefix) && k.endsWith(suffix);
  return matches(key) || matches(s3UrlEncode(key));
}

function sourceIp(r: AwsRequest): string {
  const ip = r.req.socket.remoteAddress ?? '127.0.0.1';
  return ip.startsWith('::ffff:') ? ip.slice(7) : ip;
}
