import {
  type CORSRule,
  CreateBucketCommand,
  GetBucketCorsCommand,
  GetBucketLifecycleConfigurationCommand,
  GetBucketNotificationConfigurationCommand,
  HeadBucketCommand,
  type LifecycleRule,
  PutBucketCorsCommand,
  PutBucketLifecycleConfigurationCommand,
  PutBucketNotificationConfigurationCommand,
  type QueueConfiguration,
  type S3Client,
} from "@aws-sdk/client-s3";

const CORS_ID = "intake-browser-uploads";
const LIFECYCLE_ID = "abort-incomplete-multipart";
const NOTIFICATION_ID = "intake-object-created";

/** Intake's own rule as a server that renames rule ids may hand it back. */
const isIntakeQueue = (q: QueueConfiguration) =>
  q.QueueArn === MINIO_WEBHOOK_ARN &&
  (q.Filter?.Key?.FilterRules ?? []).some(
    (r) => r.Name?.toLowerCase() === "prefix" && r.Value === "uploads/",
  );

/**
 * What a bucket already holds for one setting; none yet is an empty list. S3's Put* calls
 * replace the whole configuration, so intake reads it first and puts back every rule that is
 * not its own: a bucket shared with other tools keeps their CORS, lifecycle and notifications.
 */
async function existing<T>(read: () => Promise<T[] | undefined>): Promise<T[]> {
  try {
    return (await read()) ?? [];
  } catch (err) {
    if (/^NoSuch/.test((err as Error).name)) return [];
    throw err;
  }
}

/** The notification target `minio/start.sh --webhook` configures. */
export const MINIO_WEBHOOK_ARN = "arn:minio:sqs::INTAKE:webhook";

export interface BucketSetupResult {
  created: boolean;
  cors: boolean;
  lifecycle: boolean;
  /** false when the server has no webhook target; the reconciler still completes uploads. */
  notifications: boolean;
  /** Features the server provides itself instead (MinIO: CORS and stale-upload cleanup are server-wide). */
  serverManaged: string[];
  warnings: string[];
}

/** What MinIO answers for bucket features it implements server-wide, and where they are set. */
const SERVER_MANAGED: Record<string, { error: string; note: string }> = {
  cors: {
    error: "NotImplemented",
    note: "cors: server-wide (MINIO_API_CORS_ALLOW_ORIGIN, set by minio/start.sh)",
  },
  lifecycle: {
    error: "InvalidArgument",
    note: "lifecycle: MinIO aborts stale multipart uploads itself (MINIO_API_STALE_UPLOADS_EXPIRY, set by minio/start.sh)",
  },
};

/**
 * Makes the bucket ready for browser uploads: creates it, exposes ETag to browsers (multipart
 * completion needs each part's ETag), aborts multipart uploads abandoned for a day, and sends
 * object-created events to intake's storage-events route. Each step is idempotent; a step the
 * server refuses is reported in `warnings`, not thrown, so intake still starts against S3
 * services that lack one of these features.
 */
export async function setupBucket(s3: S3Client, bucket: string, opts: { notifications: boolean }) {
  const result: BucketSetupResult = {
    created: false,
    cors: false,
    lifecycle: false,
    notifications: false,
    serverManaged: [],
    warnings: [],
  };
  try {
    await s3.send(new HeadBucketCommand({ Bucket: bucket }));
  } catch {
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    result.created = true;
  }
  const step = async (
    name: keyof BucketSetupResult & ("cors" | "lifecycle" | "notifications"),
    run: () => Promise<unknown>,
  ) => {
    try {
      await run();
      result[name] = true;
    } catch (err) {
      const managed = SERVER_MANAGED[name];
      if (managed && (err as Error).name === managed.error) result.serverManaged.push(managed.note);
      else result.warnings.push(`${name}: ${(err as Error).name}: ${(err as Error).message}`);
    }
  };
  await step("cors", async () => {
    const others = (
      await existing<CORSRule>(
        async () => (await s3.send(new GetBucketCorsCommand({ Bucket: bucket }))).CORSRules,
      )
    ).filter((r) => r.ID !== CORS_ID);
    await s3.send(
      new PutBucketCorsCommand({
        Bucket: bucket,
        CORSConfiguration: {
          CORSRules: [
            ...others,
            {
              ID: CORS_ID,
              AllowedMethods: ["GET", "PUT", "POST", "HEAD"],
              AllowedOrigins: ["*"],
              AllowedHeaders: ["*"],
              ExposeHeaders: ["ETag", "Location", "x-amz-checksum-sha256"],
              MaxAgeSeconds: 3600,
            },
          ],
        },
      }),
    );
  });
  await step("lifecycle", async () => {
    const others = (
      await existing<LifecycleRule>(
        async () => (await s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: bucket }))).Rules,
      )
    ).filter((r) => r.ID !== LIFECYCLE_ID);
    await s3.send(
      new PutBucketLifecycleConfigurationCommand({
        Bucket: bucket,
        LifecycleConfiguration: {
          Rules: [
            ...others,
            {
              ID: LIFECYCLE_ID,
              Status: "Enabled",
              Filter: { Prefix: "" },
              AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
            },
          ],
        },
      }),
    );
  });
  if (opts.notifications) {
    await step("notifications", async () => {
      const current = await s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: bucket }));
      const others = (current.QueueConfigurations ?? []).filter(
        (q: QueueConfiguration) => q.Id !== NOTIFICATION_ID && !isIntakeQueue(q),
      );
      await s3.send(
        new PutBucketNotificationConfigurationCommand({
          Bucket: bucket,
          NotificationConfiguration: {
            TopicConfigurations: current.TopicConfigurations,
            LambdaFunctionConfigurations: current.LambdaFunctionConfigurations,
            ...(current.EventBridgeConfiguration
              ? { EventBridgeConfiguration: current.EventBridgeConfiguration }
              : {}),
            QueueConfigurations: [
              ...others,
              {
                Id: NOTIFICATION_ID,
                QueueArn: MINIO_WEBHOOK_ARN,
                Events: ["s3:ObjectCreated:*"],
                Filter: { Key: { FilterRules: [{ Name: "prefix", Value: "uploads/" }] } },
              },
            ],
          },
        }),
      );
    });
  }
  return result;
}
