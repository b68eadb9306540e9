// An example value for a JSON schema, as a Postman body shows it: the schema's own example,
// const, default or first enum value when it has one, else a placeholder of the right type.
// Depth is bounded, so a schema that refers to itself still gives a finite example.

export interface JsonSchema {
  type?: string | string[];
  format?: string;
  description?: string;
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  example?: unknown;
  examples?: unknown[];
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  minimum?: number;
  nullable?: boolean;
  $ref?: string;
}

/** Follows a `$ref` (to `#/components/...`); a schema without one is returned as it is. */
export type SchemaResolver = (schema: JsonSchema) => JsonSchema;

const DEPTH_MAX = 12;

export function exampleOf(schema: JsonSchema | undefined, resolve: SchemaResolver, depth = 0): unknown {
  if (schema === undefined || depth > DEPTH_MAX) return null;
  const resolved = resolve(schema);
  const given = givenExample(resolved);
  if (given.found) return given.value;
  const branches = resolved.anyOf ?? resolved.oneOf;
  if (branches !== undefined && branches.length > 0) {
    const branch = branches.find((candidate) => resolve(candidate).type !== 'null') ?? branches[0];
    return exampleOf(branch, resolve, depth + 1);
  }
  if (resolved.allOf !== undefined) {
    const parts = resolved.allOf.map((part) => exampleOf(part, resolve, depth + 1));
    return parts.every(isPlainObject) ? Object.assign({}, ...parts) : (parts[0] ?? null);
  }
  switch (typeOf(resolved)) {
    case 'object':
      return Object.fromEntries(Object.entries(resolved.properties ?? {}).map(([name, property]) => [name, exampleOf(property, resolve, depth + 1)]));
    case 'array':
      return resolved.items === undefined ? [] : [exampleOf(resolved.items, resolve, depth + 1)];
    case 'integer':
    case 'number':
      return resolved.minimum ?? 0;
    case 'boolean':
      return true;
    case 'null':
      return null;
    case 'string':
      return `<${resolved.format ?? 'string'}>`;
    default:
      return null;
  }
}

function givenExample(schema: JsonSchema): { found: true; value: unknown } | { found: false } {
  if (schema.example !== undefined) return { found: true, value: schema.example };
  if (Array.isArray(schema.examples) && schema.examples.length > 0) return { found: true, value: schema.examples[0] };
  if (schema.const !== undefined) return { found: true, value: schema.const };
  if (schema.default !== undefined) return { found: true, value: schema.default };
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return { found: true, value: schema.enum[0] };
  return { found: false };
}

function typeOf(schema: JsonSchema): string | undefined {
  const type = Array.isArray(schema.type) ? schema.type.find((name) => name !== 'null') ?? schema.type[0] : schema.type;
  if (type !== undefined) return type;
  if (schema.properties !== undefined) return 'object';
  if (schema.items !== undefined) return 'array';
  return undefined;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
