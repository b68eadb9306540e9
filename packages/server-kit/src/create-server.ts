// The common shell of every banca HTTP service: request ids carried across hops, errors from the
// closed catalogue, health and readiness, Prometheus metrics and the OpenAPI document.
import { randomUUID } from 'node:crypto';
import Fastify, { LogController, type FastifyError, type FastifyInstance, type FastifyReply } from 'fastify';
import swagger from '@fastify/swagger';
import { Registry, collectDefaultMetrics, Histogram } from 'prom-client';
import { BancaError } from '@banca/core/errors';
import { amountNotStringMessage } from '@banca/core/money';
import { SECURITY_SCHEMES } from './openapi-security.js';

export interface ServerOptions {
  service: string;
  version?: string;
  description: string;
  logLevel: string;
  bodyLimitBytes: number;
  /** Answers /ready: false while the service cannot do its work (storage closed, no upstream). */
  isReady?: () => boolean | Promise<boolean>;
}

declare module 'fastify' {
  interface FastifyInstance {
    metrics: Registry;
  }
}

export const REQUEST_ID_HEADER = 'x-request-id';

// Keys, bearer tokens and passwords never reach the logs, whoever logs a request, its headers or
// a body: the request serializer leaves headers and bodies out today, this holds if that changes.
const SECRET_HEADERS = ['authorization', '["auth-token"]', 'auth', 'cookie', '["proxy-authorization"]', '["banca-interbank-signature"]'];
const SECRET_FIELDS = ['password', 'token', 'businessKey', 'customerTokenSecret', 'secret', 'client_secret', 'access_token', 'signingKeyJwk', 'interbankPrivateKeys'];
export const REDACTED_LOG_PATHS = [
  ...SECRET_HEADERS.flatMap((header) => ['req.headers', 'headers', '*.headers'].map((at) => `${at}${header.startsWith('[') ? '' : '.'}${header}`)),
  ...SECRET_FIELDS.flatMap((field) => [field, `*.${field}`, `req.body.${field}`]),
];

/**
 * How often the event-loop lag metric samples. prom-client's default, 10 ms, wakes every process
 * 100 times a second, about 0.5% of a core each at rest; 100 ms still sees any lag worth a metric.
 */
export const EVENT_LOOP_MONITORING_PRECISION_MS = 100;

