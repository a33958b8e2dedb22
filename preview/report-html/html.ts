/**
 * What every view of the HTML report shares: escaping (all text from policies and the stack goes
 * through `esc`) and the table markup, so each view only decides its rows.
 */
const entities: Readonly<Record<string, string>> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

export function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => entities[c] ?? c);
}

/** One cell: text is escaped; `html` is markup a view built from escaped parts. */
export type Cell = { readonly text: string; readonly className?: string } | { readonly html: string; readonly className?: string };

function cellHtml(cell: Cell, tag: "td" | "th", scope?: "row"): string {
  const body = "html" in cell ? cell.html : esc(cell.text);
  const attrs = `${scope ? ` scope="${scope}"` : ""}${cell.className ? ` class="${esc(cell.className)}"` : ""}`;
  return `<${tag}${attrs}>${body}</${tag}>`;
}

export interface TableSpec {
  readonly caption: string;
  readonly head: readonly string[];
  /** Each row's first cell is its header (`<th scope="row">`) when `rowHeaders` is set. */
  readonly rows: readonly (readonly Cell[])[];
  readonly rowHeaders?: boolean;
  readonly className?: string;
}

export function table(spec: TableSpec): string {
  const head = spec.head.map((h) => `<th scope="col">${esc(h)}</th>`).join("");
  const rows = spec.rows.map((row) => `<tr>${row.map((c, i) => cellHtml(c, spec.rowHeaders && i === 0 ? "th" : "td", spec.rowHeaders && i === 0 ? "row" : undefined)).join("")}</tr>`);
  return [
    `<table${spec.className ? ` class="${esc(spec.className)}"` : ""}>`,
    `<caption>${esc(spec.caption)}</caption>`,
    `<thead><tr>${head}</tr></thead>`,
    `<tbody>`,
    ...rows,
    `</tbody></table>`,
  ].join("\n");
}

export function section(id: string, title: string, body: string): string {
  return `<section id="${esc(id)}" aria-labelledby="${esc(id)}-title">\n<h2 id="${esc(id)}-title">${esc(title)}</h2>\n${body}\n</section>`;
}

export const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;
