// The part of the Postman Collection v2.1 format the generator writes
// (https://schema.getpostman.com/json/collection/v2.1.0/collection.json).

export const POSTMAN_SCHEMA_URL = 'https://schema.getpostman.com/json/collection/v2.1.0/collection.json';

export interface PostmanCollection {
  info: { _postman_id: string; name: string; description?: string; schema: typeof POSTMAN_SCHEMA_URL };
  item: Array<PostmanFolder | PostmanItem>;
  variable: PostmanVariable[];
}

export interface PostmanFolder {
  id: string;
  name: string;
  description?: string;
  item: PostmanItem[];
}

export interface PostmanItem {
  id: string;
  name: string;
  request: PostmanRequest;
  response: [];
}

export interface PostmanRequest {
  method: string;
  description?: string;
  header: PostmanKeyValue[];
  url: PostmanUrl;
  body?: PostmanBody;
  auth?: { type: 'bearer'; bearer: [{ key: 'token'; value: string; type: 'string' }] };
}

export interface PostmanUrl {
  raw: string;
  host: string[];
  path: string[];
  query?: PostmanKeyValue[];
  variable?: PostmanKeyValue[];
}

export type PostmanBody =
  | { mode: 'raw'; raw: string; options: { raw: { language: 'json' } } }
  | { mode: 'urlencoded'; urlencoded: PostmanKeyValue[] };

export interface PostmanKeyValue {
  key: string;
  value: string;
  description?: string;
  disabled?: boolean;
  type?: 'text';
}

export interface PostmanVariable {
  key: string;
  value: string;
  type: 'string';
  description?: string;
}

export function isFolder(entry: PostmanFolder | PostmanItem): entry is PostmanFolder {
  return 'item' in entry;
}

/** Every request of a collection, in folders or at its root. */
export function requestsOf(collection: PostmanCollection): PostmanItem[] {
  return collection.item.flatMap((entry) => (isFolder(entry) ? entry.item : [entry]));
}
