/** A one-line progress bar on stderr, drawn only when stderr is a terminal so logs stay clean. */
export class ProgressBar {
  private lastDrawn = 0;
  private visible = false;

  constructor(
    private readonly label: string,
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {}

  update(done: number, total: number): void {
    if (!this.stream.isTTY) return;
    const now = Date.now();
    // Redrawing more than ~10 times a second only costs time.
    if (done < total && now - this.lastDrawn < 100) return;
    this.lastDrawn = now;
    const width = 30;
    const filled = total === 0 ? width : Math.round((done / total) * width);
    this.stream.write(
      `\r${this.label} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${total}`,
    );
    this.visible = true;
  }

  done(): void {
    if (!this.visible) return;
    this.stream.write('\n');
    this.visible = false;
  }
}
