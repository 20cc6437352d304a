// The sample browser's thumbnail grid: a listbox of options, selection by click, shift-click, rubber-band box and
// keyboard. The page only reports what the user did; Python owns the selection and sends it back.

const DRAG_THRESHOLD = 5;
const DOUBLE_CLICK_MS = 400;

function send(model, event) {
  model.send(event);
}

function buildOption(item, size) {
  const option = document.createElement("div");
  option.className = "kl-option";
  option.setAttribute("role", "option");
  option.setAttribute("aria-label", item.locator);
  option.setAttribute("aria-selected", "false");
  option.dataset.index = String(item.index);
  option.tabIndex = -1;
  option.title = item.locator;

  const frame = document.createElement("div");
  frame.className = "kl-thumb";
  if (item.src) {
    frame.style.height = `${size}px`;
    const img = document.createElement("img");
    img.alt = "";
    img.draggable = false;
    img.decoding = "async";
    img.src = item.src;
    frame.appendChild(img);
  } else {
    frame.classList.add("kl-no-image"); // thumbnails off: a slim bar holding the selection mark, not a blank tile
  }
  const check = document.createElement("span");
  check.className = "kl-check";
  check.setAttribute("aria-hidden", "true");
  check.textContent = "\u2713";
  frame.appendChild(check);
  option.appendChild(frame);

  if ((item.tags && item.tags.length) || item.badge) {
    const tags = document.createElement("div");
    tags.className = "kl-tags";
    for (const tag of item.tags || []) {
      const span = document.createElement("span");
      span.className = `kl-tag kl-tag-${tag.kind}`;
      span.textContent = tag.text;
      tags.appendChild(span);
    }
    if (item.badge) {
      const badge = document.createElement("span");
      badge.className = `kl-badge kl-${item.badge.tone}`;
      badge.textContent = item.badge.text;
      tags.appendChild(badge);
    }
    option.appendChild(tags);
  }
  const caption = document.createElement("div");
  caption.className = "kl-caption";
  caption.textContent = item.caption || "";
  option.appendChild(caption);
  if (item.drawn) {
    const drawn = document.createElement("div");
    drawn.className = "kl-drawn";
    drawn.textContent = item.drawn;
    drawn.title = item.drawn_title || item.drawn;
    option.appendChild(drawn);
  }
  if (item.detail) {
    const detail = document.createElement("div");
    detail.className = "kl-detail";
    detail.textContent = item.detail;
    option.appendChild(detail);
  }
  if (item.error) {
    const error = document.createElement("div");
    error.className = "kl-error";
    error.textContent = item.error;
    option.appendChild(error);
  }
  return option;
}

