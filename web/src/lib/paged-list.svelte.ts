// A list the server sends in pages (infinite scroll): the items so far and the total,
// one page on its way at a time, the newest query winning over answers still on their
// way, and a page that repeats items (new files shift the pages) never listing one twice.
import { appendPage } from './pages';

export interface Page<T> {
  items: T[];
  total: number;
}

export class PagedList<T> {
  items = $state.raw<T[]>([]);
  /** `null` until the first page came. */
  total = $state<number | null>(null);
  loading = $state(false);
  error = $state<unknown>(null);
  /** Counts the pages that came (a scroll sentinel looks again after each). */
  loaded = $state(0);
  private serial = 0;

  constructor(
    private readonly fetchPage: (offset: number) => Promise<Page<T>>,
    private readonly key: (item: T) => string,
  ) {}

  get more(): boolean {
    return this.total !== null && this.items.length < this.total;
  }

  /** The first page again (`reset`: a new query), or the next one when there is more. */
  async load(reset: boolean): Promise<void> {
    if (!reset && (this.loading || !this.more)) return;
    const mine = reset ? ++this.serial : this.serial;
    const offset = reset ? 0 : this.items.length;
    this.loading = true;
    if (reset) this.error = null;
    try {
      const page = await this.fetchPage(offset);
      if (mine !== this.serial) return;
      this.items = reset ? page.items : appendPage(this.items, page.items, this.key);
      this.total = page.total;
    } catch (e) {
      if (mine === this.serial) this.error = e;
    } finally {
      if (mine === this.serial) {
        this.loading = false;
        this.loaded += 1;
      }
    }
  }

  /** Shows a list kept from before (Back to it) without asking; answers on their way are dropped. */
  restore(items: T[], total: number): void {
    this.serial += 1;
    this.items = items;
    this.total = total;
    this.loading = false;
    this.error = null;
  }
}
