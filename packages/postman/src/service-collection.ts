// A service's Postman collection, from the OpenAPI document its app serves at /openapi.json
// (what a client would read), and the file text written for it.
import type { FastifyInstance } from 'fastify';
import { openApiToPostman, type OpenApiDocument } from './openapi-to-postman.js';
import type { PostmanCollection } from './postman-collection.js';
import type { Service } from './services.js';

export async function openApiOf(app: FastifyInstance): Promise<OpenApiDocument> {
  const response = await app.inject({ method: 'GET', url: '/openapi.json' });
  if (response.statusCode !== 200) throw new Error(`GET /openapi.json answered ${response.statusCode}: ${response.body.slice(0, 200)}`);
  return response.json<OpenApiDocument>();
}

export async function collectionOf(service: Service, app: FastifyInstance): Promise<PostmanCollection> {
  return openApiToPostman(await openApiOf(app), { baseUrl: service.baseUrl, ...(service.keys === undefined ? {} : { keys: service.keys }) });
}

/** Two-space JSON with a final newline, as the collections are written. */
export function collectionText(collection: PostmanCollection): string {
  return `${JSON.stringify(collection, null, 2)}\n`;
}
