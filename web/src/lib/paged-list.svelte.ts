// A list the server sends in pages (infinite scroll): the items so far and the total,
// one page on its way at a time, the newest query winning over answers still on their
// way, and a page that repeats items (new files shift the pages) never listing one twice.
import { keySet, unseen } from './pages';

export interface Page<T> {
  items: T[];
  /** Absent or `null` when the server was asked not to count (a later page). */
  total?: number | null;
  /** The server stopped counting at `total` (a search): more match. */
  total_capped?: boolean;
  /** Whether items follow the page, when the server says. */
  has_more?: boolean;
}

export class PagedList<T> {
  items = $state.raw<T[]>([]);
  /** `null` until the first page came. */
  total = $state<number | null>(null);
  /** `total` is where the server stopped counting ("1,000+"). */
  capped = $state(false);
  loading = $state(false);
  error = $state<unknown>(null);
  /** Counts the pages that came (a scroll sentinel looks again after each). */
  loaded = $state(0);
  private serial = 0;
  /** What the last page said of what follows it (`null`: ask the total). */
  private follows: boolean | null = null;
  /** The keys of `items`. */
  private seen = keySet();

  constructor(
    private readonly fetchPage: (offset: number) => Promise<Page<T>>,
    private readonly key: (item: T) => string,
  ) {}

  get more(): boolean {
    if (this.total === null) return false;
    return this.follows ?? this.items.length < this.total;
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
      if (reset) this.seen = keySet();
      const fresh = unseen(page.items, this.key, this.seen);
      this.items = reset ? fresh : [...this.items, ...fresh];
      if (page.total != null) {
        this.total = page.total;
        this.capped = page.total_capped ?? false;
      }
      this.follows = page.has_more ?? null;
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
  restore(items: T[], total: number, capped = false): void {
    this.serial += 1;
    this.items = items;
    this.seen = keySet(items, this.key);
    this.total = total;
    this.capped = capped;
    this.follows = null;
    this.loading = false;
    this.error = null;
  }
}
