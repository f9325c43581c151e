// trace_engine_summary.mjs TRACE.json — loads a Trace Event Format file into the Chrome DevTools
// performance panel's own trace engine (npm @paulirish/trace_engine, the code DevTools runs) and
// prints, as JSON, what it made of it: each process's name and threads; each thread's name and
// the tree of its slices (name, ts, dur in µs, depth, parent) as DevTools nests them; how many
// of the thread's events the tree left out (DevTools drops an event that overlaps its parent
// without nesting in it); and the flows it bound (each a list of the events it joins).
// Used by tests/t_viewer_clients.sh, which compares the summary with the trace database.
import { analyzeTrace } from './node_modules/@paulirish/trace_engine/analyze-trace.mjs';

const { parsedTrace } = await analyzeTrace(process.argv[2]);
const data = parsedTrace.data;
const out = { processes: {}, flows: [] };
for (const [pid, proc] of data.Renderer.processes) {
  const threads = {};
  for (const [tid, thread] of proc.threads) {
    const slices = [];
    const walk = (node, parent) => {
      slices.push({ name: node.entry.name, ph: node.entry.ph, ts: node.entry.ts, dur: node.entry.dur ?? 0,
                    depth: node.depth, parent });
      for (const child of node.children) walk(child, node.entry.name);
    };
    for (const root of thread.tree.roots) walk(root, null);
    threads[tid] = { name: thread.name, slices, left_out: thread.entries.length - slices.length };
  }
  out.processes[pid] = { name: data.Meta.processNames.get(pid)?.args?.name ?? null, threads };
}
out.flows = data.Flows.flows.map(flow => flow.map(e => ({ name: e.name, ts: e.ts, tid: e.tid })));
console.log(JSON.stringify(out));
