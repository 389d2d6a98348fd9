/**
 * The OpenTelemetry semantic-convention names Nimbus's spans carry. The FaaS, cloud and
 * messaging ones are still "incubating" in @opentelemetry/semantic-conventions, whose
 * README asks users to copy them rather than import the unstable entry point; a test
 * checks each copy against the installed package.
 */
export const ATTR = {
  faasTrigger: 'faas.trigger',
  faasInvocationId: 'faas.invocation.id',
  faasName: 'faas.name',
  faasVersion: 'faas.version',
  faasColdstart: 'faas.coldstart',
  faasMaxMemory: 'faas.max_memory',
  cloudResourceId: 'cloud.resource_id',
  cloudRegion: 'cloud.region',
  cloudAccountId: 'cloud.account.id',
  messagingSystem: 'messaging.system',
  messagingOperationType: 'messaging.operation.type',
  messagingDestinationName: 'messaging.destination.name',
  messagingBatchMessageCount: 'messaging.batch.message_count',
} as const;

/** `faas.trigger` values. */
export type FaasTrigger = 'http' | 'pubsub' | 'timer' | 'datasource' | 'other';

/** Nimbus's own attributes (no convention covers them). */
export const NIMBUS_ATTR = {
  /** `RequestResponse` or `Event`, on Invoke API spans. */
  invocationType: 'nimbus.invocation_type',
  /** How the instance came to serve: cold, prewarmed, provisioned or warm. */
  startType: 'nimbus.start_type',
  /** Lambda's dotted error type of a failed invocation (`Sandbox.Timedout`, ...). */
  errorType: 'nimbus.error_type',
  /** Who submitted an async event (`api`, `timer:NAME`, ...). */
  source: 'nimbus.source',
} as const;
