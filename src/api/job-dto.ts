// The job DTO lives in the domain (src/jobs/job-dto.ts) since webhook deliveries send it too.
export { jobDto } from "../jobs/job-dto.js";
