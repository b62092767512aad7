import path from "node:path";
import type { Config } from "../config/index.js";
import type { Logger } from "../observability/logger.js";
import { startDevS3 } from "../storage/dev-s3/server.js";
import { findMinioBinary, startLocalMinio } from "../storage/local-minio.js";
import type { LocalState } from "./local-state.js";

const PORT = 9000;

/**
 * The S3 endpoint of the all-in-one mode: the MinIO that `minio/build.sh` built, with its
 * webhook pointed at this API; else the in-process development server, which says loudly
 * that it checks no signatures.
 */
export async function startLocalS3(config: Config, local: LocalState, logger: Logger, apiPort?: number) {
  const bin = await findMinioBinary();
  const credentials = { accessKeyId: local.s3AccessKeyId, secretAccessKey: local.s3SecretAccessKey };
  if (bin) {
    const webhookToken = config.webhookToken ?? local.webhookToken;
    const minio = await startLocalMinio({
      port: PORT,
      dataDir: path.join(config.dataDir, "minio"),
      ...credentials,
      webhook: apiPort
        ? { url: `http://127.0.0.1:${apiPort}/v1/storage-events`, token: webhookToken }
        : undefined,
    });
    logger.info({ endpoint: minio.endpoint }, "started local MinIO");
    return {
      stop: minio.stop,
      config: { ...config, webhookToken, s3: { ...config.s3, endpoint: minio.endpoint, ...credentials } },
    };
  }
  const dev = await startDevS3({ port: PORT, dataDir: path.join(config.dataDir, "dev-s3") });
  logger.warn(
    { endpoint: dev.endpoint },
    "MinIO is not built, so intake started its in-process DEVELOPMENT S3 server: it does NOT verify " +
      "signatures or policies and sends no bucket notifications. Build a real MinIO with `npm run minio:build`.",
  );
  return {
    stop: dev.stop,
    config: { ...config, s3: { ...config.s3, endpoint: dev.endpoint, ...credentials } },
  };
}
