/**
 * Collects stdout lines and writes them in one call per event-loop turn, so a burst of
 * deliveries costs a few writes instead of one per line. flush() writes what is left,
 * and runs before the process exits.
 */
export class LineWriter {
  private buffered: string[] = [];
  private scheduled = false;

  constructor(private readonly stream: NodeJS.WritableStream = process.stdout) {}

  write(line: string): void {
    this.buffered.push(line);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  flush(): void {
    this.scheduled = false;
    if (this.buffered.length === 0) return;
    const text = `${this.buffered.join('\n')}\n`;
    this.buffered = [];
    this.stream.write(text);
  }
}
