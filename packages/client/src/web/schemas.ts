/**
 * Small builders for the routes' JSON schemas (fastify validates bodies and parameters with them,
 * serialises answers with them, and @fastify/swagger turns them into /api/openapi.json). An
 * answer's schema lists every field it may carry: anything else is dropped on the way out, which
 * is one more guard against a secret slipping into JSON.
 */

type Schema = Record<string, unknown>;

/** The largest body fastify reads whole (JSON; uploads stream): the largest the API takes is a 4,096-character path. */
export const JSON_BODY_LIMIT = 64 * 1024;

export const str = (extra: Schema = {}): Schema => ({ type: 'string', ...extra });

/** An object with `properties`; every property required unless `required` says which. */
export function obj(properties: Record<string, Schema>, required: readonly string[] = Object.keys(properties)): Schema {
  return { type: 'object', properties, required: [...required], additionalProperties: false };
}

export const empty: Schema = { type: 'object', properties: {}, additionalProperties: false };

const errorBody: Schema = obj({ error: obj({ code: str(), message: str() }) });

/** The error answers every route may give. */
export const errors: Record<string, Schema> = { '4xx': errorBody, '5xx': errorBody };

export const groupParams = obj({ groupId: str({ minLength: 1, maxLength: 64 }) });
