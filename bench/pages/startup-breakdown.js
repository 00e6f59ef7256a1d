/*
 * The steps of SSEClient's boot after loadPyodide, one by one, in the bare page (whose Pyodide has
 * loaded nothing of ours yet): what `ready − loadPyodide resolved` is made of. Run by
 * bench/browser_bench.py after the bare page's timing; `modules` are the standard-library modules
 * sse_client imports, timed one by one before the package.
 */
export async function breakdown(runtime, zipURL, modules) {
  const steps = [];
  const time = async (name, step) => {
    const start = performance.now();
    const value = await step();
    steps.push([name, performance.now() - start]);
    return value;
  };
  // As the loader does it (web/sse-client.js): the zip unpacked into a directory of its own,
  // put first on sys.path.
  const packageDir = "/home/pyodide/sse_client_lib";
  const bytes = await time("fetch sse_client.zip (HTTP cache)", async () =>
    (await fetch(zipURL)).arrayBuffer());
  await time("unpackArchive", () => runtime.unpackArchive(bytes, "zip", { extractDir: packageDir }));
  await time("sys.path.insert", () => runtime.runPython(`import sys; sys.path.insert(0, "${packageDir}")`));
  for (const name of modules) {
    await time(`import ${name}`, () => runtime.runPython(`import ${name}`));
  }
  await time("import sse_client.bridge (from source)", () =>
    runtime.runPython("import sse_client.bridge"));
  // Pyodide sets sys.dont_write_bytecode, so no import is ever from bytecode: how much of one
  // is compiling the sources.
  await time("of which: compiling the package's sources", () => runtime.runPython(COMPILE));
  // How much of an import from bytecode is dataclass processing: cProfile of a third import.
  const profile = JSON.parse(runtime.runPython(FORGET + PROFILE));
  return { steps, profile };
}

const FORGET = `
import sys
for name in [module for module in sys.modules if module.startswith("sse_client")]:
    del sys.modules[name]
`;

const COMPILE = `
import pathlib, sse_client
for path in pathlib.Path(sse_client.__file__).parent.rglob("*.py"):
    compile(path.read_text(encoding="utf-8"), str(path), "exec")
`;

const PROFILE = `
import cProfile, json, pstats
profiler = cProfile.Profile()
profiler.enable()
import sse_client.bridge
profiler.disable()
stats = pstats.Stats(profiler)
dataclasses = sum(row[3] for key, row in stats.stats.items() if key[2] == "_process_class")
json.dumps({"total": stats.total_tt, "dataclasses": dataclasses})
`;
