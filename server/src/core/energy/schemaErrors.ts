// Turns ajv's error objects into "field path + what was expected" pairs that a person can act on;
// shared by the profile, budget and calibration loaders.
import type { ErrorObject } from 'ajv';

/** One schema violation: dotted field path ("power.maxW.value", "budgets[0].file") and expectation. */
export interface FieldError {
  field: string;
  expected: string;
}

/** Distinct, readable errors for ajv's output (ajv must run with `verbose: true` for the values). */
export function describeSchemaErrors(errors: ErrorObject[]): FieldError[] {
  const seen = new Map<string, FieldError>();
  const anyOfPaths = new Set(errors.filter((e) => e.keyword === 'anyOf').map((e) => e.instancePath));
  for (const error of errors) {
    // The branches of a failed anyOf only repeat it; the anyOf error itself says what would do.
    if (error.keyword !== 'anyOf' && anyOfPaths.has(error.instancePath) && error.schemaPath.includes('/anyOf/'))
      continue;
    const err = describe(error);
    seen.set(`${err.field}\u0000${err.expected}`, err);
  }
  return [...seen.values()];
}

function describe(error: ErrorObject): FieldError {
  const field = pointerToPath(error.instancePath);
  const params = error.params as Record<string, unknown>;
  const got = `got ${JSON.stringify(error.data)}`;
  switch (error.keyword) {
    case 'required':
      return { field: child(field, String(params.missingProperty)), expected: 'a required field, missing' };
    case 'additionalProperties':
      return {
        field: child(field, String(params.additionalProperty)),
        expected: `no such field (allowed: ${allowed(error)})`,
      };
    case 'type':
      return { field, expected: `a ${String(params.type)}, ${got}` };
    case 'enum':
      return { field, expected: `one of ${(params.allowedValues as unknown[]).join(', ')}, ${got}` };
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return { field, expected: `a number ${String(params.comparison)} ${String(params.limit)}, ${got}` };
    case 'dependencies':
      return {
        field: child(field, String(params.missingProperty)),
        expected: `a required field when ${String(params.property)} is set, missing`,
      };
    case 'anyOf':
      return { field, expected: anyOfExpectation(error) };
    case 'pattern':
      return { field, expected: `a string matching ${String(params.pattern)}, ${got}` };
    default:
      return { field, expected: `${error.message ?? error.keyword}` };
  }
}

/** "at least one of a, b, c" for an anyOf of `required` branches; ajv's words otherwise. */
function anyOfExpectation(error: ErrorObject): string {
  const branches = error.schema as { required?: string[] }[];
  const names = Array.isArray(branches) ? branches.flatMap((b) => b.required ?? []) : [];
  return names.length > 0 ? `at least one of ${names.join(', ')}` : (error.message ?? 'anyOf');
}

/** The property names a failing object allows, from its schema (ajv's verbose mode). */
function allowed(error: ErrorObject): string {
  const props = (error.parentSchema as { properties?: Record<string, unknown> } | undefined)?.properties;
  return props ? Object.keys(props).join(', ') : 'see the schema';
}

/** JSON pointer "/power/maxW/value" → "power.maxW.value"; array items as "budgets[0]". */
export function pointerToPath(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((acc, seg) => (/^\d+$/.test(seg) ? `${acc}[${seg}]` : child(acc, seg)), '');
}

function child(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}
