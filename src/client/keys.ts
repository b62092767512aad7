import { apiRequest } from "./http.js";
import type { ClientOptions } from "./types.js";

/** An API key as `GET /v1/keys` lists it; the key itself is only in `createKey`'s answer. */
export interface ApiKey {
  id: string;
  prefix: string;
  label: string | null;
  createdAt: string;
  /** To the minute: intake refreshes it at most once a minute per key. */
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export const listKeys = async (client: ClientOptions) =>
  (await apiRequest<{ keys: ApiKey[] }>(client, "GET", "/v1/keys")).keys;

/** Creates a key for the caller's tenant; keep `key`: it is shown only here. */
export const createKey = (client: ClientOptions, input: { label?: string } = {}) =>
  apiRequest<ApiKey & { key: string }>(client, "POST", "/v1/keys", input);

/** Revokes a key (204): it and the tokens minted with it answer 401 from the next request on. */
export async function revokeKey(client: ClientOptions, id: string): Promise<void> {
  await apiRequest<void>(client, "DELETE", `/v1/keys/${encodeURIComponent(id)}`);
}
