import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import {
  formatIssue,
  MANIFEST_SCHEMA,
  ManifestError,
  parseYaml,
  validateManifest,
} from '../../src/manifest/index.js';

/** The issues of one manifest text, as `line:column: message` lines. */
function issues(text: string): string[] {
  try {
    validateManifest(parseYaml(text, 'nimbus.yml'));
  } catch (e) {
    assert.ok(e instanceof ManifestError, String(e));
    return e.issues.map((i) => formatIssue(i).replace(/^nimbus\.yml:/, ''));
  }
  return [];
}

describe('manifest: validation with positions', () => {
  test('a valid manifest passes and keeps its values', () => {
    const m = validateManifest(
      parseYaml(
        'project: shop\nfunctions:\n  hello:\n    code: ./hello\n    routes: [GET /hello]\n',
        'nimbus.yml',
      ),
    );
    assert.equal(m.project, 'shop');
    assert.deepEqual(m.functions.hello?.routes, ['GET /hello']);
  });

  test('an unknown key is reported where the key is written, with the allowed keys', () => {
    const [first, ...rest] = issues(
      'project: shop\nfunctions:\n  hello:\n    code: .\n    memroy: 256\n',
    );
    assert.equal(rest.length, 0);
    assert.match(
      first ?? '',
      /^5:5: functions\.hello: unknown key "memroy"; allowed: code, runtime/,
    );
  });

  test('a close misspelling gets a suggestion', () => {
    assert.match(
      issues('project: shop\nfunctions:\n  hello:\n    code: .\n    handlr: index.handler\n')[0] ??
        '',
      /^5:5: .*unknown key "handlr" \(did you mean "handler"\?\)/,
    );
  });

  test('out-of-range numbers, bad routes and enums point at the value', () => {
    const text = [
      'project: shop',
      'functions:',
      '  hello:',
      '    code: .',
      '    memoryMb: 64',
      '    routes:',
      '      - GTE /x',
      '      - route: GET /y',
      '        auth: maybe',
      '    url: yes-please',
      '',
    ].join('\n');
    assert.deepEqual(issues(text), [
      '5:15: functions.hello.memoryMb: must be at least 128 (got 64)',
      `7:9: functions.hello.routes.0: invalid value "GTE /x": expected METHOD /path, e.g. 'GET /users/{id}' or 'ANY /{proxy+}'`,
      '9:15: functions.hello.routes.1.auth: must be one of "none", "key" (got "maybe")',
      '10:10: functions.hello.url: must be boolean or object (got "yes-please")',
    ]);
  });

  test('missing keys and bad names are named', () => {
    assert.deepEqual(issues('functions:\n  bad name:\n    runtime: nodejs20.x\n'), [
      '1:1: missing key "project"',
      '2:3: functions: invalid name "bad name" (must match ^[a-zA-Z0-9_-]{1,64}$)',
      '3:5: functions.bad name: missing key "code"',
    ]);
  });

  test('a YAML syntax error has its line and column', () => {
    assert.throws(
      () => parseYaml('project: x\nfunctions:\n  a: [\n', 'nimbus.yml'),
      (e: unknown) => e instanceof ManifestError && /^nimbus\.yml:4:1: /.test(e.message),
    );
  });

  test('CloudFormation short tags parse as their long forms', () => {
    const y = parseYaml(
      'a: !Ref Table\nb: !GetAtt Fn.Arn\nc: !Sub\n  - "$' + '{X}"\n  - { X: 1 }\n',
      't.yaml',
    );
    assert.deepEqual(y.value, {
      a: { Ref: 'Table' },
      b: { 'Fn::GetAtt': 'Fn.Arn' },
      c: { 'Fn::Sub': [`$${'{X}'}`, { X: 1 }] },
    });
  });

  test('docs/nimbus.schema.json is the schema the CLI validates with', () => {
    const published = JSON.parse(
      readFileSync(new URL('../../docs/nimbus.schema.json', import.meta.url), 'utf8'),
    );
    assert.deepEqual(published, JSON.parse(JSON.stringify(MANIFEST_SCHEMA)));
  });
});
