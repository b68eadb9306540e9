// Converts an OpenAPI 3 document into a Postman Collection v2.1: a folder per tag, a request per
// operation. The output depends only on the document and the options (sorted, ids hashed from
// method and path, no timestamps), so converting the same document again gives the same JSON.
// Security: apiKey schemes in a header become that header, valued by a collection variable named
// after the scheme ({{clientId}}); any other scheme (http bearer, OAuth) becomes bearer {{token}}.
import { createHash } from 'node:crypto';
import { exampleOf, type JsonSchema } from './example-value.js';
import {
  POSTMAN_SCHEMA_URL, type PostmanBody, type PostmanCollection, type PostmanFolder, type PostmanItem, type PostmanKeyValue, type PostmanRequest, type PostmanUrl, type PostmanVariable,
} from './postman-collection.js';

export interface OpenApiParameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  description?: string;
  schema?: JsonSchema;
  example?: unknown;
  $ref?: string;
}

interface MediaType {
  schema?: JsonSchema;
  example?: unknown;
  examples?: Record<string, { value?: unknown }>;
}

export interface OpenApiOperation {
  summary?: string;
  description?: string;
  tags?: string[];
  parameters?: OpenApiParameter[];
  requestBody?: { content?: Record<string, MediaType>; $ref?: string };
  /** Each entry is one way to authenticate; `[]` or `[{}]` means none is needed. */
  security?: Array<Record<string, string[]>>;
}

export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

export type OpenApiPathItem = Partial<Record<HttpMethod, OpenApiOperation>> & { parameters?: OpenApiParameter[] };

export interface OpenApiDocument {
  openapi: string;
  info: { title: string; description?: string; version: string };
  paths?: Record<string, OpenApiPathItem>;
  tags?: Array<{ name: string; description?: string }>;
  security?: Array<Record<string, string[]>>;
  components?: Record<string, unknown>;
}

export interface ConvertOptions {
  /** The value of the collection's `baseUrl` variable, e.g. http://127.0.0.1:8101. */
  baseUrl: string;
  /**
   * The variables of apiKey header schemes, by scheme name: a value that works out of the box
   * (a development key) and a note added to the variable's description. A scheme without an entry
   * still gets its variable, empty.
   */
  keys?: Readonly<Record<string, KeyVariable>>;
}

export interface KeyVariable {
  value: string;
  note?: string;
}

/** A `components.securitySchemes` entry, as far as the converter reads it. */
interface SecurityScheme {
  type?: string;
  in?: string;
  name?: string;
  description?: string;
}

type SecurityRequirement = Record<string, string[]>;

/** Headers OpenAPI describes elsewhere than in parameters (body media type, security). */
const IGNORED_HEADERS = new Set(['accept', 'content-type', 'authorization']);

export function openApiToPostman(document: OpenApiDocument, options: ConvertOptions): PostmanCollection {
  const title = document.info.title;
  const folders = new Map<string, PostmanItem[]>();
  const loose: PostmanItem[] = [];
  const keySchemes = new Set<string>();
  for (const path of Object.keys(document.paths ?? {}).sort(byText)) {
    const pathItem = document.paths?.[path] ?? {};
    for (const method of HTTP_METHODS) {
      const operation = pathItem[method];
      if (operation === undefined) continue;
      const item = itemOf(document, title, method, path, operation, pathItem.parameters ?? []);
      for (const name of headerSchemesOf(document, requirementOf(operation.security ?? document.security))) keySchemes.add(name);
      const tag = operation.tags?.[0];
      if (tag === undefined) loose.push(item);
      else if (folders.has(tag)) folders.get(tag)?.push(item);
      else folders.set(tag, [item]);
    }
  }
  const tagDescriptions = new Map((document.tags ?? []).map((tag) => [tag.name, tag.description]));
  const folderItems = [...folders.keys()].sort(byText).map((tag): PostmanFolder => ({
    id: stableId(title, 'folder', tag),
    name: tag,
    ...withDescription(tagDescriptions.get(tag)),
    item: folders.get(tag) ?? [],
  }));
  // Declared in the document's order of schemes, whatever the order of the paths that use them.
  const keyNames = Object.keys(securitySchemesOf(document)).filter((name) => keySchemes.has(name));
  const keyVariables = keyNames.map((name): PostmanVariable => {
    const description = [securitySchemesOf(document)[name]?.description, options.keys?.[name]?.note].filter((text) => text !== undefined && text !== '').join(' ');
    return { key: name, value: options.keys?.[name]?.value ?? '', type: 'string', ...withDescription(description) };
  });
  return {
    info: {
      _postman_id: stableId(title),
      name: title,
      description: `${document.info.description ?? ''}\n\n${collectionNote(document, keyNames, options)}`.trim(),
      schema: POSTMAN_SCHEMA_URL,
    },
    item: [...folderItems, ...loose],
    variable: [
      { key: 'baseUrl', value: options.baseUrl, type: 'string', description: "The service's address" },
      { key: 'token', value: '', type: 'string', description: 'A bearer token, for the requests that need one' },
      ...keyVariables,
    ],
  };
}

