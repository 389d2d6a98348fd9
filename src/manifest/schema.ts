/**
 * The JSON Schema (draft-07) of `nimbus.yml`. docs/nimbus.schema.json is this
 * object, written by `writeSchemaFile` (a test fails when the two differ), so
 * editors can validate manifests with `# yaml-language-server: $schema=...`.
 */

const NAME = '^[a-zA-Z0-9_-]{1,64}$';

const LAYER_NAME = '^[a-zA-Z0-9_-]{1,64}$';

const strings = { type: 'array', items: { type: 'string', minLength: 1 } };

const cors = {
  type: 'object',
  additionalProperties: false,
  required: ['allowOrigins'],
  properties: {
    allowOrigins: { ...strings, minItems: 1 },
    allowMethods: strings,
    allowHeaders: strings,
    exposeHeaders: strings,
    allowCredentials: { type: 'boolean' },
    maxAgeS: { type: 'integer', minimum: 0, maximum: 86400 },
  },
};

const routeText = {
  type: 'string',
  pattern: '^(ANY|GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS) /\\S*$',
  description: "METHOD /path, e.g. 'GET /users/{id}' or 'ANY /{proxy+}'",
};

const route = {
  oneOf: [
    routeText,
    {
      type: 'object',
      additionalProperties: false,
      required: ['route'],
      properties: {
        route: routeText,
        domain: { type: 'string', minLength: 1, maxLength: 253 },
        payload: { enum: ['2.0', '1.0', 'fc'] },
        auth: { enum: ['none', 'key'] },
        cors,
      },
    },
  ],
};

const settings = {
  runtime: { type: 'string', pattern: '^[a-z0-9.]{1,64}$' },
  handler: { type: 'string', pattern: '^\\S{1,128}$' },
  memoryMb: { type: 'integer', minimum: 128, maximum: 10240 },
  timeoutS: { type: 'integer', minimum: 1, maximum: 900 },
  env: {
    type: 'object',
    propertyNames: { pattern: '^[a-zA-Z][a-zA-Z0-9_]*$' },
    additionalProperties: { type: ['string', 'number', 'boolean'] },
  },
  description: { type: 'string', maxLength: 256 },
  flavour: { enum: ['lambda', 'fc'] },
  initializer: { type: 'string', pattern: '^[^\\s.][^\\s]*\\.[^\\s.]+$' },
  initializationTimeoutS: { type: 'integer', minimum: 1, maximum: 900 },
  service: { type: 'string', pattern: '^[a-zA-Z_][a-zA-Z0-9_-]{0,127}$' },
  reservedConcurrency: { type: 'integer', minimum: 0, maximum: 10000 },
  layers: {
    type: 'array',
    maxItems: 5,
    items: {
      type: 'string',
      pattern: `${LAYER_NAME}|^arn:aws:lambda:[^:]+:\\d{12}:layer:[a-zA-Z0-9_-]+:\\d+$`,
      description: 'a layer of this manifest, or a layer version ARN',
    },
  },
  async: {
    type: 'object',
    additionalProperties: false,
    properties: {
      maxRetries: { type: 'integer', minimum: 0, maximum: 2 },
      maxEventAgeS: { type: 'integer', minimum: 60, maximum: 21600 },
      onSuccess: { type: 'string', pattern: NAME },
      onFailure: { type: 'string', pattern: NAME },
    },
  },
};

const fn = {
  type: 'object',
  additionalProperties: false,
  required: ['code'],
  properties: {
    code: { type: 'string', minLength: 1, description: 'folder or .zip, relative to the manifest' },
    ...settings,
    routes: { type: 'array', items: route },
    url: {
      oneOf: [
        { type: 'boolean' },
        {
          type: 'object',
          additionalProperties: false,
          properties: {
            authType: { enum: ['NONE', 'AWS_IAM'] },
            invokeMode: { enum: ['BUFFERED', 'RESPONSE_STREAM'] },
          },
        },
      ],
    },
    timers: {
      type: 'object',
      propertyNames: { pattern: '^[a-zA-Z0-9._-]{1,64}$' },
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        required: ['schedule'],
        properties: {
          schedule: { type: 'string', minLength: 1 },
          timezone: { type: 'string', minLength: 1 },
          payload: { type: 'string' },
          enabled: { type: 'boolean' },
        },
      },
    },
    queues: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['queue'],
        properties: {
          queue: { type: 'string', pattern: '^[a-zA-Z0-9_-]{1,80}(\\.fifo)?$' },
          batchSize: { type: 'integer', minimum: 1, maximum: 10000 },
          windowS: { type: 'integer', minimum: 0, maximum: 300 },
          reportFailures: { type: 'boolean' },
          enabled: { type: 'boolean' },
        },
      },
    },
    buckets: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['bucket'],
        properties: {
          bucket: { type: 'string', pattern: '^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$' },
          events: { ...strings, minItems: 1 },
          prefix: { type: 'string' },
          suffix: { type: 'string' },
        },
      },
    },
  },
};

/** The schema object ajv compiles. */
export const MANIFEST_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://nimbus.dev/nimbus.schema.json',
  title: 'nimbus.yml',
  description: 'A Nimbus project: functions, their triggers, queues and buckets (docs/manifest.md)',
  type: 'object',
  additionalProperties: false,
  required: ['project', 'functions'],
  properties: {
    $schema: { type: 'string' },
    project: {
      type: 'string',
      pattern: '^[a-zA-Z0-9_-]{1,64}$',
      description: 'what this manifest owns on the server (tag nimbus:project)',
    },
    defaults: { type: 'object', additionalProperties: false, properties: settings },
    functions: {
      type: 'object',
      propertyNames: { pattern: NAME },
      minProperties: 1,
      additionalProperties: fn,
    },
    layers: {
      type: 'object',
      propertyNames: { pattern: LAYER_NAME },
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        required: ['code'],
        properties: {
          code: {
            type: 'string',
            minLength: 1,
            description: 'folder or .zip, relative to the manifest',
          },
          description: { type: 'string', maxLength: 256 },
          compatibleRuntimes: { ...strings, maxItems: 15 },
        },
      },
    },
    services: {
      type: 'object',
      propertyNames: { pattern: '^[a-zA-Z_][a-zA-Z0-9_-]{0,127}$' },
      additionalProperties: {
        type: ['object', 'null'],
        additionalProperties: false,
        properties: {
          description: { type: 'string', maxLength: 256 },
          internetAccess: { type: 'boolean' },
          logRetentionDays: { type: 'integer', minimum: 1, maximum: 3650 },
          env: settings.env,
        },
      },
    },
    queues: {
      type: 'object',
      propertyNames: { pattern: '^[a-zA-Z0-9_-]{1,80}(\\.fifo)?$' },
      additionalProperties: {
        type: ['object', 'null'],
        additionalProperties: false,
        properties: {
          visibilityTimeoutS: { type: 'integer', minimum: 0, maximum: 43200 },
          delayS: { type: 'integer', minimum: 0, maximum: 900 },
          retentionS: { type: 'integer', minimum: 60, maximum: 1209600 },
        },
      },
    },
    buckets: {
      type: 'object',
      propertyNames: { pattern: '^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$' },
      additionalProperties: { type: ['object', 'null'], additionalProperties: false },
    },
  },
} as const;
