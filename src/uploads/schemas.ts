import { z } from "zod";
import { findUnsafeText, isUnsafeText, jsonDepthExceeds } from "../db/safe-values.js";

const STORABLE = "must not contain NUL or unpaired surrogate characters";

const sha256 = z
  .string()
  .regex(/^[0-9a-fA-F]{64}$/, "must be 64 hex characters")
  .transform((s) => s.toLowerCase());

export const createUploadBody = z.strictObject({
  filename: z
    .string()
    .min(1, "must not be empty")
    .max(4096, "must be at most 4096 characters")
    .refine((s) => !isUnsafeText(s), STORABLE),
  contentType: z
    .string()
    .regex(/^[\w.+-]+\/[\w.+-]+(\s*;.*)?$/, "must be a media type such as text/plain")
    .max(255),
  size: z.number().int("must be a whole number of bytes").nonnegative("must not be negative"),
  sha256: sha256.optional(),
  idempotencyKey: z
    .string()
    .min(1)
    .max(255)
    .refine((s) => !isUnsafeText(s), STORABLE)
    .optional(),
  method: z.enum(["PUT", "POST"]).optional(),
  // The absolute range; the tenant's own bound (INTAKE_MAX_PRIORITY or tenants.max_priority)
  // is checked by createUpload.
  priority: z
    .number()
    .int("must be a whole number")
    .min(0, "must not be negative")
    .max(1000)
    .optional()
    .describe(
      "orders the tenant's own queue (higher first, default 0); above the tenant's maximum (INTAKE_MAX_PRIORITY, default 10, or its own) is 422 priority_too_high",
    ),
  metadata: z
    .record(z.string(), z.unknown())
    .refine((m) => !jsonDepthExceeds(m, 16), "must nest at most 16 levels deep")
    .refine((m) => JSON.stringify(m).length <= 16_384, "must serialise to at most 16 KiB")
    .refine((m) => findUnsafeText(m) === undefined, STORABLE)
    .optional(),
});
export type CreateUploadBody = z.infer<typeof createUploadBody>;

export const completeUploadBody = z.strictObject({
  parts: z
    .array(
      z.strictObject({ partNumber: z.number().int().min(1).max(10_000), etag: z.string().min(1).max(256) }),
    )
    .max(10_000)
    .optional(),
});

export const signPartsBody = z.strictObject({
  partNumbers: z.array(z.number().int().min(1).max(10_000)).min(1).max(1000),
});
