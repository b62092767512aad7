// word-extractor 1.x ships no types; this declares the part intake uses.
declare module "word-extractor" {
  interface ExtractedDocument {
    getBody(): string;
  }
  export default class WordExtractor {
    extract(source: string | Buffer): Promise<ExtractedDocument>;
  }
}
