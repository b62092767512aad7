import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { ApiError, fromDomainError, problem } from "../problem.js";
import { AuthFailureLimiter, authFailureLimit } from "./auth-failure-limit.js";

function appWith(limiter: AuthFailureLimiter) {
  const app = new Hono();
  app.use(authFailureLimit(limiter));
  app.get("/", (c) => {
    if (c.req.header("authorization") !== "Bearer good") throw new ApiError(401, "unauthorized", "no");
    return c.text("ok");
  });
  app.onError((err, c) => problem(c, err instanceof ApiError ? err : fromDomainError(err)!));
  return app;
}

const from = (app: Hono, address: string, key: string, forwardedFor?: string) =>
  app.request(
    "/",
    { headers: { authorization: `Bearer ${key}`, ...(forwardedFor && { "x-forwarded-for": forwardedFor }) } },
    { incoming: { socket: { remoteAddress: address } } },
  );

describe("authFailureLimit", () => {
  it("refuses an address for the rest of its minute once it failed `perMinute` times", async () => {
    let now = 1_000_000;
    const app = appWith(new AuthFailureLimiter({ perMinute: 2, trustForwardedFor: false, now: () => now }));
    expect((await from(app, "10.0.0.1", "bad")).status).toBe(401);
    expect((await from(app, "10.0.0.1", "good")).status).toBe(200);
    expect((await from(app, "10.0.0.1", "bad")).status).toBe(401);
    now += 45_000;
    const refused = await from(app, "10.0.0.1", "good");
    expect(refused.status).toBe(429);
    expect(refused.headers.get("retry-after")).toBe("15");
    now += 15_000;
    expect((await from(app, "10.0.0.1", "good")).status).toBe(200);
  });

  it("keys on the last X-Forwarded-For hop only when told to trust it", async () => {
    const trusting = appWith(new AuthFailureLimiter({ perMinute: 1, trustForwardedFor: true }));
    expect((await from(trusting, "10.0.0.9", "bad", "1.1.1.1, 203.0.113.5")).status).toBe(401);
    expect((await from(trusting, "10.0.0.9", "good", "203.0.113.5")).status).toBe(429);
    expect((await from(trusting, "10.0.0.9", "good", "203.0.113.6")).status).toBe(200);
    const direct = appWith(new AuthFailureLimiter({ perMinute: 1, trustForwardedFor: false }));
    expect((await from(direct, "10.0.0.9", "bad", "203.0.113.5")).status).toBe(401);
    // A spoofed header does not escape the limit of the address it comes from.
    expect((await from(direct, "10.0.0.9", "good", "198.51.100.1")).status).toBe(429);
  });

  it("stays bounded in memory under many addresses", async () => {
    const limiter = new AuthFailureLimiter({ perMinute: 1, trustForwardedFor: false });
    for (let i = 0; i < 20_000; i++) limiter.recordFailure(`10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`);
    // The newest addresses are kept, the oldest evicted.
    expect(limiter.blockedFor("10.0.78.31")).toBeGreaterThan(0);
    expect(limiter.blockedFor("10.0.0.0")).toBe(0);
  });
});
