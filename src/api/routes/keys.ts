import { Hono } from "hono";
import { z } from "zod";
import { issueApiKey, listTenantApiKeys, revokeTenantApiKey } from "../../auth/api-keys.js";
import { type AuthEnv, requireApiKey } from "../auth.js";
import { readJson } from "../body.js";
import { limitBody } from "../body-limit.js";
import type { AppDeps } from "../deps.js";
import { ApiError } from "../problem.js";

export const createKeyBody = z.strictObject({ label: z.string().trim().min(1).max(200).optional() });

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const keyNotFound = () => new ApiError(404, "not_found", "API key not found");

/**
 * /v1/keys: the calling tenant's API keys. A key is shown once, by POST; a revoke (DELETE) takes
 * effect on every instance with the next request, since keys are looked up on every request.
 */
export function keyRoutes(deps: AppDeps) {
  return new Hono<AuthEnv>()
    .use(requireApiKey(deps.db))
    .get("/", async (c) => c.json({ keys: await listTenantApiKeys(deps.db, c.get("tenant")) }))
    .post("/", limitBody(4 * 1024), async (c) => {
      const input = await readJson(c, createKeyBody, { optional: true });
      return c.json(await issueApiKey(deps.db, c.get("tenant"), input.label), 201);
    })
    .delete("/:id", async (c) => {
      const id = c.req.param("id");
      if (!UUID.test(id) || !(await revokeTenantApiKey(deps.db, c.get("tenant"), id.toLowerCase())))
        throw keyNotFound();
      return c.body(null, 204);
    });
}
