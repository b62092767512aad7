import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setTenantLimits } from "../src/db/sql/set-tenant-limits.js";
import { QuotaError, spendUpload } from "../src/quotas/index.js";
import { createTestContext, type TestContext } from "./helpers/context.js";

// spendUpload reads the tenant's limits and spends a token in one statement
// (take-upload-token.ts): the limits it returns and the rate it enforces are the override's,
// else the default's.

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(() => ctx.close());

const defaults = { uploadsPerMinute: 2, maxBytes: 0, maxDocuments: 0, maxStreams: 100 };
const bucket = (tenant: string) =>
  ctx.db.selectFrom("tenant_upload_buckets").selectAll().where("tenant_id", "=", tenant).executeTakeFirst();

describe("spendUpload", () => {
  it("enforces the default rate without an override and returns the defaults", async () => {
    expect(await spendUpload(ctx.db, "rate-default", defaults)).toEqual(defaults);
    await spendUpload(ctx.db, "rate-default", defaults);
    const refused = await spendUpload(ctx.db, "rate-default", defaults).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(QuotaError);
    expect(refused).toMatchObject({ code: "rate_limited", limit: 2 });
  });

  it("uses the tenant's overrides: 0 per minute touches no bucket, and the storage limits come back", async () => {
    await setTenantLimits(ctx.db, "rate-off", { uploadsPerMinute: 0, maxBytes: 5, maxDocuments: 3 });
    for (let i = 0; i < 4; i++) {
      expect(await spendUpload(ctx.db, "rate-off", defaults)).toEqual({
        uploadsPerMinute: 0,
        maxBytes: 5,
        maxDocuments: 3,
        maxStreams: 100,
      });
    }
    expect(await bucket("rate-off")).toBeUndefined();
  });

  it("an override's rate replaces the default's", async () => {
    await setTenantLimits(ctx.db, "rate-one", { uploadsPerMinute: 1 });
    expect((await spendUpload(ctx.db, "rate-one", defaults)).uploadsPerMinute).toBe(1);
    await expect(spendUpload(ctx.db, "rate-one", defaults)).rejects.toMatchObject({ limit: 1 });
    expect(await spendUpload(ctx.db, "rate-none", { ...defaults, uploadsPerMinute: 0 })).toMatchObject({
      uploadsPerMinute: 0,
    });
    expect(await bucket("rate-none")).toBeUndefined();
  });
});
