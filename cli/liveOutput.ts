/** Log lines scrolling above a status table that stays at the bottom of the terminal. On a TTY
 * the table is redrawn in place (ANSI: cursor up, clear to end); in a pipe or a CI log the table
 * is printed again only when its content changed, so logs stay readable there too. */
export class LiveOutput {
  private shownLines = 0;
  private lastTable = "";

  constructor(
    private readonly out: NodeJS.WriteStream,
    private readonly table: () => string,
    /** Part of the table that counts as a change in a pipe (without ages like "3 s ago"). */
    private readonly fingerprint: () => string = table,
  ) {}

  log(line: string): void {
    this.erase();
    this.out.write(`${line}\n`);
    this.draw();
  }

  refresh(): void {
    if (this.out.isTTY) {
      this.erase();
      this.draw();
      return;
    }
    const print = this.fingerprint();
    if (print === this.lastTable) return;
    this.lastTable = print;
    this.out.write(`${this.table()}\n\n`);
  }

  private erase(): void {
    if (!this.out.isTTY || this.shownLines === 0) return;
    this.out.write(`\x1b[${this.shownLines}A\x1b[J`);
    this.shownLines = 0;
  }

  private draw(): void {
    if (!this.out.isTTY) return;
    const text = this.table();
    this.out.write(`${text}\n`);
    this.shownLines = text.split("\n").length;
  }
}
