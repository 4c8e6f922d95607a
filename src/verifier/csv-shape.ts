const QUOTE = 0x22;
const COMMA = 0x2c;
const CR = 0x0d;
const LF = 0x0a;
const MAX_HEADER_FIELD_BYTES = 4096;

/**
 * Counts the records of an RFC 4180 file fed in chunks, without keeping any of it: fields quoted with `"`
 * may hold commas, quotes (doubled) and line breaks; records end in `\r\n` and all have the header's number
 * of fields. Problems go to `report` with their 1-based physical line. Only the header's fields are kept.
 */
export class CsvShape {
  /** The header's fields, once its record has ended. */
  header: string[] | undefined;
  private headerFields: string[] = [];
  private field: number[] = [];
  private records = 0;
  private line = 1;
  private fields = 1;
  private headerCount: number | undefined;
  private inQuotes = false;
  /** A `"` seen inside a quoted field: the field's end, or the first half of `""`. */
  private quoteSeen = false;
  private fieldStart = true;
  private afterCr = false;
  private bytesInRecord = 0;

  constructor(private readonly report: (line: number, message: string) => void) {}

  push(chunk: Buffer): void {
    for (const byte of chunk) this.step(byte);
  }

  /** The number of records, the header included, once the whole file has been pushed. */
  finish(): number {
    if (this.inQuotes && !this.quoteSeen) {
      this.report(this.line, 'a quoted field is not closed at the end of the file');
    } else if (this.bytesInRecord > 0) {
      this.report(this.line, 'the last line does not end in \\r\\n');
      this.endRecord();
    }
    return this.records;
  }

  private step(byte: number): void {
    this.bytesInRecord += 1;
    if (this.inQuotes) {
      if (!this.quoteSeen) {
        if (byte === QUOTE) this.quoteSeen = true;
        else this.content(byte);
        if (byte === LF) this.line += 1;
        return;
      }
      this.quoteSeen = false;
      if (byte === QUOTE) return this.content(byte);
      this.inQuotes = false;
    }
    const afterCr = this.afterCr;
    this.afterCr = false;
    if (afterCr && byte !== LF) this.report(this.line, 'a \\r is not followed by \\n');
    switch (byte) {
      case QUOTE:
        if (this.fieldStart) this.inQuotes = true;
        else this.report(this.line, 'a " inside an unquoted field');
        this.fieldStart = false;
        return;
      case COMMA:
        this.endField();
        this.fields += 1;
        this.fieldStart = true;
        return;
      case CR:
        this.afterCr = true;
        return;
      case LF:
        if (!afterCr) this.report(this.line, 'the line ends in \\n, not \\r\\n');
        this.endRecord();
        this.line += 1;
        return;
      default:
        this.fieldStart = false;
        this.content(byte);
    }
  }

  /** Header bytes are kept (up to a bound); no other record's are. */
  private content(byte: number): void {
    if (this.records === 0 && this.field.length < MAX_HEADER_FIELD_BYTES) this.field.push(byte);
  }

  private endField(): void {
    if (this.records !== 0) return;
    this.headerFields.push(Buffer.from(this.field).toString('utf8'));
    this.field = [];
  }

  private endRecord(): void {
    this.endField();
    if (this.records === 0) this.header = this.headerFields;
    this.records += 1;
    if (this.headerCount === undefined) this.headerCount = this.fields;
    else if (this.fields !== this.headerCount)
      this.report(this.line, `has ${this.fields} fields; the header has ${this.headerCount}`);
    this.fields = 1;
    this.fieldStart = true;
    this.bytesInRecord = 0;
  }
}
