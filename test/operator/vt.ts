/**
 * A tiny terminal emulator for tests: enough of a VT100 to replay what the live view
 * writes (text, CR, LF, cursor up/down/forward/back, erase in line, erase in display,
 * SGR colors ignored) and read the screen that results. Unknown escape sequences throw,
 * so a view that starts emitting something new is noticed instead of silently misread.
 * Lines never scroll off (an unbounded screen), and a character written past the last
 * column wraps to the next line, as a real terminal does: a view that forgets to cut
 * its lines shows up as a garbled screen.
 */
export class VirtualTerminal {
  private lines: string[][] = [[]];
  private row = 0;
  private col = 0;
  /** Highest row the cursor was ever moved up to a negative position (a bug in the view). */
  underflows = 0;

  /**
   * @param onlcr translate LF to CR LF, as a terminal's line discipline does by default
   *   for what a program writes (turn off to replay bytes already captured from a pty).
   */
  constructor(
    readonly columns = 80,
    private readonly onlcr = true,
  ) {}

  write(data: string): this {
    let i = 0;
    while (i < data.length) {
      const ch = data[i]!;
      if (ch === '\x1b') {
        const m = /^\x1b\[([?0-9;]*)([A-Za-z])/.exec(data.slice(i));
        if (!m) throw new Error(`unsupported escape at ${JSON.stringify(data.slice(i, i + 10))}`);
        this.csi(m[1] ?? '', m[2]!);
        i += m[0].length;
        continue;
      }
      if (ch === '\r') this.col = 0;
      else if (ch === '\n') {
        if (this.onlcr) this.col = 0;
        this.lineFeed();
      }
      else if (ch === '\b') this.col = Math.max(0, this.col - 1);
      else if (ch === '\x07') {
        // bell: ignore
      } else if (ch < ' ') throw new Error(`unexpected control character ${JSON.stringify(ch)}`);
      else this.put(ch);
      i++;
    }
    return this;
  }

  private lineFeed(): void {
    this.row++;
    while (this.lines.length <= this.row) this.lines.push([]);
  }

  private put(ch: string): void {
    if (this.col >= this.columns) {
      // Autowrap.
      this.col = 0;
      this.lineFeed();
    }
    const line = this.lines[this.row]!;
    while (line.length < this.col) line.push(' ');
    line[this.col] = ch;
    this.col++;
  }

  private csi(params: string, cmd: string): void {
    if (params.startsWith('?')) return; // private modes: cursor show/hide
    const n = params === '' ? undefined : Number(params.split(';')[0]);
    switch (cmd) {
      case 'A': {
        const to = this.row - (n ?? 1);
        if (to < 0) this.underflows++;
        this.row = Math.max(0, to);
        break;
      }
      case 'B':
        this.row += n ?? 1;
        while (this.lines.length <= this.row) this.lines.push([]);
        break;
      case 'C':
        this.col = Math.min(this.columns - 1, this.col + (n ?? 1));
        break;
      case 'D':
        this.col = Math.max(0, this.col - (n ?? 1));
        break;
      case 'G':
        this.col = Math.max(0, (n ?? 1) - 1);
        break;
      case 'K': {
        const line = this.lines[this.row]!;
        const mode = n ?? 0;
        if (mode === 0) line.length = Math.min(line.length, this.col);
        else if (mode === 1) for (let c = 0; c <= this.col && c < line.length; c++) line[c] = ' ';
        else line.length = 0;
        break;
      }
      case 'J': {
        const mode = n ?? 0;
        if (mode === 0) {
          const line = this.lines[this.row]!;
          line.length = Math.min(line.length, this.col);
          this.lines.length = this.row + 1;
        } else if (mode === 2 || mode === 3) {
          this.lines = this.lines.map(() => []);
        } else throw new Error(`unsupported erase in display ${n}`);
        break;
      }
      case 'm':
        break; // colors
      default:
        throw new Error(`unsupported CSI ${params}${cmd}`);
    }
  }

  /** The screen, one string per line, trailing blanks and trailing empty lines removed. */
  screen(): string[] {
    const out = this.lines.map((l) => l.join('').replace(/\s+$/, ''));
    while (out.length > 0 && out.at(-1) === '') out.pop();
    return out;
  }
}
