// DOM building that never parses markup: every string from data goes in through textContent or setAttribute.

/** A child: a node, text (set as text, never parsed), or nothing. */
export type Child = Node | string | number | null | undefined | false;

/** Element properties: class, attributes (set with setAttribute) and text. */
export interface ElementProps {
  class?: string;
  attrs?: Record<string, string | number | boolean | undefined>;
  text?: string;
}

/** Creates an element with the given attributes and children; strings become text nodes. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props?: ElementProps, ...children: Child[]): HTMLElementTagNameMap[K];
export function h(tag: string, props?: ElementProps, ...children: Child[]): HTMLElement;
export function h(tag: string, props: ElementProps = {}, ...children: Child[]): HTMLElement {
  const element = document.createElement(tag);
  if (props.class) element.className = props.class;
  for (const [name, value] of Object.entries(props.attrs ?? {})) {
    if (value === undefined || value === false) continue;
    element.setAttribute(name, value === true ? '' : String(value));
  }
  if (props.text !== undefined) element.textContent = props.text;
  append(element, ...children);
  return element;
}

/** Appends children; strings and numbers become text nodes. */
export function append(parent: Node, ...children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === 'string' || typeof child === 'number' ? document.createTextNode(String(child)) : child);
  }
}

/** Removes every child of `element`. */
export function clear(element: Element): void {
  element.replaceChildren();
}

/** A labelled `vscode-single-select` with options (a stable id, so focus survives a redraw); calls `onChange` with the chosen value. */
export function select(id: string, label: string, options: Array<{ value: string; label: string }>, value: string, onChange: (value: string) => void): HTMLElement {
  const control = h('vscode-single-select', { attrs: { id, 'aria-label': label, label } });
  for (const option of options) {
    append(control, h('vscode-option', { attrs: { value: option.value, selected: option.value === value } }, option.label));
  }
  // The redraw that usually follows waits for the component to finish its own update (closing its dropdown) first:
  // replacing it inside its own change event would leave it to finish on a detached element.
  control.addEventListener('change', () => {
    const chosen = control as HTMLElement & { value: string; updateComplete?: Promise<unknown> };
    const value = chosen.value;
    void Promise.resolve(chosen.updateComplete).then(() => onChange(value));
  });
  return h('div', { class: 'control' }, h('vscode-label', { attrs: { for: id } }, label), control);
}
