import { describe, expect, it } from "vitest";
import { float4ArrayParam } from "./float4-array.js";

describe("float4ArrayParam", () => {
  it("writes array_recv's layout: one dimension, no nulls, float4 elements of 4 bytes each", () => {
    const values = [0.1, -2.5, 0, 1e-45, 3.4e38, Number.NaN];
    const buf = float4ArrayParam(values);
    expect(buf.length).toBe(20 + values.length * 8);
    expect([0, 4, 8, 12, 16].map((at) => buf.readInt32BE(at))).toEqual([1, 0, 700, values.length, 1]);
    values.forEach((v, i) => {
      expect(buf.readInt32BE(20 + i * 8)).toBe(4);
      expect(buf.readFloatBE(24 + i * 8)).toBe(Math.fround(v));
    });
  });

  it("writes an empty array as a header with a zero-length dimension", () => {
    const buf = float4ArrayParam([]);
    expect(buf.length).toBe(20);
    expect(buf.readInt32BE(12)).toBe(0);
  });
});
