/** One line of a text file, without its `\n`: its text, or why it has none. */
export type Line =
  { readonly number: number; readonly text: string } | { readonly number: number; readonly error: string };

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Splits a byte stream into lines at `\n`, holding at most `maxLineBytes` of a line in memory: a longer line
 * is skipped and reported as an error. Lines are decoded as strict UTF-8.
 */
export class LineSplitter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private overlong = false;
  private count = 0;

  constructor(private readonly maxLineBytes: number) {}

  /** The lines that `chunk` completes. */
  *push(chunk: Buffer): Generator<Line> {
    let start = 0;
    for (let end = chunk.indexOf(0x0a); end !== -1; end = chunk.indexOf(0x0a, start)) {
      this.hold(chunk.subarray(start, end));
      yield this.take();
      start = end + 1;
    }
    this.hold(chunk.subarray(start));
  }

  /** What followed the last `\n`, if anything: a line missing its terminator. */
  finish(): Line | undefined {
    return this.pendingBytes > 0 || this.overlong ? this.take() : undefined;
  }

  /** Lines taken so far, including an unterminated last one once `finish` returned it. */
  get lines(): number {
    return this.count;
  }

  private hold(part: Buffer): void {
    if (part.length === 0 || this.overlong) return;
    if (this.pendingBytes + part.length > this.maxLineBytes) {
      this.overlong = true;
      this.pending = [];
      this.pendingBytes = 0;
      return;
    }
    this.pending.push(part);
    this.pendingBytes += part.length;
  }

  private take(): Line {
    const number = ++this.count;
    const bytes = Buffer.concat(this.pending, this.pendingBytes);
    const overlong = this.overlong;
    this.pending = [];
    this.pendingBytes = 0;
    this.overlong = false;
    if (overlong) return { number, error: `is longer than ${this.maxLineBytes} bytes; not read` };
    try {
      return { number, text: utf8.decode(bytes) };
    } catch {
      return { number, error: 'is not valid UTF-8' };
    }
  }
}
