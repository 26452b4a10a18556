// @vitest-environment jsdom
import { fireEvent, render, screen } from '@testing-library/svelte';
import type { Component } from 'svelte';
import { describe, expect, it, vi } from 'vitest';
import Lazy from './Lazy.svelte';
import Stars from './Stars.svelte';

describe('Lazy', () => {
  it('shows the page once its bundle is loaded, with its props', async () => {
    const onchange = vi.fn();
    render(Lazy, { props: { load: () => Promise.resolve({ default: Stars as unknown as Component<Record<string, unknown>> }), props: { value: 4, onchange } } });
    await fireEvent.click(await screen.findByTestId('rate-2'));
    expect(onchange).toHaveBeenCalledWith(2);
    expect(screen.queryByTestId('page-not-loaded')).toBeNull();
  });

  it('says a bundle that cannot be loaded could not be, and reloads on retry', async () => {
    const reload = vi.fn();
    render(Lazy, {
      props: {
        load: () => Promise.reject(new TypeError('Failed to fetch dynamically imported module')),
        props: {},
        reload,
      },
    });
    const problem = await screen.findByTestId('page-not-loaded');
    expect(problem.getAttribute('role')).toBe('alert');
    expect(screen.getByTestId('page-not-loaded-message').textContent).toMatch(/could not be loaded/);
    await fireEvent.click(screen.getByTestId('page-not-loaded-retry'));
    expect(reload).toHaveBeenCalledOnce();
  });
});
