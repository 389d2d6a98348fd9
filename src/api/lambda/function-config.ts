import { type ArnContext, functionArn } from '../../shared/arn.js';
import type { FunctionRecord } from '../../store/types.js';

/**
 * Lambda's FunctionConfiguration for a record. `qualified` adds the version to
 * FunctionArn, as Lambda does for a Get with a Qualifier.
 */
export function toFunctionConfiguration(arn: ArnContext, fn: FunctionRecord, qualified = false) {
  return {
    FunctionName: fn.name,
    FunctionArn: functionArn(
      arn,
      fn.name,
      qualified || fn.version !== '$LATEST' ? fn.version : undefined,
    ),
    Runtime: fn.runtime,
    Role: fn.role,
    Handler: fn.handler,
    CodeSize: fn.codeSizeBytes,
    Description: fn.description,
    Timeout: fn.timeoutS,
    MemorySize: fn.memoryMb,
    LastModified: fn.lastModified,
    CodeSha256: fn.codeSha256,
    Version: fn.version,
    ...(Object.keys(fn.env).length ? { Environment: { Variables: fn.env } } : {}),
    TracingConfig: { Mode: 'PassThrough' },
    RevisionId: fn.revisionId,
    ...(fn.layers.length
      ? { Layers: fn.layers.map((l) => ({ Arn: l.arn, CodeSize: l.codeSizeBytes })) }
      : {}),
    State: 'Active',
    LastUpdateStatus: 'Successful',
    PackageType: 'Zip',
    Architectures: fn.architectures,
    EphemeralStorage: { Size: fn.ephemeralStorageMb },
    SnapStart: { ApplyOn: 'None', OptimizationStatus: 'Off' },
    LoggingConfig: { LogFormat: 'Text', LogGroup: `/aws/lambda/${fn.name}` },
  };
}

/** Nimbus-only settings, returned by the native API beside the Lambda shape. */
export function nimbusExtras(fn: FunctionRecord) {
  return {
    Initializer: fn.initializer,
    InitializationTimeout: fn.initializationTimeoutS,
    Flavour: fn.flavour,
    Service: fn.service,
  };
}