export async function createServer(options: ServerOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: {
      level: options.logLevel,
      base: { service: options.service },
      redact: { paths: REDACTED_LOG_PATHS, censor: '[redacted]' },
    },
    bodyLimit: options.bodyLimitBytes,
    requestIdHeader: REQUEST_ID_HEADER,
    genReqId: () => randomUUID(),
    logController: new LogController({
      requestIdLogLabel: 'requestId',
      disableRequestLogging: options.logLevel !== 'debug' && options.logLevel !== 'trace',
    }),
    return503OnClosing: true,
    // Ids go up to 128 characters (plus a client prefix), so path parameters may be that long.
    routerOptions: { maxParamLength: 256 },
    // Errors found before routing (a bad %-escape, an over-long parameter) answer like any other.
    frameworkErrors: (error, request, reply) => {
      const message = error.code === 'FST_ERR_MAX_PARAM_LENGTH'
        ? 'A path segment is longer than 256 characters.'
        : 'The path is not valid URL encoding (check the %-escapes).';
      void (reply as FastifyReply).status(400).header(REQUEST_ID_HEADER, request.id).send(new BancaError('INVALID_REQUEST', message).toBody(request.id));
    },
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: false } },
  });

  // JSON only: a text/plain body gets 415 rather than a confusing validation error.
  app.removeContentTypeParser('text/plain');
  // An empty body is no body, whatever its content-type: curl's `-d ''` and Python's urllib send
  // `application/x-www-form-urlencoded` with nothing, some clients `application/json` with
  // nothing. Without this, a route that takes no body answers such a POST 415 or 400.
  // (With neither content-length nor transfer-encoding an HTTP/1.1 request has no body at all.)
  app.addHook('onRequest', async (request) => {
    const length = request.headers['content-length'];
    if ((length === '0' || length === undefined) && request.headers['transfer-encoding'] === undefined) delete request.headers['content-type'];
  });

  const metrics = new Registry();
  metrics.setDefaultLabels({ service: options.service });
  collectDefaultMetrics({ register: metrics, eventLoopMonitoringPrecision: EVENT_LOOP_MONITORING_PRECISION_MS });
  const duration = new Histogram({
    name: 'banca_http_request_duration_seconds',
    help: 'Time to answer an HTTP request.',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5],
    registers: [metrics],
  });
  app.decorate('metrics', metrics);

  app.addHook('onSend', async (request, reply) => {
    reply.header(REQUEST_ID_HEADER, request.id);
  });
  app.addHook('onResponse', async (request, reply) => {
    duration.observe(
      { method: request.method, route: request.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });

  app.setErrorHandler((error: FastifyError | BancaError, request, reply) => {
    const banca = toBancaError(error, request.body);
    if (banca.status >= 500) request.log.error({ err: error }, 'request failed');
    void reply.status(banca.status).send(banca.toBody(request.id));
  });
  app.setNotFoundHandler((request, reply) => {
    const error = new BancaError('ROUTE_NOT_FOUND', `No route ${request.method} ${request.url.split('?')[0]}; see /openapi.json.`);
    void reply.status(404).send(error.toBody(request.id));
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: `banca ${options.service}`, description: options.description, version: options.version ?? '0.1.0' },
      components: { securitySchemes: SECURITY_SCHEMES },
    },
  });

  app.get('/health', { schema: { hide: true } }, async () => ({ status: 'ok', service: options.service }));
  app.get('/ready', { schema: { hide: true } }, async (_request, reply) => {
    const ready = options.isReady ? await options.isReady() : true;
    return reply.status(ready ? 200 : 503).send({ ready, service: options.service });
  });
  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
    return reply.type(metrics.contentType).send(await metrics.metrics());
  });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  return app;
}

/** `body`, when given, lets a schema error name the value it refused. */
export function toBancaError(error: FastifyError | BancaError | Error, body?: unknown): BancaError {
  if (error instanceof BancaError) return error;
  const fastifyError = error as FastifyError;
  if (fastifyError.validation) {
    const amount = amountNotString(fastifyError, body);
    if (amount !== undefined) return amount;
    return new BancaError('INVALID_REQUEST', `Invalid request: ${fastifyError.message}.`, { cause: error });
  }
  switch (fastifyError.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new BancaError('PAYLOAD_TOO_LARGE', fastifyError.message, { cause: error });
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new BancaError('UNSUPPORTED_MEDIA_TYPE', `${fastifyError.message}; send application/json.`, { cause: error });
    default:
      break;
  }
  const status = fastifyError.statusCode ?? 500;
  if (status >= 400 && status < 500) {
    return new BancaError('INVALID_REQUEST', fastifyError.message, { cause: error });
  }
  return new BancaError('INTERNAL', 'Internal error; the request id identifies it in the logs.', { cause: error });
}

/** What every API calls a decimal amount in a JSON body: `amount`, and seed 001's signed `value`. */
const AMOUNT_FIELDS: ReadonlySet<string> = new Set(['amount', 'value']);

/** A body amount sent as anything but a string (10.5 for "10.50") is a bad amount: INVALID_AMOUNT, as the parser says. */
function amountNotString(error: FastifyError, body: unknown): BancaError | undefined {
  const first = error.validation?.[0];
  if (error.validationContext !== 'body' || first?.keyword !== 'type' || first.params.type !== 'string') return undefined;
  const path = first.instancePath.split('/').slice(1).map((segment) => segment.replaceAll('~1', '/').replaceAll('~0', '~'));
  const field = path.at(-1);
  if (field === undefined || !AMOUNT_FIELDS.has(field)) return undefined;
  const value = path.reduce<unknown>((at, key) => (typeof at === 'object' && at !== null ? (at as Record<string, unknown>)[key] : undefined), body);
  const name = path.length === 1 ? field : `${field} at ${first.instancePath}`;
  return new BancaError('INVALID_AMOUNT', amountNotStringMessage(name, value), { cause: error });
}