function collectionNote(document: OpenApiDocument, keyNames: string[], options: ConvertOptions): string {
  const generated = `Generated from the service's OpenAPI document (version ${document.info.version}); set {{token}} for the routes that need a bearer token.`;
  if (keyNames.length === 0) return generated;
  const headers = keyNames.map((name) => `${securitySchemesOf(document)[name]?.name ?? name}: {{${name}}}`).join(', ');
  const notes = keyNames.flatMap((name) => {
    const note = options.keys?.[name]?.note;
    return note === undefined || note === '' ? [] : [`{{${name}}}: ${note}`];
  });
  return [generated, `The routes that authenticate with key headers send them from collection variables (${headers}).`, ...notes].join(' ');
}

function itemOf(document: OpenApiDocument, title: string, method: HttpMethod, path: string, operation: OpenApiOperation, shared: OpenApiParameter[]): PostmanItem {
  const resolved = (list: OpenApiParameter[]) => list.map((parameter) => resolveRef(document, parameter));
  const parameters = mergeParameters(resolved(shared), resolved(operation.parameters ?? []));
  const requirement = requirementOf(operation.security ?? document.security);
  const keyNames = headerSchemesOf(document, requirement);
  const keyHeaders = keyNames.map((name): PostmanKeyValue => {
    const scheme = securitySchemesOf(document)[name];
    return { key: scheme?.name ?? name, value: `{{${name}}}`, ...withDescription(scheme?.description), type: 'text' };
  });
  const keyHeaderNames = new Set(keyHeaders.map((entry) => entry.key.toLowerCase()));
  const header = [
    ...keyHeaders,
    ...parameters
      .filter((parameter) => parameter.in === 'header' && !IGNORED_HEADERS.has(parameter.name.toLowerCase()) && !keyHeaderNames.has(parameter.name.toLowerCase()))
      .map((parameter) => headerOf(document, parameter)),
  ];
  const body = bodyOf(document, operation);
  if (body?.mode === 'raw') header.push({ key: 'Content-Type', value: 'application/json', type: 'text' });
  if (body?.mode === 'urlencoded') header.push({ key: 'Content-Type', value: 'application/x-www-form-urlencoded', type: 'text' });
  const request: PostmanRequest = {
    method: method.toUpperCase(),
    ...withDescription(operation.description),
    header,
    url: urlOf(document, path, parameters, keyNames),
    ...(body === undefined ? {} : { body }),
    ...(needsToken(document, requirement) ? { auth: { type: 'bearer', bearer: [{ key: 'token', value: '{{token}}', type: 'string' }] } as const } : {}),
  };
  return { id: stableId(title, method.toUpperCase(), path), name: operation.summary ?? `${method.toUpperCase()} ${path}`, request, response: [] };
}

function urlOf(document: OpenApiDocument, path: string, parameters: OpenApiParameter[], keyNames: string[]): PostmanUrl {
  // OpenAPI's {name} is Postman's (and fastify's) :name.
  const segments = path.split('/').filter((segment) => segment !== '').map((segment) => segment.replace(/\{([^}]+)\}/g, ':$1'));
  const query = parameters.filter((parameter) => parameter.in === 'query').map((parameter) => ({
    key: parameter.name,
    value: exampleText(document, parameter),
    ...withDescription(describe(parameter)),
    // Optional parameters are listed, switched off: the request works as it is, and shows what it may add.
    ...(parameter.required === true ? {} : { disabled: true }),
  }));
  // A path id that must be the authenticated one (the seeds' /getLock/:businessId/...) takes its key variable.
  const sameId = (name: string) => keyNames.find((keyName) => looseName(keyName) === looseName(name));
  const variable = parameters.filter((parameter) => parameter.in === 'path').map((parameter) => ({
    key: parameter.name,
    value: sameId(parameter.name) === undefined ? exampleText(document, parameter) : `{{${sameId(parameter.name)}}}`,
    ...withDescription(describe(parameter)),
  }));
  const enabled = query.filter((entry) => entry.disabled !== true).map((entry) => `${entry.key}=${entry.value}`);
  return {
    raw: `{{baseUrl}}/${segments.join('/')}${enabled.length > 0 ? `?${enabled.join('&')}` : ''}`,
    host: ['{{baseUrl}}'],
    path: segments,
    ...(query.length > 0 ? { query } : {}),
    ...(variable.length > 0 ? { variable } : {}),
  };
}

function headerOf(document: OpenApiDocument, parameter: OpenApiParameter): PostmanKeyValue {
  // An idempotency key must be new for each new operation (and reused only on retry).
  const value = parameter.name.toLowerCase() === 'idempotency-key' ? '{{$guid}}' : exampleText(document, parameter);
  return { key: parameter.name, value, ...withDescription(describe(parameter)), type: 'text' };
}

