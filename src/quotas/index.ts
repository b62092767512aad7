export { QuotaError, type QuotaName } from "./quota-error.js";
export { StreamSlots, type StreamSlotsProps } from "./stream-slots.js";
export { type TenantLimits, tenantLimits } from "./tenant-limits.js";
export { type TenantQuotaReport, tenantQuotaReports } from "./tenant-quota-report.js";
export { spendUpload } from "./upload-rate.js";
