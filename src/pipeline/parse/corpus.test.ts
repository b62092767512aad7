import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { isPipelineError, type PipelineErrorCode } from "../errors.js";
import { sharedCorpusDir } from "../testing/shared-corpus.js";
import { parseBytes } from "../testing/streams.js";

// The shared corpus (see ../shared/corpus/README.md), relative to the project's root, which is
// where vitest runs. Every file in it has an expectation below, so a file added to the corpus
// fails the last test until someone says what it should give.
const CORPUS = sharedCorpusDir();

type Expectation =
  /** Parsed, and this phrase (whitespace-normalized) is in the text. Each phrase was checked
   * against an independent reading of the file: pdftotext for PDFs, pandoc for DOCX, ODT,
   * EPUB, RTF and HTML, the zip's XML for XLSX and PPTX, strings(1) for MSG and DOC, the bytes
   * themselves for text formats. */
  | { phrase: string }
  /** Parsed, with no text (scanned pages, pictures only, blank files). */
  | { empty: true }
  /**
   * An image, parsed here without OCR (src/pipeline/ocr has its own corpus test that reads
   * them): empty, with the warning that says its pages went unread.
   */
  | { unreadImage: true }
  /** Refused with this code. */
  | { code: PipelineErrorCode };

const expectations: Record<string, Expectation> = {
  "2023-half-year-analyses-by-segment.xlsx": { phrase: "(a) Inter-segment sales are not" },
  "LICENSE.md": { phrase: "Apache License Version 2.0, January" },
  "README-w-include.org": { phrase: "Example Docs The sample docs" },
  "README-w-include.rst": { phrase: ".. include:: file_we_dont_want_imported Example Docs" },
  "README.md": { phrase: "Example Docs The sample docs" },
  "README.org": { phrase: "Example Docs The sample docs" },
  "README.rst": { phrase: "Example Docs ------------ The sample" },
  "arbitrary-records.json": { phrase: '{ "sku": "GRD-8842", "name": "Garden' },
  "arbitrary-records.ndjson": { phrase: '{"sku": "GRD-8842", "name": "Garden Trowel",' },
  "book-war-and-peace-1225p.txt": { phrase: 'CHAPTER I "Well, Prince, so' },
  "book-war-and-peace-1p.txt": { phrase: 'CHAPTER I "Well, Prince, so' },
  "category-level.docx": { phrase: "Call me Ishmael. Some years" },
  "codeblock.md": { phrase: "This is a simple HTML" },
  "contains-pictures.docx": { phrase: "Some paragraph text that runs" },
  "csv-with-escaped-commas.csv": { phrase: 'A,A,A,"A,A",A' },
  "csv-with-line-delimiter.csv": { phrase: "d|e|f" },
  "csv-with-long-lines.csv": {
    phrase:
      "SpearmanCorrelationCoefficient,1Freq CD161CD8TfrequencyUnstim,1Freq Ki67CD8frequencyUnstim,1Freq pDCfrequencyUnstim,1Freq GranulocytesfrequencyUnstim,2Unstim",
  },
  "docx-hdrftr.docx": { phrase: "Main document" },
  "docx-shapes.docx": { phrase: "Paragraph with floating shape attached." },
  "docx-tables.docx": { phrase: "Table with merged cells" },
  "duplicate-paragraphs.doc": { phrase: "This document contains duplicates some" },
  "duplicate-paragraphs.docx": { phrase: "This document contains duplicates some" },
  "eml/email-equals-attachment-filename.eml": { phrase: "Below is an example of" },
  "eml/email-inline-content-disposition.eml": { phrase: "This is a test of" },
  "eml/email-no-html-content-1.eml": { phrase: "Subscribed to 63 nf-core repositories" },
  "eml/email-no-utf8-2008-07-16.062410.eml": { phrase: "No virus found in this" },
  "eml/email-no-utf8-2014-03-17.111517.eml": { phrase: "Google Account password changed From:" },
  "eml/email-replace-mime-encodings-error-1.eml": { phrase: "Someone has joined your meeting" },
  "eml/email-replace-mime-encodings-error-2.eml": { phrase: "RE: Random Expo Expo 2023" },
  "eml/email-replace-mime-encodings-error-3.eml": { phrase: "Last chance to register for" },
  "eml/email-replace-mime-encodings-error-4.eml": { phrase: "Intellectual Property Protection for startups" },
  "eml/email-replace-mime-encodings-error-5.eml": {
    phrase: "GLOBAL SPONSORSHIP OPPORTUNITY - BIOPROCESSING",
  },
  "eml/email-with-image.eml": { phrase: "email-with-image From: Mallori Harrell <mallori@unstructured.io" },
  "eml/empty.eml": { empty: true },
  "eml/fake-email-attachment.eml": { phrase: "Fake email with attachment From:" },
  "eml/fake-email-b64.eml": { phrase: "Test Email From: Matthew Robinson" },
  "eml/fake-email-header.eml": { phrase: "Test Email From: Matthew Robinson" },
  "eml/fake-email-image-embedded.eml": {
    phrase: "fake-email-image-embedded From: Mallori Harrell <mallori@unstructured.io",
  },
  "eml/fake-email-malformed-encoding.eml": { phrase: "Test Email From: Matthew Robinson" },
  "eml/fake-email-utf-16-be.eml": { phrase: "Test Email From: Matthew Robinson" },
  "eml/fake-email-utf-16-le.eml": { phrase: "Test Email From: Matthew Robinson" },
  "eml/fake-email-utf-16.eml": { phrase: "Test Email From: Matthew Robinson" },
  "eml/fake-email.eml": { phrase: "Test Email From: Matthew Robinson" },
  "eml/fake-email.txt": { phrase: "MIME-Version: 1.0 Date: Fri, 16" },
  "eml/fake-encrypted.eml": { code: "encrypted_file" },
  "eml/family-day.eml": { phrase: "Family Day From: Mallori Harrell" },
  "eml/mime-attach-mp3.eml": { phrase: "This is an email with" },
  "eml/mime-different-plain-html.eml": { phrase: "From: sender@example.com To: recipient@example.com Date:" },
  "eml/mime-html-only.eml": { phrase: "From: sender@example.com To: recipient@example.com Date:" },
  "eml/mime-multi-to-cc-bcc.eml": { phrase: "From: sender@example.com To: Bob <bob@example.com" },
  "eml/mime-multipart-digest.eml": { phrase: "From: alice@example.com To: bob@example.com Cc:" },
  "eml/mime-no-body.eml": { phrase: "From: sender@example.com To: recipient@example.com Date:" },
  "eml/mime-no-subject.eml": { phrase: "This is a simple email" },
  "eml/mime-no-to.eml": { phrase: "From: sender@example.com Cc: Tom <tom@example.com" },
  "eml/mime-simple.eml": { phrase: "This is a simple email" },
  "eml/mime-word-encoded-subject.eml": { phrase: "This is a simple email" },
  "eml/rfc822-no-date.eml": { phrase: "Example Email Without Date Header" },
  "eml/signed-doc.p7s": {
    phrase: 'MIME-Version: 1.0 Content-Type: multipart/signed; protocol="application/x-pkcs7-signature";',
  },
  "eml/simple-rfc-822.eml": { phrase: "From: sender@example.com To: recipient@example.com Date:" },
  "eml/test-invalid-date.eml": { phrase: "This is a test-email with" },
  "eml/test-iso-8601-date.eml": { phrase: "From: sender@example.com To: recipient@example.com" },
  "eml/test-rfc2822-date.eml": { phrase: "Test a standard RFC-2822 date" },
  "emoji.xlsx": { phrase: "🤠😅" },
  "empty.txt": { empty: true },
  "empty.xlsx": { phrase: "## Sheet1" },
  "example-10k-1p.html": { phrase: "TRANSITION REPORT PURSUANT TO SECTION" },
  "example-10k.html": { phrase: "0000013156 false --12-31 FY 2021" },
  "example-list-items-multiple.docx": { phrase: "Lorem Ipsum - This is" },
  "example-steelJIS-datasheet-utf-16.html": { phrase: "Japanese Steels and Alloys" },
  "example-steelJIS-datasheet.html": { phrase: "SteelJIS: Japanese Steels and Alloys" },
  "example-with-scripts.html": { phrase: "Search form Search - Home" },
  "factbook-utf-16.xml": { phrase: '<?xml version="1.0" encoding="UTF-8"?' },
  "factbook.xml": { phrase: '<?xml version="1.0" encoding="UTF-8"?' },
  "fake-doc-emphasized-text.doc": { phrase: "Header Col 1 Header Col" },
  "fake-doc-emphasized-text.docx": { phrase: "A bold italic bold-italic example" },
  "fake-doc.rtf": { phrase: "My First Heading My first" },
  "fake-email-attachment.msg": { phrase: "Hey this is a fake" },
  "fake-email-with-cc-and-bcc.msg": { phrase: "is a test email. Please" },
  "fake-email.eml": { phrase: "Test Email From: Matthew Robinson" },
  "fake-email.msg": { phrase: "This is a test email" },
  "fake-email.txt": { phrase: "MIME-Version: 1.0 Date: Fri, 16" },
  "fake-encrypted.msg": { code: "encrypted_file" },
  "fake-html-cp1252.html": { phrase: "My First Heading My first" },
  "fake-html-lang-de.html": { phrase: "Jahresabschluss zum Geschäftsjahr vom 01.01.2020" },
  "fake-html-pre.htm": { phrase: "107th Congress Public Law 56" },
  "fake-html-with-base64-image.html": { phrase: "Test page" },
  "fake-html-with-duplicate-elements.html": { phrase: "Example heading. This is a" },
  "fake-html-with-footer-and-header.html": { phrase: "My First Heading My first" },
  "fake-html-with-image-from-url.html": { phrase: "Test page" },
  "fake-html.html": { phrase: "My Second Heading My first" },
  "fake-incomplete-json.txt": { phrase: '{ "name": "John Doe", "age":' },
  "fake-power-point-malformed.pptx": { phrase: "Test Slide" },
  "fake-power-point-many-pages.pptx": { phrase: "## Page 2" },
  "fake-power-point-table.pptx": { phrase: "A Slide with a Table" },
  "fake-power-point.ppt": { phrase: "## Adding a Bullet Slide Find the bullet slide layout" },
  "fake-power-point.pptx": { phrase: "Find the bullet slide layout" },
  "fake-text-all-whitespace.txt": { empty: true },
  "fake-text-utf-16-be.txt": { phrase: "This is a test document" },
  "fake-text-utf-16-le.txt": { phrase: "This is a test document" },
  "fake-text-utf-16.txt": { phrase: "This is a test document" },
  "fake-text-utf-32.txt": { phrase: "This is a test document" },
  "fake-text.txt": { phrase: "This is a test document" },
  "fake.doc": { phrase: "Lorem ipsum dolor sit amet." },
  "fake.docx": { phrase: "Lorem ipsum dolor sit amet." },
  "fake.go": { phrase: 'package main import "fmt" func' },
  "fake.odt": { phrase: "Lorem ipsum dolor sit amet." },
  "fake_table.docx": { phrase: "Header Col 1" },
  file_we_dont_want_imported: { phrase: "wombat" },
  "grid_offset_error.docx": { phrase: "Merged B1-B3" },
  "group-shapes-nested.pptx": { phrase: "A\n\nI\n\nJ" },
  "handbook-1p-no-rendered-page-breaks.docx": { phrase: "CHAPTER 1 INTRODUCTION CHAPTER 1" },
  "handbook-1p.docx": { phrase: "CHAPTER 1 INTRODUCTION CHAPTER 1" },
  "handbook-872p.docx": { phrase: "U.S. Department of Justice Executive" },
  "hebrew-text-base64-iso88598i.txt": { phrase: "8uPr5e8gVGVzbGEgLSDw4/j5+iDn+unu5CDy7CDk4ff55CDs+On55e0g" },
  "hlink-meta.docx": { phrase: "One Two with link to" },
  "ideas-page.html": { phrase: "The way to get new" },
  "img/DA-1p.jpg": { unreadImage: true },
  "img/DA-1p.png": { unreadImage: true },
  "img/chi_sim_image.jpeg": { unreadImage: true },
  "img/double-column-A.jpg": { unreadImage: true },
  "img/double-column-B.jpg": { unreadImage: true },
  "img/embedded-images-tables.jpg": { unreadImage: true },
  "img/english-and-korean.png": { unreadImage: true },
  "img/example.jpg": { unreadImage: true },
  "img/jpn-vert.jpeg": { unreadImage: true },
  "img/layout-parser-paper-combined.tiff": { unreadImage: true },
  "img/layout-parser-paper-fast.jpg": { unreadImage: true },
  "img/layout-parser-paper-fast.tiff": { unreadImage: true },
  "img/layout-parser-paper-with-table.jpg": { unreadImage: true },
  "img/table-multi-row-column-cells.png": { unreadImage: true },
  "language-docs/UDHR_first_article_all.txt": { phrase: "Universal Declaration of Human Right" },
  "language-docs/eng_afr_spa.txt": { phrase: "All human beings are born" },
  "language-docs/eng_spa.txt": { phrase: "All human beings are born" },
  "language-docs/eng_spa.xlsx": { phrase: "All human beings are born" },
  "language-docs/eng_spa_mult.doc": { phrase: "All human beings are born free" },
  "language-docs/eng_spa_mult.docx": { phrase: "All human beings are born" },
  "language-docs/eng_spa_mult.eml": { phrase: "Test email with multiple languages" },
  "language-docs/eng_spa_mult.epub": { phrase: "All human beings are born" },
  "language-docs/eng_spa_mult.html": { phrase: "All human beings are born" },
  "language-docs/eng_spa_mult.md": { phrase: "All human beings are born" },
  "language-docs/eng_spa_mult.odt": { phrase: "All human beings are born" },
  "language-docs/eng_spa_mult.org": { phrase: "All human beings are born" },
  "language-docs/eng_spa_mult.ppt": { phrase: "Testing multiple languages" },
  "language-docs/eng_spa_mult.pptx": { phrase: "All human beings are born" },
  "language-docs/eng_spa_mult.rst": { phrase: "All human beings are born" },
  "language-docs/eng_spa_mult.rtf": { phrase: "All human beings are born" },
  "language-docs/eng_spa_mult.txt": { phrase: "All human beings are born" },
  "language-docs/eng_spa_mult.xml": { phrase: "All human beings are born" },
  "language-docs/fr_olap.pdf": { phrase: "Résumés et interrogations de logs" },
  "logger.py": { phrase: "import logging from typing import" },
  "more-than-1k-cells.xlsx": { phrase: "| x | x | x |" },
  "norwich-city.txt": { phrase: "Iwan Roberts Roberts celebrating after" },
  "not-unstructured-payload.json": { phrase: '{ "id": "Sample-1", "name": "Sample' },
  "page-breaks.docx": { phrase: "First page, tab here: followed" },
  "password_protected.xlsx": { code: "encrypted_file" },
  "pdf/DA-1p.pdf": { phrase: 'MAIN GAME CREATURES Abomination "We' },
  "pdf/DA-619p.pdf": {
    phrase: "Table of Contents MAIN GAME......................................................6",
  },
  "pdf/a1977-backus-p21.pdf": { phrase: "position is that it permits" },
  "pdf/all-number-table.pdf": { phrase: "1000.01 9" },
  "pdf/chevron-page.pdf": { phrase: "eastern mediterranean We’re investing to" },
  "pdf/copy-protected.pdf": { phrase: "LayoutParser: A Unified Toolkit for" },
  "pdf/embedded-cmap-cidfont.pdf": { phrase: "Heading in Helvetica This text" },
  "pdf/embedded-images-tables.pdf": { phrase: "O. Sanni, A.P.I. Popoola /" },
  "pdf/embedded-images.pdf": { phrase: "Hands-free unlocking, when approaching the" },
  "pdf/embedded-link.pdf": { phrase: "This is the link. This" },
  "pdf/emphasis-text.pdf": { phrase: "Test bold. Italic. Now Italic" },
  "pdf/failure-after-repair.pdf": { phrase: "Understanding Breast Cancer A guide" },
  "pdf/fake-bold-sample.pdf": { phrase: "Fake Bold PDF Test Document" },
  "pdf/fake-memo-with-duplicate-page.pdf": { phrase: "May 5, 2023 To Whom" },
  "pdf/fake-memo.pdf": { phrase: "May 5, 2023 To Whom" },
  "pdf/figure-overlay-text.pdf": { phrase: "Printed Name:" },
  "pdf/header-test-doc.pdf": { phrase: "I Am A Header Title" },
  "pdf/interface-config-guide-p93.pdf": { phrase: "Interface Configuration Guide Release 23.7.R1" },
  "pdf/invalid-pdf-structure-pdfminer-one-page.pdf": { phrase: "June 2023 Cybersecurity: Launching and" },
  "pdf/korean-text-with-tables.pdf": {
    phrase: "할인점·주유·온라인쇼핑몰 1.5% 빅포인트 적립 커피전문점·제과점·편의점",
  },
  "pdf/layout-parser-paper-fast.pdf": { phrase: "LayoutParser: A Unified Toolkit for" },
  "pdf/layout-parser-paper-with-empty-pages.pdf": { phrase: "LayoutParser: A Unified Toolkit for" },
  "pdf/layout-parser-paper-with-table.pdf": { phrase: "LayoutParser: A Unified Toolkit for" },
  "pdf/list-item-example.pdf": { phrase: "Module One - Introduction to" },
  // Scanned pages without a text layer: parsed, no text (no OCR).
  "pdf/loremipsum-flat.pdf": { empty: true },
  "pdf/multi-column-2p.pdf": { phrase: "Dense Passage Retrieval for Open-Domain" },
  "pdf/multi-column.pdf": { phrase: "Dense Passage Retrieval for Open-Domain" },
  "pdf/negative-coords.pdf": { phrase: "Introduction Climate Change Resources Smarter" },
  "pdf/password.pdf": { code: "encrypted_file" },
  "pdf/pdf-bad-color-space.pdf": { phrase: "Our ambition The United Nations" },
  "pdf/pdf-with-ocr-text.pdf": { phrase: "^ toi n»Bfl. iseorty ttsrootj" },
  "pdf/pdf2image-memory-error-test-400p.pdf": { phrase: "MANUAL TRANSMITTAL 2.3.59 Department of" },
  "pdf/reliance.pdf": { phrase: "For an inclusive ecosystem For" },
  "pdf/single_table.pdf": { empty: true },
  "pdf/table-multi-row-column-cells.pdf": { empty: true },
  "picture.pptx": { empty: true },
  "rotated-page-90.pdf": { phrase: "Hello World Test Text Second" },
  "sample-presentation.pptx": { phrase: "Title Slide With a subtitle" },
  "science-exploration-1p.pptx": { phrase: "Code 600: Sciences and Exploration" },
  "semicolon-delimited.csv": { phrase: "Lorem, ipsum; dolor sit; amet" },
  "simple-table.md": { phrase: "In stock ---" },
  "simple.doc": { phrase: "These are a few of" },
  "simple.docx": { phrase: "These are a few of" },
  "simple.json": { phrase: '{ "element_id": "a06d2d9e65212d4aa955c3ab32950ffa", "metadata": {' },
  "simple.ndjson": {
    phrase: '{"element_id": "a06d2d9e65212d4aa955c3ab32950ffa", "metadata": {"category_depth": 0,',
  },
  "simple.odt": { phrase: "These are a few of" },
  "simple.pptx": { phrase: "Title Slide With a subtitle" },
  "simple.yaml": { phrase: '--- doe: "a deer, a' },
  "simple.zip": { code: "unsupported_type" },
  "single-column.csv": { phrase: "Lorem, ipsum dolor sit amet" },
  "single-line-object.json": { phrase: '{"sku": "GRD-8842", "name": "Garden Trowel",' },
  "spring-weather.html.json": {
    phrase: '{ "type": "Title", "element_id": "fb902c5b26b38e2d35a70a55d43a5de6",',
  },
  "spring-weather.html.ndjson": {
    phrase: '{"type": "Title", "element_id": "fb902c5b26b38e2d35a70a55d43a5de6", "text":',
  },
  "stanley-cups-utf-16.csv": { phrase: "Stanley Cups,, Team,Location,Stanley Cups Blues,STL,1" },
  "stanley-cups-with-emoji.csv": { phrase: "Stanley Cups,, Team,Location,Stanley Cups Blues,STL,1" },
  "stanley-cups-with-emoji.tsv": { phrase: "Stanley Cups Team Location Stanley" },
  "stanley-cups.csv": { phrase: "Stanley Cups,, Team,Location,Stanley Cups Blues,STL,1" },
  "stanley-cups.tsv": { phrase: "Stanley Cups Team Location Stanley" },
  "stanley-cups.xlsx": { phrase: "Stanley Cups Since 67" },
  "table-multi-row-column-cells-actual.csv": {
    phrase:
      "Disability Category,Participants,Ballots Completed,Ballots Incomplete/Terminated,Results, ,,,,Accuracy,Time",
  },
  "table-semicolon-delimiter.csv": {
    phrase: "Year;Month;Revenue;Costs; 2022;1;123;-123; 2023;2;143,1;-814,38; 2024;3;215,32;-11,08;",
  },
  "tables-with-incomplete-rows.docx": { phrase: "Example of DOCX table where" },
  "teams_chat.docx": { phrase: "0:0:1.510 Some Body OK. Yeah." },
  "test-image-jpg-mime.pptx": { empty: true },
  "test_evaluate_files/filter_list.txt": {
    phrase: "Bank Good Credit Loan.pptx Performance-Audit-Discussion.pdf",
  },
  "test_evaluate_files/gold_standard_cct/Performance-Audit-Discussion.pdf.txt": {
    phrase: "Page 1 The introductory chapter",
  },
  "test_evaluate_files/gold_standard_cct/currency.csv.txt": { phrase: "Code Symbol Name AED ." },
  "test_evaluate_files/gold_standard_element_type/IRS-form-1987.pdf.json": {
    phrase: '{ "type": "Title", "element_id": "",',
  },
  "test_evaluate_files/gold_standard_table_structure/2022-financial-statements-p11.pdf.json": {
    phrase: '{ "type": "Header", "text": "I.',
  },
  "test_evaluate_files/gold_standard_table_structure/IRS-2023-Form-1095-A.pdf.json": {
    phrase: '{ "type": "Title", "text": "CAUTION:',
  },
  "test_evaluate_files/unstructured_output/IRS-form-1987.pdf.json": {
    phrase: '{ "element_id": "ca978112ca1bbdcafac231b39a23dc4d", "metadata": {',
  },
  "test_evaluate_files/unstructured_output/Performance-Audit-Discussion.pdf.json": {
    phrase: '{ "type": "UncategorizedText", "element_id": "9940112be89a9934ffb629a14cedbf71",',
  },
  "test_evaluate_files/unstructured_output/currency.csv.json": {
    phrase: '{ "type": "Table", "element_id": "0f932c1c78cd59aef141af819dfdcf84",',
  },
  "test_evaluate_files/unstructured_output/form.json": {
    phrase: '{ "type": "FormKeysValues", "element_id": "MOCK_FORM_ID",',
  },
  "test_evaluate_files/unstructured_output_cct/IRS-form-1987.pdf.txt": {
    phrase: "a Department of the Treasury",
  },
  "test_evaluate_files/unstructured_output_cct/Performance-Audit-Discussion.pdf.txt": {
    phrase: "GAGAS Performance Audits: Discussion of",
  },
  "test_evaluate_files/unstructured_output_cct/currency.csv.txt": { phrase: "Code Symbol Name AED د.إ" },
  "test_evaluate_files/unstructured_output_table_structure/2022-financial-statements-p11.pdf.json": {
    phrase: '{ "element_id": "65cc604a285e9b4833c3515c205525f1", "metadata": {',
  },
  "test_evaluate_files/unstructured_output_table_structure/IRS-2023-Form-1095-A.pdf.json": {
    phrase: '{ "element_id": "32fd0777e6bf9ab8ffdf0bc98d236660", "metadata": {',
  },
  "tests-example.xls": { phrase: "## Example Test | MC | What is 2+2? | 4 | correct |" },
  "umlauts-non-utf8.md": { phrase: "können können äöüß" },
  "umlauts-utf8.md": { phrase: "können können äöüß" },
  "unsupported/factbook.xsl": { phrase: '<?xml version="1.0" encoding="UTF-8"?' },
  "vodafone.xlsx": { phrase: "Nine quarters to 30 June" },
  "winter-sports.epub": { phrase: "The Project Gutenberg eBook of" },
  "xlsx-subtable-cases.xlsx": { phrase: "| c | d |  | e |" },
};