function render({ model, el }) {
  const root = document.createElement("div");
  root.className = "kl-gallery";
  root.setAttribute("role", "listbox");
  root.setAttribute("aria-multiselectable", "true");
  root.tabIndex = 0;
  const band = document.createElement("div");
  band.className = "kl-band";
  band.hidden = true;
  el.appendChild(root);

  let focusIndex = 0;

  const options = () => Array.from(root.querySelectorAll('[role="option"]'));

  function paintSelection() {
    const selected = new Set(model.get("selected"));
    for (const option of options()) {
      const on = selected.has(Number(option.dataset.index));
      option.setAttribute("aria-selected", on ? "true" : "false");
      option.classList.toggle("kl-selected", on);
    }
  }

  function setFocus(i, move) {
    const all = options();
    if (!all.length) return;
    focusIndex = Math.max(0, Math.min(all.length - 1, i));
    all.forEach((o, k) => { o.tabIndex = k === focusIndex ? 0 : -1; });
    root.tabIndex = -1;
    if (move) all[focusIndex].focus();
  }

  function paintItems() {
    root.setAttribute("aria-label", model.get("label"));
    const size = model.get("thumbnail_size");
    root.style.setProperty("--kl-thumb", `${size}px`);
    root.replaceChildren();
    const items = model.get("items");
    for (const item of items) root.appendChild(buildOption(item, size));
    if (!items.length) {
      const empty = document.createElement("div");
      empty.className = "kl-empty";
      empty.textContent = "No samples match.";
      root.appendChild(empty);
      root.tabIndex = 0;
    }
    root.appendChild(band);
    paintSelection();
    focusIndex = 0;
    if (items.length) setFocus(0, false);
  }

  function columns() {
    const all = options();
    if (all.length < 2) return 1;
    const top = all[0].offsetTop;
    let n = 0;
    while (n < all.length && all[n].offsetTop === top) n += 1;
    return Math.max(1, n);
  }

  function optionOf(target) {
    const option = target instanceof Element ? target.closest('[role="option"]') : null;
    return option && root.contains(option) ? option : null;
  }

  // Clicks and rubber-band boxes share the pointer: a press that moves less than DRAG_THRESHOLD is a click.
  let drag = null;
  let lastTap = null;
  root.addEventListener("pointerdown", (e) => {
    if (e.button !== 0) return;
    const box = root.getBoundingClientRect();
    drag = { x: e.clientX, y: e.clientY, left: box.left, top: box.top, moved: false, option: optionOf(e.target),
             shift: e.shiftKey, additive: e.ctrlKey || e.metaKey || e.shiftKey };
    root.setPointerCapture?.(e.pointerId);
    e.preventDefault();
  });
  root.addEventListener("pointermove", (e) => {
    if (!drag) return;
    const dx = e.clientX - drag.x;
    const dy = e.clientY - drag.y;
    if (!drag.moved && Math.hypot(dx, dy) < DRAG_THRESHOLD) return;
    drag.moved = true;
    const box = root.getBoundingClientRect();
    const x0 = Math.min(e.clientX, drag.x) - box.left + root.scrollLeft;
    const y0 = Math.min(e.clientY, drag.y) - box.top + root.scrollTop;
    Object.assign(band.style, { left: `${x0}px`, top: `${y0}px`, width: `${Math.abs(dx)}px`,
                                height: `${Math.abs(dy)}px` });
    band.hidden = false;
  });
  root.addEventListener("pointerup", (e) => {
    if (!drag) return;
    const d = drag;
    drag = null;
    band.hidden = true;
    if (d.moved) {
      const x0 = Math.min(e.clientX, d.x), x1 = Math.max(e.clientX, d.x);
      const y0 = Math.min(e.clientY, d.y), y1 = Math.max(e.clientY, d.y);
      const hit = options().filter((o) => {
        const r = o.getBoundingClientRect();
        return r.right >= x0 && r.left <= x1 && r.bottom >= y0 && r.top <= y1;
      }).map((o) => Number(o.dataset.index));
      send(model, { event: "box", indices: hit, additive: d.additive });
      return;
    }
    if (d.option) {
      const index = Number(d.option.dataset.index);
      setFocus(options().indexOf(d.option), true);
      send(model, { event: "click", index, shift: d.shift });
      // Pointer capture retargets dblclick to the grid, so a second press on the same sample opens it here.
      const now = performance.now();
      if (lastTap && lastTap.index === index && now - lastTap.time < DOUBLE_CLICK_MS) {
        send(model, { event: "open", index });
        lastTap = null;
      } else {
        lastTap = { index, time: now };
      }
    }
  });
  root.addEventListener("pointercancel", () => { drag = null; band.hidden = true; });

  root.addEventListener("keydown", (e) => {
    const all = options();
    if (!all.length) return;
    const step = { ArrowRight: 1, ArrowLeft: -1, ArrowDown: columns(), ArrowUp: -columns() }[e.key];
    if (step !== undefined) {
      setFocus(focusIndex + step, true);
      if (e.shiftKey) send(model, { event: "click", index: Number(all[focusIndex].dataset.index), shift: true });
      e.preventDefault();
    } else if (e.key === "Home" || e.key === "End") {
      setFocus(e.key === "Home" ? 0 : all.length - 1, true);
      e.preventDefault();
    } else if (e.key === " " || e.key === "Spacebar") {
      send(model, { event: "click", index: Number(all[focusIndex].dataset.index), shift: e.shiftKey });
      e.preventDefault();
    } else if (e.key === "Enter") {
      send(model, { event: "open", index: Number(all[focusIndex].dataset.index) });
      e.preventDefault();
    } else if (e.key === "PageDown" || e.key === "PageUp") {
      send(model, { event: "page", delta: e.key === "PageDown" ? 1 : -1 });
      e.preventDefault();
    } else if ((e.key === "a" || e.key === "A") && (e.ctrlKey || e.metaKey)) {
      send(model, { event: "select_all" });
      e.preventDefault();
    }
  });
  root.addEventListener("focus", () => { if (options().length) setFocus(focusIndex, true); });
  root.addEventListener("focusin", (e) => {
    const option = optionOf(e.target);
    if (option) setFocus(options().indexOf(option), false);
  });

  model.on("change:items", paintItems);
  model.on("change:label", () => root.setAttribute("aria-label", model.get("label")));
  model.on("change:selected", paintSelection);
  paintItems();
  return () => {
    model.off("change:items", paintItems);
    model.off("change:selected", paintSelection);
  };
}

export default { render };
