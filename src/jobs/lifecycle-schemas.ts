import { z } from "zod";
import { JOB_STAGES } from "../db/job-states.js";
import { findUnsafeText } from "../db/safe-values.js";

const MAX_METADATA_DEPTH = 8;

function depthOf(value: unknown): number {
  if (value === null || typeof value !== "object") return 0;
  const children = Array.isArray(value) ? value : Object.values(value);
  return 1 + children.reduce<number>((max, v) => Math.max(max, depthOf(v)), 0);
}

/** A job's metadata: as POST /v1/uploads takes it (16 KiB, storable text), and at most 8 levels deep. */
export const jobMetadata = z
  .record(z.string(), z.unknown())
  .refine((m) => JSON.stringify(m).length <= 16_384, "must serialise to at most 16 KiB")
  .refine((m) => depthOf(m) <= MAX_METADATA_DEPTH, `must nest at most ${MAX_METADATA_DEPTH} levels deep`)
  .refine((m) => findUnsafeText(m) === undefined, "must not contain NUL or unpaired surrogate characters");

export const updateJobBody = z.strictObject({ metadata: jobMetadata });
export type UpdateJobBody = z.infer<typeof updateJobBody>;

export const reprocessBody = z
  .strictObject({
    from: z.enum(JOB_STAGES),
    settings: z
      .strictObject({
        chunkSize: z.number().int().min(16).max(100_000).optional(),
        chunkOverlap: z.number().int().min(0).max(50_000).optional(),
        embedderModel: z
          .string()
          .min(1)
          .max(200)
          .regex(/^[\x21-\x7e]+$/, "must be printable ASCII")
          .optional(),
      })
      .optional(),
  })
  .refine(
    (b) => b.settings?.chunkSize === undefined || (b.settings.chunkOverlap ?? 0) < b.settings.chunkSize,
    { message: "chunkOverlap must be smaller than chunkSize", path: ["settings", "chunkOverlap"] },
  );
export type ReprocessBody = z.infer<typeof reprocessBody>;
