import {
  GetBucketCorsCommand,
  GetBucketLifecycleConfigurationCommand,
  GetBucketNotificationConfigurationCommand,
  PutBucketCorsCommand,
  PutBucketLifecycleConfigurationCommand,
  PutBucketNotificationConfigurationCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MINIO_WEBHOOK_ARN, setupBucket } from "../src/storage/bucket-setup.js";
import { createTestContext, type TestContext } from "./helpers/context.js";

// Issue 15, bucket setup merges with a bucket's existing CORS, lifecycle and notification
// configuration instead of replacing it. S3's Put* calls replace the whole document, so a
// bucket shared with other tools lost their rules on every intake start.

/** An S3 that keeps each configuration document, the way AWS does (MinIO does not do CORS). */
function fakeS3(initial: { cors?: object[]; lifecycle?: object[]; queues?: object[]; topics?: object[] }) {
  const state = { ...initial };
  const client = {
    async send(cmd: object) {
      const input = (cmd as { input: any }).input;
      if (cmd instanceof GetBucketCorsCommand) {
        if (!state.cors) throw Object.assign(new Error("none"), { name: "NoSuchCORSConfiguration" });
        return { CORSRules: state.cors };
      }
      if (cmd instanceof GetBucketLifecycleConfigurationCommand) {
        if (!state.lifecycle)
          throw Object.assign(new Error("none"), { name: "NoSuchLifecycleConfiguration" });
        return { Rules: state.lifecycle };
      }
      if (cmd instanceof GetBucketNotificationConfigurationCommand) {
        return { QueueConfigurations: state.queues, TopicConfigurations: state.topics };
      }
      if (cmd instanceof PutBucketCorsCommand) state.cors = input.CORSConfiguration.CORSRules;
      if (cmd instanceof PutBucketLifecycleConfigurationCommand)
        state.lifecycle = input.LifecycleConfiguration.Rules;
      if (cmd instanceof PutBucketNotificationConfigurationCommand) {
        state.queues = input.NotificationConfiguration.QueueConfigurations;
        state.topics = input.NotificationConfiguration.TopicConfigurations;
      }
      return {};
    },
  };
  return { s3: client as unknown as S3Client, state };
}

describe("bucket setup merges", () => {
  it("keeps other tools' rules and replaces only its own, however often it runs", async () => {
    const theirs = {
      cors: [{ ID: "cdn", AllowedMethods: ["GET"], AllowedOrigins: ["https://cdn.example"] }],
      lifecycle: [
        { ID: "expire-logs", Status: "Enabled", Filter: { Prefix: "logs/" }, Expiration: { Days: 7 } },
      ],
      queues: [
        { Id: "archiver", QueueArn: "arn:aws:sqs:us-east-1:1:archive", Events: ["s3:ObjectCreated:*"] },
      ],
      topics: [{ Id: "alerts", TopicArn: "arn:aws:sns:us-east-1:1:alerts", Events: ["s3:ObjectRemoved:*"] }],
    };
    const { s3, state } = fakeS3(structuredClone(theirs));
    for (let i = 0; i < 3; i++) {
      const result = await setupBucket(s3, "b", { notifications: true });
      expect(result.warnings).toEqual([]);
    }
    expect(state.cors).toHaveLength(2);
    expect(state.cors![0]).toEqual(theirs.cors[0]);
    expect(state.lifecycle).toHaveLength(2);
    expect(state.lifecycle![0]).toEqual(theirs.lifecycle[0]);
    expect(state.queues).toHaveLength(2);
    expect(state.queues![0]).toEqual(theirs.queues[0]);
    expect((state.queues![1] as { QueueArn: string }).QueueArn).toBe(MINIO_WEBHOOK_ARN);
    expect(state.topics).toEqual(theirs.topics);
  });

  it("a bucket with no configuration gets intake's rules", async () => {
    const { s3, state } = fakeS3({});
    await setupBucket(s3, "b", { notifications: false });
    expect(state.cors).toHaveLength(1);
    expect(state.lifecycle).toHaveLength(1);
    expect(state.queues).toBeUndefined();
  });
});

describe("against MinIO", () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await createTestContext();
  });
  afterAll(() => ctx?.close());

  it("setting up an existing bucket again reports no warnings", async () => {
    const again = await ctx.store.ensureBucket({ notifications: false });
    expect(again.created).toBe(false);
    expect(again.warnings).toEqual([]);
  });
});
