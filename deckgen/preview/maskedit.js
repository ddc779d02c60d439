// The mask editor's script (deckgen preview --serve, /masks/<card id>): the card's masks drawn over
// its picture, in the picture's own pixels whatever size the picture is shown at, to draw, drag,
// resize, rename and delete. After each change it asks the server for the masks' YAML (maskpage.py)
// and shows it to copy. Ids and labels are only ever set as text.
"use strict";
(function () {
  const body = document.body;
  const byId = (id) => document.getElementById(id);
  const SVG = "http://www.w3.org/2000/svg";
  const picture = byId("_picture"), overlay = byId("_overlay"), list = byId("_list"), output = byId("_yaml");
  const masks = JSON.parse(body.dataset.masks);
  const HINTS = {
    move: "Drag a mask to move it, its corner to resize it; arrow keys move the chosen one, Delete removes it.",
    rect: "Drag across the picture to draw a rectangle.",
    ellipse: "Drag across the picture to draw an ellipse.",
    polygon: "Click each corner; click the first one again, double-click or press Enter to close it; Esc cancels.",
  };
  let tool = "move", chosen = -1, width = 0, height = 0, gesture = null, polygon = null, asked = 0;

  const whole = (n) => Math.sign(n) * Math.round(Math.abs(n));  // halves away from zero, as the YAML
  const clamp = (n, low, high) => Math.min(Math.max(n, low), high);
  const unit = () => width / Math.max(1, overlay.getBoundingClientRect().width);  // picture px a screen px

  function at(event) {
    const p = new DOMPoint(event.clientX, event.clientY).matrixTransform(overlay.getScreenCTM().inverse());
    return { x: clamp(p.x, 0, width), y: clamp(p.y, 0, height) };
  }

  function element(name, attributes) {
    const made = document.createElementNS(SVG, name);
    for (const [key, value] of Object.entries(attributes)) made.setAttribute(key, String(value));
    return made;
  }

  function drawn(shape) {
    const c = shape.coordinates;
    if (shape.kind === "rect") return element("rect", { x: c[0], y: c[1], width: c[2], height: c[3] });
    if (shape.kind === "ellipse") return element("ellipse", { cx: c[0], cy: c[1], rx: c[2], ry: c[3] });
    const points = [];
    for (let i = 0; i < c.length; i += 2) points.push(c[i] + "," + c[i + 1]);
    return element("polygon", { points: points.join(" ") });
  }

  function box(shapes) {  // [left, top, right, bottom] around every shape
    const edges = shapes.map((shape) => {
      const c = shape.coordinates;
      if (shape.kind === "rect") return [c[0], c[1], c[0] + c[2], c[1] + c[3]];
      if (shape.kind === "ellipse") return [c[0] - c[2], c[1] - c[3], c[0] + c[2], c[1] + c[3]];
      const xs = c.filter((_, i) => i % 2 === 0), ys = c.filter((_, i) => i % 2 === 1);
      return [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
    });
    return [Math.min(...edges.map((e) => e[0])), Math.min(...edges.map((e) => e[1])),
      Math.max(...edges.map((e) => e[2])), Math.max(...edges.map((e) => e[3]))];
  }

  function render() {
    overlay.replaceChildren();
    const u = unit();
    masks.forEach((mask, m) => {
      const group = element("g", { class: m === chosen ? "mask mask-chosen" : "mask", "data-mask": m });
      mask.shapes.forEach((shape, s) => {
        const made = drawn(shape);
        made.setAttribute("class", "mask-shape");
        made.setAttribute("data-shape", s);
        group.append(made);
      });
      const [left, top] = box(mask.shapes);
      const label = element("text", { x: left + 4 * u, y: top + 16 * u, class: "mask-label", "font-size": 14 * u });
      label.textContent = mask.label || mask.id;
      group.append(label);
      if (m === chosen) {
        mask.shapes.forEach((shape, s) => {
          if (shape.kind === "polygon") return;
          const [, , right, bottom] = box([shape]);
          group.append(element("rect", { class: "mask-handle", "data-shape": s, "data-handle": "corner",
            x: right - 6 * u, y: bottom - 6 * u, width: 12 * u, height: 12 * u }));
        });
      }
      overlay.append(group);
    });
    if (polygon !== null) {
      overlay.append(element("polyline", { class: "mask-drawing", points: polygon.map((p) => p.join(",")).join(" ") }));
      for (const [x, y] of polygon) overlay.append(element("circle", { class: "mask-point", cx: x, cy: y, r: 4 * u }));
    }
  }

  function describe(mask) {
    return mask.shapes.map((shape) => shape.kind + " " + shape.coordinates.join(", ")).join("; ");
  }

  function listed() {  // the list of masks, rebuilt when masks come, go or are chosen (not while typing)
    list.replaceChildren(...masks.map((mask, m) => {
      const item = document.createElement("li");
      item.className = m === chosen ? "mask-item mask-chosen" : "mask-item";
      const field = (name, value) => {
        const label = document.createElement("label");
        const input = Object.assign(document.createElement("input"), { type: "text", value: value });
        input.dataset.field = name;
        input.addEventListener("focus", () => {
          if (chosen === m) return;
          chosen = m;
          render();
          for (const [n, other] of Array.from(list.children).entries()) other.classList.toggle("mask-chosen", n === m);
        });
        input.addEventListener("input", () => { masks[m][name] = input.value; render(); changed(); });
        label.append(name + " ", input);
        return label;
      };
      const shapes = Object.assign(document.createElement("code"), { className: "mask-shapes" });
      shapes.textContent = describe(mask);
      const remove = Object.assign(document.createElement("button"), { type: "button", className: "mask-delete" });
      remove.textContent = "Delete";
      remove.addEventListener("click", () => removeMask(m));
      item.append(field("id", mask.id), " ", field("label", mask.label), " ", shapes, " ", remove);
      return item;
    }));
  }

  function changed() {
    const number = ++asked;
    output.dataset.current = "false";
    fetch(body.dataset.yamlUrl, { method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ masks: masks, indent: Number(body.dataset.indent) }), cache: "no-store" })
      .then((response) => response.text().then((text) => ({ ok: response.ok, text: text })))
      .then((answer) => {
        if (number !== asked) return;  // an older answer, after a newer change
        if (answer.ok) output.textContent = answer.text;
        byId("_copied").textContent = answer.ok ? "" : "Not printed: " + answer.text;
        output.dataset.current = String(answer.ok);
      })
      .catch(() => {
        if (number === asked) byId("_copied").textContent = "The preview server stopped: the block is not the masks drawn.";
      });
  }

  function done() { render(); listed(); changed(); }

  function removeMask(m) {
    masks.splice(m, 1);
    chosen = -1;
    done();
  }

  function freshId() {
    const taken = new Set(masks.map((mask) => mask.id));
    let n = masks.length + 1;
    while (taken.has("mask-" + n)) n += 1;
    return "mask-" + n;
  }

  function add(shape) {
    masks.push({ id: freshId(), label: "", shapes: [shape] });
    chosen = masks.length - 1;
  }

  function moved(g, p) {  // the chosen mask, every shape of it, by the pointer's way, kept on the picture
    const [left, top, right, bottom] = box(g.before);
    const dx = clamp(whole(p.x - g.start.x), -left, width - right);
    const dy = clamp(whole(p.y - g.start.y), -top, height - bottom);
    masks[g.mask].shapes = g.before.map((shape) => ({ kind: shape.kind, coordinates: shape.coordinates.map(
      (n, i) => (shape.kind === "polygon" || i < 2 ? n + (i % 2 === 0 ? dx : dy) : n)) }));
  }

  function resized(g, p) {
    const shape = masks[g.mask].shapes[g.shape], c = shape.coordinates;
    if (shape.kind === "rect") shape.coordinates = [c[0], c[1], Math.max(1, whole(p.x) - c[0]), Math.max(1, whole(p.y) - c[1])];
    else shape.coordinates = [c[0], c[1], Math.max(1, whole(Math.abs(p.x - c[0]))), Math.max(1, whole(Math.abs(p.y - c[1])))];
  }

  function dragged(g, p) {  // a new rectangle or ellipse, from where the drag began to where it is
    const x1 = whole(Math.min(g.start.x, p.x)), y1 = whole(Math.min(g.start.y, p.y));
    const x2 = whole(Math.max(g.start.x, p.x)), y2 = whole(Math.max(g.start.y, p.y));
    masks[g.mask].shapes[0].coordinates = g.kind === "rect" ? [x1, y1, x2 - x1, y2 - y1]
      : [whole((x1 + x2) / 2), whole((y1 + y2) / 2), whole((x2 - x1) / 2), whole((y2 - y1) / 2)];
  }

  function closePolygon() {
    if (polygon !== null && polygon.length >= 3) add({ kind: "polygon", coordinates: polygon.flat() });
    polygon = null;
    done();
  }

  function pointPolygon(p) {
    const point = [whole(p.x), whole(p.y)], near = 6 * unit();
    if (polygon === null) polygon = [];
    const first = polygon[0], last = polygon[polygon.length - 1];
    const close = (q) => q !== undefined && Math.abs(q[0] - point[0]) <= near && Math.abs(q[1] - point[1]) <= near;
    if (polygon.length >= 3 && (close(first) || close(last))) return closePolygon();
    if (!close(last)) polygon.push(point);
    render();
  }

  overlay.addEventListener("pointerdown", (event) => {
    if (event.button !== 0 || width === 0) return;
    event.preventDefault();
    const p = at(event);
    if (tool === "polygon") return pointPolygon(p);
    if (tool === "move") {
      const group = event.target.closest("[data-mask]");
      chosen = group === null ? -1 : Number(group.dataset.mask);
      if (group !== null) {
        const shape = Number(event.target.getAttribute("data-shape") || 0);
        gesture = { kind: event.target.dataset.handle ? "resize" : "move", mask: chosen, shape: shape, start: p,
          before: masks[chosen].shapes.map((s) => ({ kind: s.kind, coordinates: s.coordinates.slice() })) };
      }
      render();
      listed();
    } else {
      add({ kind: tool, coordinates: [whole(p.x), whole(p.y), 0, 0] });
      gesture = { kind: tool, mask: chosen, start: p };
    }
    if (gesture !== null) overlay.setPointerCapture(event.pointerId);
  });

  overlay.addEventListener("pointermove", (event) => {
    if (gesture === null) return;
    const p = at(event);
    if (gesture.kind === "move") moved(gesture, p);
    else if (gesture.kind === "resize") resized(gesture, p);
    else dragged(gesture, p);
    render();
  });

  overlay.addEventListener("pointerup", () => {
    if (gesture === null) return;
    const drawnNow = gesture.kind === "rect" || gesture.kind === "ellipse";
    const c = masks[gesture.mask].shapes[0].coordinates;
    if (drawnNow && (c[2] < 2 || c[3] < 2)) {  // a click, not a drag: no shape
      masks.splice(gesture.mask, 1);
      chosen = -1;
    }
    gesture = null;
    done();
  });

  function choose(name) {
    tool = name;
    polygon = null;
    for (const button of document.querySelectorAll("[data-tool]")) {
      button.setAttribute("aria-pressed", String(button.dataset.tool === name));
    }
    body.dataset.tool = name;
    byId("_hint").textContent = HINTS[name];
    byId("_hint").title = HINTS[name];
    render();
  }
  for (const button of document.querySelectorAll("[data-tool]")) {
    button.addEventListener("click", () => choose(button.dataset.tool));
  }

  document.addEventListener("keydown", (event) => {
    if (event.target instanceof HTMLInputElement) return;
    if (event.key === "Escape" && polygon !== null) { polygon = null; render(); }
    else if (event.key === "Enter" && polygon !== null) closePolygon();
    else if ((event.key === "Delete" || event.key === "Backspace") && chosen >= 0) removeMask(chosen);
    else if (event.key.startsWith("Arrow") && chosen >= 0) {
      event.preventDefault();
      const step = event.shiftKey ? 10 : 1, start = { x: 0, y: 0 };
      const way = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step] }[event.key];
      moved({ mask: chosen, start: start, before: masks[chosen].shapes }, { x: way[0], y: way[1] });
      done();
    }
  });

  byId("_copy").addEventListener("click", () => {
    const said = (text) => { byId("_copied").textContent = text; };
    const select = () => {
      window.getSelection().selectAllChildren(output);
      said("Press Ctrl+C (⌘C on a Mac) to copy the selected block.");
    };
    if (!navigator.clipboard) return select();
    navigator.clipboard.writeText(output.textContent)
      .then(() => said("Copied: paste it over the card's masks: block."), select);
  });

  function start() {
    width = picture.naturalWidth;
    height = picture.naturalHeight;
    overlay.setAttribute("viewBox", "0 0 " + width + " " + height);
    byId("_size").textContent = "picture " + width + " × " + height + " px";
    body.dataset.ready = "true";
    choose("move");
    done();
  }
  const unreadable = () => { byId("_size").textContent = "the picture could not be read"; };
  if (picture.complete) (picture.naturalWidth > 0 ? start : unreadable)();  // before this script ran
  else {
    picture.addEventListener("load", start);
    picture.addEventListener("error", unreadable);
  }
  window.addEventListener("resize", render);  // the labels and handles keep their size on screen
})();
