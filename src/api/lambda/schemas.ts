import { z } from 'zod';

/** Lambda's members that Nimbus accepts and ignores (no VPCs, KMS, X-Ray here). Unknown members are tolerated as on AWS. */
const tolerated = {
  VpcConfig: z.unknown().optional(),
  DeadLetterConfig: z.unknown().optional(),
  KMSKeyArn: z.unknown().optional(),
  TracingConfig: z.unknown().optional(),
  FileSystemConfigs: z.unknown().optional(),
  CodeSigningConfigArn: z.unknown().optional(),
  SnapStart: z.unknown().optional(),
  LoggingConfig: z.unknown().optional(),
  ImageConfig: z.unknown().optional(),
};

const environment = z.object({ Variables: z.record(z.string(), z.string()).optional() }).loose();

export const CodeInput = z
  .object({
    ZipFile: z.string().optional(),
    S3Bucket: z.string().optional(),
    S3Key: z.string().optional(),
    S3ObjectVersion: z.string().optional(),
    ImageUri: z.string().optional(),
  })
  .loose();

export const CreateFunctionBody = z
  .object({
    FunctionName: z.string().min(1).max(140),
    Runtime: z.string().optional(),
    Role: z.string().max(2048).optional(),
    Handler: z.string().max(128).optional(),
    Code: CodeInput,
    Description: z.string().max(256).optional(),
    Timeout: z.number().int().optional(),
    MemorySize: z.number().int().optional(),
    Publish: z.boolean().optional(),
    PackageType: z.enum(['Zip', 'Image']).optional(),
    Environment: environment.optional(),
    Tags: z.record(z.string(), z.string()).optional(),
    Layers: z.array(z.string()).optional(),
    Architectures: z.array(z.string()).optional(),
    EphemeralStorage: z.object({ Size: z.number().int() }).optional(),
    ...tolerated,
  })
  .loose();

export const UpdateCodeBody = z
  .object({
    ZipFile: z.string().optional(),
    S3Bucket: z.string().optional(),
    S3Key: z.string().optional(),
    S3ObjectVersion: z.string().optional(),
    ImageUri: z.string().optional(),
    Publish: z.boolean().optional(),
    DryRun: z.boolean().optional(),
    RevisionId: z.string().optional(),
    Architectures: z.array(z.string()).optional(),
  })
  .loose();

export const UpdateConfigBody = z
  .object({
    Role: z.string().optional(),
    Handler: z.string().max(128).optional(),
    Description: z.string().max(256).optional(),
    Timeout: z.number().int().optional(),
    MemorySize: z.number().int().optional(),
    Environment: environment.optional(),
    Runtime: z.string().optional(),
    RevisionId: z.string().optional(),
    Layers: z.array(z.string()).optional(),
    EphemeralStorage: z.object({ Size: z.number().int() }).optional(),
    ...tolerated,
  })
  .loose();