function bodyOf(document: OpenApiDocument, operation: OpenApiOperation): PostmanBody | undefined {
  const content = operation.requestBody === undefined ? {} : resolveRef(document, operation.requestBody).content ?? {};
  const types = Object.keys(content).sort(byText);
  const json = types.find((type) => type === 'application/json' || type.endsWith('+json'));
  const form = types.find((type) => type === 'application/x-www-form-urlencoded');
  const media = content[json ?? form ?? ''];
  if (media === undefined) return undefined;
  const named = Object.keys(media.examples ?? {}).sort(byText)[0];
  const value = media.example ?? (named === undefined ? undefined : media.examples?.[named]?.value) ?? exampleOf(media.schema, (schema) => resolveRef(document, schema));
  if (json !== undefined) return { mode: 'raw', raw: JSON.stringify(value, null, 2), options: { raw: { language: 'json' } } };
  const fields = typeof value === 'object' && value !== null ? Object.entries(value) : [];
  return { mode: 'urlencoded', urlencoded: fields.map(([key, field]) => ({ key, value: textOf(field), type: 'text' })) };
}

/** Operation parameters override the path's shared ones of the same name and place. */
function mergeParameters(shared: OpenApiParameter[], own: OpenApiParameter[]): OpenApiParameter[] {
  const key = (parameter: OpenApiParameter) => `${parameter.in}:${parameter.name}`;
  const ownKeys = new Set(own.map(key));
  return [...shared.filter((parameter) => !ownKeys.has(key(parameter))), ...own];
}

/**
 * The requirement a request meets: the first listed (the alternatives are equivalent ways in), or
 * none when the list is empty or one alternative is `{}` (authentication optional).
 */
function requirementOf(security: OpenApiOperation['security']): SecurityRequirement | undefined {
  const list = security ?? [];
  if (list.length === 0 || list.some((requirement) => Object.keys(requirement).length === 0)) return undefined;
  return list[0];
}

function securitySchemesOf(document: OpenApiDocument): Record<string, SecurityScheme | undefined> {
  const schemes = (document.components as { securitySchemes?: Record<string, SecurityScheme> } | undefined)?.securitySchemes;
  return Object.fromEntries(Object.entries(schemes ?? {}).map(([name, scheme]) => [name, resolveRef(document, scheme as SecurityScheme & { $ref?: string })]));
}

function isHeaderKey(scheme: SecurityScheme | undefined): boolean {
  return scheme?.type === 'apiKey' && scheme.in === 'header' && typeof scheme.name === 'string' && scheme.name !== '';
}

/** The apiKey header schemes a requirement names, in the requirement's order. */
function headerSchemesOf(document: OpenApiDocument, requirement: SecurityRequirement | undefined): string[] {
  const schemes = securitySchemesOf(document);
  return Object.keys(requirement ?? {}).filter((name) => isHeaderKey(schemes[name]));
}

/**
 * A bearer token when the requirement names a scheme other than an apiKey (http bearer, OAuth,
 * OpenID Connect, or one the document does not declare); apiKey schemes elsewhere than in a header
 * (query, cookie) are not written.
 */
function needsToken(document: OpenApiDocument, requirement: SecurityRequirement | undefined): boolean {
  const schemes = securitySchemesOf(document);
  return Object.keys(requirement ?? {}).some((name) => schemes[name]?.type !== 'apiKey');
}

/** Follows a local `$ref` (#/components/...); an unknown one resolves to an empty object. */
function resolveRef<T extends { $ref?: string }>(document: OpenApiDocument, value: T, depth = 0): T {
  if (value.$ref === undefined || depth > 8) return value;
  let target: unknown = document;
  for (const part of value.$ref.replace(/^#\//, '').split('/')) {
    const key = part.replaceAll('~1', '/').replaceAll('~0', '~');
    target = typeof target === 'object' && target !== null ? (target as Record<string, unknown>)[key] : undefined;
  }
  return typeof target === 'object' && target !== null ? resolveRef(document, target as T, depth + 1) : ({} as T);
}

/** businessId, business_id and business-id are one name. */
function looseName(name: string): string {
  return name.replace(/[-_]/g, '').toLowerCase();
}

function describe(parameter: OpenApiParameter): string | undefined {
  const text = parameter.description ?? parameter.schema?.description;
  return parameter.required === true ? `(required) ${text ?? ''}`.trim() : text;
}

function exampleText(document: OpenApiDocument, parameter: OpenApiParameter): string {
  return textOf(parameter.example ?? exampleOf(parameter.schema, (schema) => resolveRef(document, schema)));
}

function textOf(value: unknown): string {
  if (value === undefined || value === null) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function withDescription(description: string | undefined): { description?: string } {
  return description === undefined || description === '' ? {} : { description };
}

/** Compares by code units: the order does not depend on the machine's locale. */
function byText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A UUID-shaped id hashed from its parts, the same on every run. */
export function stableId(...parts: string[]): string {
  const hex = createHash('sha256').update(parts.join('\n')).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
