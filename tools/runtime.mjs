// Build-time work that needs Pyodide's own Python (3.14, under Node), for build.py:
//
//   node tools/runtime.mjs modules                      print the stdlib modules the browser package
//                                                       needs, one per line (web/runtime-modules.txt)
//   node tools/runtime.mjs pack MODULES OUT.zip         write the runtime zip: those stdlib modules and
//                                                       the package, as precompiled .pyc, no sources;
//                                                       then boot from it alone and import everything
//   node tools/runtime.mjs snapshot RUNTIME.zip OUT     write a memory snapshot of Pyodide booted from
//                                                       RUNTIME.zip with sse_client.bridge imported
//
// Why Pyodide and not the CPython running build.py: a .pyc is tied to the exact Python version
// (its magic number), and the stdlib sources must be the ones inside Pyodide's python_stdlib.zip.
import { readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const PYODIDE = resolve(ROOT, "node_modules/pyodide");
const { loadPyodide } = await import(resolve(PYODIDE, "pyodide.mjs"));

// No packages: the runtime needs none, and Pyodide then fetches no lock file.
export const EMPTY_LOCK = JSON.stringify({
  info: JSON.parse(readFileSync(resolve(PYODIDE, "pyodide-lock.json"), "utf8")).info,
  packages: {},
});

// Python that scans the package's own sources (mounted at /src) for every import statement,
// those inside functions included: lazily imported modules (email.utils for Retry-After dates)
// must be in the runtime as much as the ones imported at the top.
const PACKAGE_IMPORTS = `
import dis, importlib.util, pathlib

def package_sources():
    for path in sorted(pathlib.Path("/src/sse_client").rglob("*.py")):
        parts = path.relative_to("/src").with_suffix("").parts
        if "testing" in parts:  # the mock backend is not in the browser bundle
            continue
        if parts[-1] == "__init__":
            parts = parts[:-1]
        yield ".".join(parts), path

def imports_in(code, package):
    instructions = list(dis.get_instructions(code))
    for i, instruction in enumerate(instructions):
        if instruction.opname == "IMPORT_NAME":
            level = instructions[i - 2].argval
            fromlist = instructions[i - 1].argval or ()
            name = instruction.argval
            if level:
                base = package.rsplit(".", level - 1)[0] if level > 1 else package
                name = base + ("." + name if name else "")
            yield name
            for item in fromlist:
                if item != "*" and importlib.util.find_spec(name) is not None:
                    spec = importlib.util.find_spec(name)
                    if spec.submodule_search_locations is not None:
                        yield name + "." + item  # a submodule, if it is one
    for constant in code.co_consts:
        if hasattr(constant, "co_code"):
            yield from imports_in(constant, package)

def package_imports():
    """{module: [names it imports]} for every browser module of the package."""
    found = {}
    for name, path in package_sources():
        code = compile(path.read_bytes(), str(path), "exec", dont_inherit=True)
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        found[name] = sorted(set(imports_in(code, package)))
    return found
`;

async function fullPyodide() {
  const pyodide = await loadPyodide({ indexURL: PYODIDE + "/", lockFileContents: EMPTY_LOCK });
  pyodide.FS.mkdirTree("/src");
  pyodide.FS.mount(pyodide.FS.filesystems.NODEFS, { root: ROOT }, "/src");
  pyodide.runPython("import sys; sys.path.insert(0, '/src')\n" + PACKAGE_IMPORTS);
  return pyodide;
}

async function modules() {
  // The imports the package's sources name, read in one interpreter...
  const scanner = await fullPyodide();
  const imported = scanner.runPython(`
sorted({name for names in package_imports().values() for name in names
        if not name.startswith(("js", "pyodide_js", "sse_client"))})
`).toJs();
  // ...then, in a fresh one (the scan's own imports must not count): what Pyodide imports to
  // boot, plus what importing the package and each module it names imports in turn. That is
  // the transitive closure as Python itself computes it.
  const pyodide = await loadPyodide({ indexURL: PYODIDE + "/", lockFileContents: EMPTY_LOCK });
  pyodide.FS.mkdirTree("/src");
  pyodide.FS.mount(pyodide.FS.filesystems.NODEFS, { root: ROOT }, "/src");
  pyodide.globals.set("imported", imported);
  const names = pyodide.runPython(`
import importlib, sys
sys.path.insert(0, "/src")
import sse_client.bridge
for name in imported.to_py():
    try:
        importlib.import_module(name)
    except ModuleNotFoundError:
        pass  # "from x import y" where y is not a module
stdlib = "/lib/python%d%d.zip/" % sys.version_info[:2]

def own_file(name, module):
    """Whether the module is read from the stdlib file of that name: not an alias (os.path for
    posixpath, _frozen_importlib for importlib._bootstrap), and not frozen into the interpreter
    (os, codecs, importlib._bootstrap... are compiled in and never read from the zip)."""
    if getattr(getattr(module, "__spec__", None), "origin", None) == "frozen":
        return False
    path = stdlib + name.replace(".", "/")
    return getattr(module, "__file__", None) in (path + ".py", path + "/__init__.py")

sorted(name for name, module in list(sys.modules.items()) if own_file(name, module))
`).toJs();
  process.stdout.write(names.join("\n") + "\n");
}

async function pack(modulesFile, out) {
  const pyodide = await fullPyodide();
  pyodide.globals.set("wanted", readFileSync(modulesFile, "utf8").split("\n").filter(Boolean));
  const problems = pyodide.runPython(`
import ast, importlib.util, io, sys, zipfile
from importlib._bootstrap_external import _code_to_hash_pyc

stdlib = "/lib/python%d%d.zip" % sys.version_info[:2]
source_zip = zipfile.ZipFile(stdlib)
problems = []
entries = {}

class DropDocstrings(ast.NodeTransformer):
    """Docstrings go (a fifth of the download), but those of decorated classes: dataclasses
    builds a signature with inspect, at import, for a class without one."""

    def visit_Module(self, node):
        return self.drop(self.generic_visit(node))

    def visit_ClassDef(self, node):
        node = self.generic_visit(node)
        return node if node.decorator_list else self.drop(node)

    def visit_FunctionDef(self, node):
        return self.drop(self.generic_visit(node))

    visit_AsyncFunctionDef = visit_FunctionDef

    @staticmethod
    def drop(node):
        body = node.body
        if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                and isinstance(body[0].value.value, str):
            node.body = body[1:] or [ast.Pass(lineno=body[0].lineno, col_offset=body[0].col_offset)]
        return node

def add(module, source, is_package, zip_name):
    path = module.replace(".", "/") + ("/__init__" if is_package else "")
    tree = DropDocstrings().visit(ast.parse(source))
    # The name tracebacks show (file and line): where the source would be in the zip.
    code = compile(tree, f"{zip_name}/{path}.py", "exec", dont_inherit=True)
    entries[path + ".pyc"] = _code_to_hash_pyc(code, importlib.util.source_hash(source), checked=False)

names = set(source_zip.namelist())
for module in wanted:
    path = module.replace(".", "/")
    if path + "/__init__.py" in names:
        add(module, source_zip.read(path + "/__init__.py"), True, stdlib)
    elif path + ".py" in names:
        add(module, source_zip.read(path + ".py"), False, stdlib)
    else:
        problems.append(f"{module}: listed in the module list but not in Pyodide's stdlib")

# The package itself, from the mounted sources (its tests and mock backend stay out).
for module, path in package_sources():
    add(module, path.read_bytes(), path.name == "__init__.py", stdlib)

# Every import in the package must be served by the runtime: a missing module fails the build,
# never a chat. (js and pyodide come with Pyodide itself; _-modules and builtins are compiled in.)
listed = set(wanted) | {m for m, _ in package_sources()}
for module, imported in package_imports().items():
    for name in imported:
        top = name.split(".")[0]
        if name in listed or top in ("js", "pyodide_js") or name in sys.builtin_module_names:
            continue
        spec = importlib.util.find_spec(name) if importlib.util.find_spec(top) else None
        if spec is None:
            continue  # "from package import name" where name is not a module
        if spec.origin in ("built-in", "frozen") or (spec.origin or "").endswith(".so"):
            continue
        problems.append(f"{module} imports {name}, which is not in the module list")

buffer = io.BytesIO()
# Stored, not deflated: Python reads it without inflating, and HTTP compression does better
# over the whole file than zip's per-entry deflate.
with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
    for name in sorted(entries):
        info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))  # reproducible bytes
        archive.writestr(info, entries[name])
runtime_zip = buffer.getvalue()
problems
`).toJs();
  if (problems.length) {
    console.error("The runtime zip would be incomplete:\n  " + problems.join("\n  "));
    process.exit(1);
  }
  const bytes = pyodide.globals.get("runtime_zip").toJs();
  writeFileSync(out, bytes);
  try {
    await check(out, pyodide.runPython("[name for name, _ in package_sources()]").toJs());
  } catch (error) {
    unlinkSync(out); // an incomplete runtime must not be mistaken for a built one
    throw error;
  }
}

// Boot from the runtime zip alone (as a page does) and import every module of the package.
async function check(runtimeZip, packageModules) {
  const pyodide = await loadPyodide({ indexURL: PYODIDE + "/", stdLibURL: runtimeZip, lockFileContents: EMPTY_LOCK });
  pyodide.globals.set("package_modules", packageModules);
  pyodide.runPython(`
import importlib
for name in package_modules:
    importlib.import_module(name)
`);
}

async function snapshot(runtimeZip, out) {
  const pyodide = await loadPyodide({
    indexURL: PYODIDE + "/", stdLibURL: runtimeZip, lockFileContents: EMPTY_LOCK, _makeSnapshot: true,
  });
  pyodide.runPython("import sse_client.bridge");
  writeFileSync(out, pyodide.makeMemorySnapshot());
}

const [command, ...args] = process.argv.slice(2);
const commands = { modules, pack, snapshot };
if (!commands[command]) {
  console.error("usage: node tools/runtime.mjs modules | pack MODULES OUT.zip | snapshot RUNTIME.zip OUT");
  process.exit(2);
}
try {
  await commands[command](...args);
} catch (error) {
  // Only the message (a Python traceback for a PythonError): Node would print the whole
  // minified line of pyodide.asm.mjs it was thrown from.
  console.error(`tools/runtime.mjs ${command}: ${error.message}`);
  process.exit(1);
}
