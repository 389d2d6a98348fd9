import { fail } from '../../shared/error-codes.js';
import { isNimbusError } from '../../shared/errors.js';
import { base64Field } from '../body.js';
import type { ApiDeps } from '../deps.js';

/** Where a function's or layer's zip comes from in a Lambda API body. */
export interface CodeSource {
  ZipFile?: string | undefined;
  S3Bucket?: string | undefined;
  S3Key?: string | undefined;
  S3ObjectVersion?: string | undefined;
  ImageUri?: string | undefined;
}

/**
 * The zip bytes of a `Code` / `Content` / UpdateFunctionCode body: inline
 * (`ZipFile`, base64) or an object in Nimbus's own S3 (`S3Bucket` + `S3Key`),
 * with Lambda's errors for a missing source or object.
 */
export async function zipFromSource(
  deps: Pick<ApiDeps, 'objects'>,
  code: CodeSource,
  what: 'function code' | 'layer content',
): Promise<Buffer> {
  if (code.ImageUri) {
    throw fail(
      'InvalidParameterValueException',
      'Container images are not supported by Nimbus: upload a .zip as ZipFile',
    );
  }
  if (code.S3Bucket !== undefined || code.S3Key !== undefined) {
    if (code.ZipFile) {
      throw fail(
        'InvalidParameterValueException',
        'Please specify either S3Bucket/S3Key or ZipFile, not both.',
      );
    }
    if (!code.S3Bucket || !code.S3Key) {
      throw fail('InvalidParameterValueException', 'Both S3Bucket and S3Key must be specified.');
    }
    if (code.S3ObjectVersion) {
      throw fail(
        'InvalidParameterValueException',
        'S3ObjectVersion is not supported: Nimbus buckets keep one version of each object.',
      );
    }
    try {
      return await deps.objects.read(code.S3Bucket, code.S3Key);
    } catch (e) {
      if (isNimbusError(e) && e.status < 500) {
        throw fail(
          'InvalidParameterValueException',
          `Error occurred while GetObject. S3 Error Code: ${e.code}. S3 Error Message: ${e.message}`,
        );
      }
      throw e;
    }
  }
  if (!code.ZipFile) {
    throw fail(
      'InvalidParameterValueException',
      `Please provide a source for ${what} (ZipFile, or S3Bucket and S3Key).`,
    );
  }
  return base64Field(code.ZipFile, 'ZipFile');
}
