import { z } from "zod";
import { createKeyBody } from "./keys.js";
import { authed, badJson, body, ok, problems, ref } from "./openapi-paths.js";

/** The /v1/keys paths and their schemas, spread into the OpenAPI document. */

const time = { type: "string", format: "date-time", nullable: true } as const;

export const keySchemas = {
  CreateApiKey: z.toJSONSchema(createKeyBody, { io: "input", target: "openapi-3.0" }),
  ApiKey: {
    type: "object",
    required: ["id", "prefix", "createdAt"],
    properties: {
      id: { type: "string", format: "uuid" },
      prefix: { type: "string", description: "the key's first characters, to tell keys apart" },
      label: { type: "string", nullable: true },
      createdAt: time,
      lastUsedAt: { ...time, description: "to the minute: refreshed at most once a minute" },
      revokedAt: time,
    },
  },
};

export const keyPaths = {
  "/v1/keys": {
    get: {
      summary: "The tenant's API keys (revoked ones too), newest first; never the keys themselves",
      responses: {
        200: ok("the keys", {
          type: "object",
          properties: { keys: { type: "array", items: ref("ApiKey") } },
        }),
        ...problems(authed),
      },
    },
    post: {
      summary: "Create an API key for the tenant; the key is in this answer only",
      requestBody: body("CreateApiKey", false),
      responses: {
        201: ok("created", {
          allOf: [ref("ApiKey"), { type: "object", properties: { key: { type: "string" } } }],
        }),
        ...problems({ 400: badJson, ...authed }),
      },
    },
  },
  "/v1/keys/{id}": {
    delete: {
      summary:
        "Revoke a key: it and the tokens minted with it (upload tokens, SSE access tokens) answer 401 from the next request on",
      parameters: [{ name: "id", in: "path", required: true, schema: { type: "string", format: "uuid" } }],
      responses: {
        204: { description: "revoked (or already revoked)" },
        ...problems({ ...authed, 404: ["not_found"] }),
      },
    },
  },
};
