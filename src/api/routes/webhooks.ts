import { Hono } from "hono";
import { z } from "zod";
import {
  createWebhookBody,
  updateWebhookBody,
  type WebhookServiceDeps,
  webhookDeliveryDto,
  webhookEndpointDto,
  webhooks,
} from "../../webhooks/index.js";
import { type AuthEnv, requireApiKey } from "../auth.js";
import { parseQuery, readJson } from "../body.js";
import { limitBody } from "../body-limit.js";
import type { AppDeps } from "../deps.js";
import { ApiError } from "../problem.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const webhookNotFound = () => new ApiError(404, "not_found", "webhook not found");
/** A path id that is not a uuid names nothing: 404, same as an unknown one. */
const idParam = (id: string, notFound: () => ApiError) => {
  if (!UUID.test(id)) throw notFound();
  return id.toLowerCase();
};

const deliveriesQuery = z.strictObject({
  cursor: z.string().max(512).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});
const cursorSchema = z.strictObject({ createdAt: z.iso.datetime(), id: z.uuid() });
const decodeCursor = (cursor: string | undefined) => {
  if (!cursor) return undefined;
  try {
    return cursorSchema.parse(JSON.parse(Buffer.from(cursor, "base64url").toString()));
  } catch {
    throw new ApiError(400, "invalid_cursor", "cursor is not one this API returned", { field: "cursor" });
  }
};

/** /v1/webhooks: a tenant's outbound webhook endpoints and their deliveries. */
export function webhookRoutes(deps: AppDeps) {
  const svc: WebhookServiceDeps = {
    db: deps.db,
    allowPrivateUrls: deps.config.webhooks.allowPrivateUrls,
    secretGraceSeconds: deps.config.webhooks.secretGraceSeconds,
  };
  const load = async (tenant: string, id: string) => {
    const endpoint = await webhooks.findEndpoint(svc, tenant, idParam(id, webhookNotFound));
    if (!endpoint) throw webhookNotFound();
    return endpoint;
  };
  const body = limitBody(16 * 1024);
  return new Hono<AuthEnv>()
    .use(requireApiKey(deps.db))
    .post("/", body, async (c) => {
      const input = await readJson(c, createWebhookBody);
      const { endpoint, secret } = await webhooks.createEndpoint(svc, c.get("tenant"), input);
      return c.json({ ...webhookEndpointDto(endpoint), secret }, 201);
    })
    .get("/", async (c) => {
      const rows = await webhooks.listEndpoints(svc, c.get("tenant"));
      return c.json({ webhooks: rows.map(webhookEndpointDto) });
    })
    .get("/:id", async (c) => c.json(webhookEndpointDto(await load(c.get("tenant"), c.req.param("id")))))
    .patch("/:id", body, async (c) => {
      const id = idParam(c.req.param("id"), webhookNotFound);
      const input = await readJson(c, updateWebhookBody);
      const endpoint = await webhooks.updateEndpoint(svc, c.get("tenant"), id, input);
      if (!endpoint) throw webhookNotFound();
      return c.json(webhookEndpointDto(endpoint));
    })
    .delete("/:id", async (c) => {
      const id = idParam(c.req.param("id"), webhookNotFound);
      if (!(await webhooks.deleteEndpoint(svc, c.get("tenant"), id))) throw webhookNotFound();
      return c.body(null, 204);
    })
    .post("/:id/rotate-secret", body, async (c) => {
      const id = idParam(c.req.param("id"), webhookNotFound);
      const rotated = await webhooks.rotateSecret(svc, c.get("tenant"), id);
      if (!rotated) throw webhookNotFound();
      return c.json({ ...webhookEndpointDto(rotated.endpoint), secret: rotated.secret });
    })
    .get("/:id/deliveries", async (c) => {
      const endpoint = await load(c.get("tenant"), c.req.param("id"));
      const q = parseQuery(deliveriesQuery, c.req.query());
      const rows = await webhooks.listDeliveries(svc, endpoint.id, {
        limit: q.limit,
        before: decodeCursor(q.cursor),
      });
      const last = rows.at(-1);
      const nextCursor =
        rows.length === q.limit && last
          ? Buffer.from(JSON.stringify({ createdAt: last.created_at.toISOString(), id: last.id })).toString(
              "base64url",
            )
          : null;
      return c.json({ deliveries: rows.map(webhookDeliveryDto), nextCursor });
    })
    .post("/:id/deliveries/:deliveryId/redeliver", body, async (c) => {
      const endpoint = await load(c.get("tenant"), c.req.param("id"));
      const deliveryNotFound = () => new ApiError(404, "not_found", "delivery not found");
      const deliveryId = idParam(c.req.param("deliveryId"), deliveryNotFound);
      if (!(await webhooks.redeliver(svc, endpoint.id, deliveryId))) throw deliveryNotFound();
      return c.json({ id: deliveryId, status: "pending" }, 202);
    });
}
