/**
 * intake's upload SDK, for browsers and Node (no Node imports on this path; Node file paths and
 * streams are in `./node.js`).
 *
 * @example
 * import { upload } from "./client/index.js";
 * const { job } = await upload(file, { url: "http://localhost:8080", apiKey, watch: true,
 *   onBytes: ({ sent, total }) => bar.update(sent / total) });
 */
export { type DocumentText, getDocument, getFileUrl, openDocument } from "./documents.js";
export { IntakeError } from "./errors.js";
export {
  deleteJob,
  type ReprocessSettings,
  type ReprocessStage,
  reprocessJob,
  updateJobMetadata,
} from "./job-lifecycle.js";
export {
  type Chunk,
  cancelJob,
  type JobFilters,
  listChunks,
  listJobEvents,
  listJobs,
  retryJob,
} from "./jobs.js";
export { type ApiKey, createKey, listKeys, revokeKey } from "./keys.js";
export type { UploadedPart } from "./multipart.js";
export { fromBlob, fromBytes, guessContentType, type UploadSource } from "./source.js";
export type {
  ByteProgress,
  ClientOptions,
  CreatedUpload,
  Job,
  JobEvent,
  JobStatus,
  UploadInstructions,
  UploadOptions,
  WatchOptions,
} from "./types.js";
export { TERMINAL } from "./types.js";
export { type BrowserSource, type UploadResult, upload } from "./upload.js";
export { getJob, watchJob } from "./watch.js";
export {
  createWebhook,
  deleteWebhook,
  getWebhook,
  listWebhookDeliveries,
  listWebhooks,
  redeliverWebhook,
  rotateWebhookSecret,
  updateWebhook,
  verifyWebhook,
  type Webhook,
  type WebhookDelivery,
  type WebhookEventType,
  type WebhookMessage,
} from "./webhooks.js";
