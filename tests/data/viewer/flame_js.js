// Runs a gort flame SVG's script against a small stand-in for the DOM (only what the script
// touches), then performs ACTIONS and prints what the user would see, one line each:
//   zoom NAME      click the first frame named NAME; prints every visible frame
//                  "name x width opacity" (x and width rounded to 0.1 px)
//   unzoom         click Reset Zoom; prints the same
//   search REGEX   search; prints the "Matched" text and the highlighted frames' names
//   init           prints the Matched text right after loading (for --search)
//   hover NAME     moves the mouse over the frame's label; prints the details line
// usage: node flame_js.js frames.json ACTION [ARG] ...
const fs = require("fs");
const vm = require("vm");
const data = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));

function element(attrs) {
  const listeners = {};
  return {
    attrs: Object.assign({}, attrs), style: {}, textContent: "",
    getAttribute(k) { return k in this.attrs ? String(this.attrs[k]) : null; },
    setAttribute(k, v) { this.attrs[k] = String(v); },
    addEventListener(type, fn) { listeners[type] = fn; },
    fire(type, target) { if (listeners[type]) listeners[type]({ target, preventDefault() {} }); },
  };
}
const frames = element({});
const gs = data.frames.map((f) => {
  const g = element({});
  const rect = element(f.rect), text = element({}), title = element({});
  title.textContent = f.title;
  text.textContent = f.text;
  g.children = { rect, text, title };
  g.querySelector = (sel) => g.children[sel];
  g.parentNode = frames;
  rect.parentNode = text.parentNode = title.parentNode = g;
  return g;
});
gs.forEach((g, i) => { g.nextElementSibling = gs[i + 1] || null; });
frames.firstElementChild = gs[0] || null;
const byId = { frames };
for (const id of ["details", "matched"]) { byId[id] = element({}); byId[id].firstChild = { nodeValue: " " }; }
for (const id of ["unzoom", "search", "resetsearch"]) byId[id] = element({});
const root = element({ width: data.width, "data-inverted": data.inverted });
const window = element({});
let promptAnswer = null;
const context = vm.createContext({
  document: { documentElement: root, getElementById: (id) => byId[id] || null },
  window, prompt: () => promptAnswer, console,
});
vm.runInContext(data.script, context);
vm.runInContext("init()", context);

const r1 = (v) => (Math.round(Number(v) * 10) / 10).toFixed(1);
function visible() {
  return gs.filter((g) => g.style.display !== "none").map((g) => {
    const r = g.children.rect;
    const name = g.children.title.textContent.replace(/ \([^()]*\)$/, "");
    return `${name} ${r1(r.getAttribute("x"))} ${r1(r.getAttribute("width"))} ${g.style.opacity || "1"}`;
  }).sort();
}
const args = process.argv.slice(3);
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  if (a === "zoom") {
    const name = args[++i];
    const g = gs.find((g) => g.children.title.textContent.startsWith(name + " ("));
    frames.fire("click", g.children.rect);
    console.log(visible().join("\n"));
  } else if (a === "unzoom") {
    byId.unzoom.fire("click");
    console.log(visible().join("\n"));
  } else if (a === "search") {
    promptAnswer = args[++i];
    byId.search.fire("click");
    const hits = gs.filter((g) => g.children.rect.getAttribute("fill") === "rgb(230,0,230)")
      .map((g) => g.children.title.textContent.replace(/ \([^()]*\)$/, "")).sort();
    console.log(byId.matched.firstChild.nodeValue + " " + hits.join(","));
  } else if (a === "init") {
    console.log(byId.matched.firstChild.nodeValue);
  } else if (a === "hover") {
    const name = args[++i];
    const g = gs.find((g) => g.children.title.textContent.startsWith(name + " ("));
    frames.fire("mouseover", g.children.text);
    console.log(byId.details.firstChild.nodeValue);
  }
}
