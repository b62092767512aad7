import type { Db } from "../database.js";

/** Frees one stream's slot (the stream ended). */
export async function releaseStreamSlot(db: Db, streamId: string): Promise<void> {
  await db.deleteFrom("sse_stream_slots").where("stream_id", "=", streamId).execute();
}
