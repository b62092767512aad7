import { S3Client } from "@aws-sdk/client-s3";

export interface S3ClientProps {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
}

/**
 * An S3 client for MinIO or AWS. Path-style addressing works with both and with
 * endpoints that are bare IPs. Checksums are computed only when an operation requires
 * one, so presigned URLs do not grow checksum headers the client never sends.
 */
export function createS3Client(props: S3ClientProps): S3Client {
  return new S3Client({
    endpoint: props.endpoint,
    region: props.region,
    forcePathStyle: true,
    credentials: { accessKeyId: props.accessKeyId, secretAccessKey: props.secretAccessKey },
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
    // The SDK's own retries would hide outages from intake's circuit breaker; intake retries itself.
    maxAttempts: 1,
  });
}
