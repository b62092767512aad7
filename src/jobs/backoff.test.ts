import { describe, expect, it } from "vitest";
import { backoffDelayMs } from "./backoff.js";

const policy = { baseMs: 1000, capMs: 60_000 };

describe("backoffDelayMs", () => {
  it("grows exponentially at the top of the jitter range", () => {
    const top = (a: number) => backoffDelayMs(a, policy, () => 0.999999);
    expect([1, 2, 3, 4].map(top)).toEqual([999, 1999, 3999, 7999]);
  });

  it("is capped", () => {
    expect(backoffDelayMs(30, policy, () => 0.999999)).toBe(59_999);
    expect(backoffDelayMs(1000, policy, () => 0.999999)).toBe(59_999);
  });

  it("uses the full jitter range down to zero", () => {
    expect(backoffDelayMs(5, policy, () => 0)).toBe(0);
    const samples = Array.from({ length: 2000 }, () => backoffDelayMs(4, policy));
    expect(Math.min(...samples)).toBeLessThan(1000);
    expect(Math.max(...samples)).toBeGreaterThan(7000);
    expect(samples.every((s) => s >= 0 && s < 8000)).toBe(true);
  });
});
