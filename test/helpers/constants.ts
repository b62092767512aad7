export const TEMPLATE_DB = "intake_template";
export const S3_KEY = "intake-test";
export const S3_SECRET = "intake-test-secret";
export const API_KEY = "test-api-key-of-tenant-default";
export const WEBHOOK_TOKEN = "test-webhook-token-0123456789";
