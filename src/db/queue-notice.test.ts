import { describe, expect, it } from "vitest";
import { parseQueueNotice, queueNoticePayload, queueNoticePrefix } from "./queue-notice.js";

const A = "0b6f3c2e-5d0e-4a57-9a51-6a8f2a1f9c01";
const B = "7d1e9a44-2b3c-4f6d-8e9f-0a1b2c3d4e5f";

describe("queue notices", () => {
  it("round-trip a stage alone and a stage with ids", () => {
    expect(queueNoticePayload("parse")).toBe("parse");
    expect(parseQueueNotice(queueNoticePayload("parse"))).toEqual({ stage: "parse", jobIds: [] });
    expect(queueNoticePayload("chunk", [A, B])).toBe(`chunk:${A},${B}`);
    expect(parseQueueNotice(queueNoticePayload("chunk", [A, B]))).toEqual({ stage: "chunk", jobIds: [A, B] });
  });

  it("reads what SQL builds from the prefix", () => {
    expect(parseQueueNotice(`${queueNoticePrefix("parse")}${A}`)).toEqual({ stage: "parse", jobIds: [A] });
  });

  it("announce no ids when any of them is not a uuid", () => {
    expect(parseQueueNotice(`parse:${A},nope`)).toEqual({ stage: "parse", jobIds: [] });
    expect(parseQueueNotice("parse:")).toEqual({ stage: "parse", jobIds: [] });
    expect(parseQueueNotice(`parse:${A.toUpperCase()}`)).toEqual({ stage: "parse", jobIds: [] });
  });
});
