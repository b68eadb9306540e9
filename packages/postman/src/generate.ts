// `npm run postman`: writes postman/<service>.postman_collection.json at the repository root (or
// into the directory given as the first argument) from each service's OpenAPI document.
import { relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeCollections } from './write-collections.js';

const repositoryRoot = fileURLToPath(new URL('../../../../', import.meta.url));
const directory = resolve(process.argv[2] ?? resolve(repositoryRoot, 'postman'));

for (const { file, requests } of await writeCollections(directory)) {
  console.log(`${relative(process.cwd(), file) || file}  ${requests} request${requests === 1 ? '' : 's'}`);
}
