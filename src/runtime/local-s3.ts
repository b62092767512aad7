import path from "node:path";
import type { Config } from "../config/index.js";
import { StartupError } from "../config/startup-error.js";
import type { Logger } from "../observability/logger.js";
import { startDevS3 } from "../storage/dev-s3/server.js";
import { findMinioBinary, startLocalMinio } from "../storage/local-minio.js";
import type { LocalState } from "./local-state.js";
import { choosePort } from "./ports.js";

const DEFAULT_PORT = 9000;
const PORT_VARIABLE = "INTAKE_LOCAL_S3_PORT";

/** MinIO's own words for why it stopped, turned into one line with the fix. */
function minioFailure(err: unknown, port: number, dataDir: string): Error {
  const text = (err as Error).message;
  if (/port is already in use|address already in use/i.test(text)) {
    return new StartupError(
      `local MinIO: port ${port} is already in use; set ${PORT_VARIABLE} to a free port`,
    );
  }
  if (/permission denied|access is denied|unable to write|not writable|read-only/i.test(text)) {
    return new StartupError(
      `local MinIO cannot use its data directory ${dataDir}: make it writable, or set INTAKE_DATA_DIR to another directory`,
    );
  }
  const line = text.split("\n").find((l) => /FATAL|ERROR|Unable/i.test(l)) ?? text.split("\n")[0];
  return new StartupError(
    `local MinIO did not start: ${line?.trim()}; run \`npm run minio:build\` again, or set S3_ENDPOINT`,
  );
}

/**
 * The S3 endpoint of the all-in-one mode: the MinIO that `minio/build.sh` built, with its
 * webhook pointed at this API; else the in-process development server, which verifies SigV4
 * with the same credentials and says loudly that it is no real S3.
 */
export async function startLocalS3(config: Config, local: LocalState, logger: Logger, apiPort?: number) {
  const bin = await findMinioBinary();
  const port = await choosePort(config.local.s3Port, DEFAULT_PORT, PORT_VARIABLE, "local S3", logger);
  const credentials = { accessKeyId: local.s3AccessKeyId, secretAccessKey: local.s3SecretAccessKey };
  if (bin) {
    const webhookToken = config.webhookToken ?? local.webhookToken;
    const dataDir = path.join(config.dataDir, "minio");
    const minio = await startLocalMinio({
      port,
      dataDir,
      ...credentials,
      webhook: apiPort
        ? { url: `http://127.0.0.1:${apiPort}/v1/storage-events`, token: webhookToken }
        : undefined,
    }).catch((err: unknown) => {
      throw minioFailure(err, port, dataDir);
    });
    logger.info({ endpoint: minio.endpoint }, "started local MinIO");
    return {
      stop: minio.stop,
      config: { ...config, webhookToken, s3: { ...config.s3, endpoint: minio.endpoint, ...credentials } },
    };
  }
  const dev = await startDevS3({
    port,
    dataDir: path.join(config.dataDir, "dev-s3"),
    credentials: { ...credentials, region: config.s3.region },
  }).catch((err: unknown) => {
    throw new StartupError(
      `development S3: cannot listen on port ${port} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); set ${PORT_VARIABLE} to a free port`,
    );
  });
  logger.warn(
    { endpoint: dev.endpoint },
    "MinIO is not built, so intake started its in-process DEVELOPMENT S3 server: it verifies signatures " +
      "and POST policies but is not hardened, sends no bucket notifications and keeps bodies in memory; " +
      "never expose it. Build a real MinIO with `npm run minio:build`.",
  );
  return {
    stop: dev.stop,
    config: { ...config, s3: { ...config.s3, endpoint: dev.endpoint, ...credentials } },
  };
}
