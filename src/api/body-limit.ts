import { bodyLimit } from "hono/body-limit";
import { ApiError } from "./problem.js";

/**
 * Refuses request bodies over `maxBytes` with 413 `body_too_large` before reading them whole
 * (Content-Length is checked up front; a chunked body is counted as it streams).
 */
export function limitBody(maxBytes: number) {
  return bodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw new ApiError(413, "body_too_large", `request body exceeds ${maxBytes} bytes`, { maxBytes });
    },
  });
}
