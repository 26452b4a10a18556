// Short confirmations and errors, read out by screen readers through a live region.

export interface Toast {
  id: number;
  text: string;
  kind: 'info' | 'error';
}

let next = 1;

class Notices {
  items = $state<Toast[]>([]);

  push(text: string, kind: Toast['kind'] = 'info', ms = 5000): void {
    const id = next++;
    this.items = [...this.items.slice(-3), { id, text, kind }];
    setTimeout(() => this.dismiss(id), ms);
  }

  dismiss(id: number): void {
    this.items = this.items.filter((t) => t.id !== id);
  }
}

export const notices = new Notices();

export function toast(text: string): void {
  notices.push(text, 'info');
}

export function toastError(text: string): void {
  notices.push(text, 'error', 8000);
}
