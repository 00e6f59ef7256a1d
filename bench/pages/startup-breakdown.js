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
  const sitePackages = await time("import sysconfig; get_paths()['purelib']", () =>
    runtime.runPython("import sysconfig; sysconfig.get_paths()['purelib']"));
  const bytes = await time("fetch sse_client.zip (HTTP cache)", async () =>
    (await fetch(zipURL)).arrayBuffer());
  await time("unpackArchive", () => runtime.unpackArchive(bytes, "zip", { extractDir: sitePackages }));
  for (const name of modules) {
    await time(`import ${name}`, () => runtime.runPython(`import ${name}`));
  }
  await time("import sse_client.bridge (from source)", () =>
    runtime.runPython("import sse_client.bridge"));
  // The import wrote __pycache__ into the in-memory file system: import again from bytecode.
  runtime.runPython(FORGET);
  await time("import sse_client.bridge again (bytecode cached)", () =>
    runtime.runPython("import sse_client.bridge"));
  // How much of an import from bytecode is dataclass processing: cProfile of a third import.
  const profile = JSON.parse(runtime.runPython(FORGET + PROFILE));
  return { steps, profile };
}

const FORGET = `
import sys
for name in [module for module in sys.modules if module.startswith("sse_client")]:
    del sys.modules[name]
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
