export { type Chunk, type ChunkOptions, chunkText, validateChunkOptions } from "./chunk.js";
export { estimateTokens } from "./chunk-boundaries.js";
export { DETECT_HEAD_BYTES, type DetectInput, type DocumentType, detectDocumentType } from "./detect.js";
export * from "./embed/index.js";
export { isPipelineError, PipelineError, type PipelineErrorCode } from "./errors.js";
export * from "./parse/index.js";
