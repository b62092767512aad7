/**
 * The payload of a NOTIFY on the queue channel (`intake_jobs`): the stage that has new work and,
 * when the transaction queued known jobs one at a time (an upload's completion), their ids, as
 * `stage` or `stage:id,id`. A worker whose last search found the queue drained takes announced
 * jobs by id (`claimAnnouncedJobs`) instead of searching again (see `AnnouncedWork` for when).
 */
export interface QueueNotice {
  stage: string;
  jobIds: string[];
}

const SEPARATOR = ":";
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** What goes before the ids in SQL that builds the payload itself: `${prefix} || id::text`. */
export const queueNoticePrefix = (stage: string): string => `${stage}${SEPARATOR}`;

export function queueNoticePayload(stage: string, jobIds: readonly string[] = []): string {
  return jobIds.length === 0 ? stage : `${queueNoticePrefix(stage)}${jobIds.join(",")}`;
}

/** A payload that names no valid ids (an older sender's, or a batch's) announces the stage alone. */
export function parseQueueNotice(payload: string): QueueNotice {
  const at = payload.indexOf(SEPARATOR);
  if (at < 0) return { stage: payload, jobIds: [] };
  const ids = payload.slice(at + 1).split(",");
  return { stage: payload.slice(0, at), jobIds: ids.every((id) => UUID.test(id)) ? ids : [] };
}
