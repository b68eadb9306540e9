// Builds each service in turn, writes `<service>.postman_collection.json` into a directory and
// closes the service again, even when its collection could not be made.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { requestsOf } from './postman-collection.js';
import { collectionOf, collectionText } from './service-collection.js';
import { SERVICES, type ServiceName } from './services.js';

export interface WrittenCollection {
  service: ServiceName;
  file: string;
  requests: number;
}

export async function writeCollections(directory: string): Promise<WrittenCollection[]> {
  mkdirSync(directory, { recursive: true });
  const written: WrittenCollection[] = [];
  for (const service of SERVICES) {
    const app = await service.build();
    try {
      const collection = await collectionOf(service, app);
      const file = join(directory, `${service.name}.postman_collection.json`);
      writeFileSync(file, collectionText(collection));
      written.push({ service: service.name, file, requests: requestsOf(collection).length });
    } finally {
      await app.close();
    }
  }
  return written;
}
