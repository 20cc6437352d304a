// A results table: sortable column headers and test-case buttons that ask Python to open the sample browser.
// Python holds the data, the order and the colours; this file only draws them and reports clicks.

function el(tag, attrs = {}, text = null) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value !== null && value !== undefined) node.setAttribute(key, value);
  }
  if (text !== null) node.textContent = text;
  return node;
}

function render({ model, el: root }) {
  const wrap = el("div", { class: "kl-results-wrap" });
  root.appendChild(wrap);

  function draw() {
    wrap.replaceChildren();
    const groups = model.get("groups");
    const columns = model.get("columns");
    const rows = model.get("rows");
    const sortKey = model.get("sort_key");
    const descending = model.get("descending");
    const table = el("table", { class: "kl-results", "aria-label": model.get("label") });
    const thead = el("thead");
    const top = el("tr");
    top.appendChild(el("th", { scope: "col", rowspan: "2", class: "kl-tc" }, "Test case"));
    for (const group of groups) {
      top.appendChild(el("th", {
        scope: "colgroup", colspan: String(group.span), class: "kl-group", title: group.title || null,
      }, group.label));
    }
    thead.appendChild(top);
    const second = el("tr");
    for (const column of columns) {
      const sorted = column.key === sortKey;
      const th = el("th", {
        scope: "col",
        "aria-sort": sorted ? (descending ? "descending" : "ascending") : "none",
      });
      const button = el("button", {
        type: "button",
        class: "kl-sort",
        title: `Sort by ${column.group} (${column.label})`,
        "aria-label": `Sort by ${column.group}, ${column.label}`,
      }, column.label + (sorted ? (descending ? " ▼" : " ▲") : ""));
      button.addEventListener("click", () => {
        model.set("descending", sorted ? !descending : true);
        model.set("sort_key", column.key);
        model.save_changes();
      });
      th.appendChild(button);
      second.appendChild(th);
    }
    thead.appendChild(second);
    table.appendChild(thead);
    const tbody = el("tbody");
    for (const row of rows) {
      const tr = el("tr");
      const th = el("th", { scope: "row", class: "kl-tc" });
      const open = el("button", {
        type: "button",
        class: "kl-open",
        title: `Open ${row.test_case} in the sample browser`,
      }, row.test_case);
      open.addEventListener("click", () => model.send({ type: "open", test_case: row.test_case }));
      th.appendChild(open);
      tr.appendChild(th);
      row.cells.forEach((cell, i) => {
        const td = el("td", {
          class: `kl-cell ${cell.tone || ""}`, "data-change": cell.change || null, title: cell.title || null,
        }, cell.text);
        td.addEventListener("click", () =>
          model.send({ type: "open", test_case: row.test_case, model: columns[i].model }));
        tr.appendChild(td);
      });
      tbody.appendChild(tr);
    }
    table.appendChild(tbody);
    wrap.appendChild(table);
  }

  draw();
  for (const name of ["groups", "columns", "rows", "sort_key", "descending", "label"]) {
    model.on(`change:${name}`, draw);
  }
}

export default { render };
