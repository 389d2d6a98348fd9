import { z } from 'zod';

// The parts of the server's answers the CLI reads. Unknown fields are ignored
// (stripped here, kept in the raw JSON printed by --json).

/** Lambda FunctionConfiguration, plus Nimbus's own extension block. */
export const FunctionConfiguration = z.object({
  FunctionName: z.string(),
  FunctionArn: z.string().nullish(),
  Runtime: z.string().nullish(),
  Handler: z.string().nullish(),
  MemorySize: z.number().nullish(),
  Timeout: z.number().nullish(),
  CodeSize: z.number().nullish(),
  CodeSha256: z.string().nullish(),
  Description: z.string().nullish(),
  LastModified: z.string().nullish(),
  State: z.string().nullish(),
  StateReason: z.string().nullish(),
  Version: z.string().nullish(),
  Environment: z.object({ Variables: z.record(z.string(), z.string()).nullish() }).nullish(),
  Nimbus: z
    .object({
      Initializer: z.string().nullish(),
      InitializationTimeout: z.number().nullish(),
      Flavour: z.string().nullish(),
      Service: z.string().nullish(),
    })
    .nullish(),
});
export type FunctionConfiguration = z.output<typeof FunctionConfiguration>;

/** `GET /2015-03-31/functions` */
export const ListFunctionsAnswer = z.object({
  Functions: z.array(FunctionConfiguration),
  NextMarker: z.string().nullish(),
});

/** `GET /2015-03-31/functions/{name}` */
export const GetFunctionAnswer = z.object({ Configuration: FunctionConfiguration });

/** `PUT /nimbus/v1/functions/{name}` */
export const DeployAnswer = z.object({ created: z.boolean(), function: FunctionConfiguration });

export const LogEvent = z.object({
  id: z.number().nullish(),
  timestamp: z.number(),
  requestId: z.string().nullish(),
  message: z.string(),
});
export type LogEvent = z.output<typeof LogEvent>;

/** `GET /nimbus/v1/functions/{name}/logs` */
export const LogsAnswer = z.object({
  events: z.array(LogEvent),
  nextCursor: z.string().nullish(),
});