const normalize = (text: string) => text.replace(/\s+/g, " ");

describe("corpus: every file parses or fails as expected", () => {
  it.each(Object.entries(expectations))(
    "%s",
    async (file, expected) => {
      const bytes = new Uint8Array(readFileSync(join(CORPUS, file)));
      // Declared as a browser would for an unknown type: detection must work from the content.
      const outcome = await parseBytes(bytes, file).then(
        ({ text, result }) => ({ text, type: result.type, warnings: result.warnings }),
        (error: unknown) => {
          if (!isPipelineError(error)) throw error;
          return { code: error.code, message: error.message };
        },
      );
      if ("code" in expected) {
        expect(outcome, file).toMatchObject({ code: expected.code });
      } else if ("unreadImage" in expected) {
        expect(outcome, file).toMatchObject({ text: "", type: "image", warnings: ["no_text_layer"] });
      } else if ("empty" in expected) {
        expect("text" in outcome && outcome.text.trim(), file).toBe("");
      } else {
        expect("text" in outcome, `${file}: ${JSON.stringify(outcome)}`).toBe(true);
        if ("text" in outcome) expect(normalize(outcome.text), file).toContain(normalize(expected.phrase));
      }
    },
    120_000,
  );

  it("has an expectation for every file in the corpus", () => {
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const path = join(dir, name);
        if (statSync(path).isDirectory()) walk(path);
        else files.push(relative(CORPUS, path));
      }
    };
    walk(CORPUS);
    expect(files.sort()).toEqual(Object.keys(expectations).sort());
  });
});
