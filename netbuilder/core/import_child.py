"""The child process of :func:`netbuilder.core.importer.import_model`: runs the person's file,
creates the class, converts it, and prints one JSON result on its own stdout.

Everything the file prints (from Python or C) goes to stderr: file descriptor 1 is pointed
there before the file runs, and the result is written to a private copy of the original
stdout. The process ends with ``os._exit`` once the result is written, so threads the file
started cannot keep it alive. Not for use in the caller's process.
"""

from __future__ import annotations

import json
import os
import sys
import traceback
from pathlib import Path
from typing import Any


def main(request_text: str) -> None:
    result_fd = os.dup(1)  # the parent reads the result here, and only the result
    os.dup2(2, 1)
    try:
        result = _run(json.loads(request_text))
    except BaseException as exc:  # noqa: BLE001 - whatever happens, the parent gets an answer
        result = {"ok": False, "error": _unexpected(exc)}
    try:
        text = json.dumps(result, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as exc:
        text = json.dumps({"ok": False, "error": f"netbuilder could not write the result: {exc}"})
    data = text.encode("utf-8") + b"\n"
    try:
        sys.stderr.flush()
        sys.stdout.flush()
    except (OSError, ValueError):
        pass
    while data:
        try:
            written = os.write(result_fd, data)
        except OSError:
            break
        data = data[written:]
    os._exit(0)


def _unexpected(exc: BaseException) -> str:
    if isinstance(exc, SystemExit):
        return f"the imported code called sys.exit({exc.code!r}) while netbuilder read it"
    traceback.print_exception(exc)
    return f"netbuilder failed while importing: {type(exc).__name__}: {exc}"


def _run(request: dict[str, Any]) -> dict[str, Any]:
    from netbuilder.core import importer

    path = Path(request["path"])
    try:
        code = _compile(path)  # a syntax error answers before torch is loaded
        import torch  # before the file runs: nothing it puts on sys.path can shadow it

        torch.set_num_threads(max(1, min(4, torch.get_num_threads())))
        module = _execute(path, code)
    except importer.ModelImportError as exc:
        return {"ok": False, "error": str(exc)}
    return {"ok": True, "results": [_one(module, path, item["class_name"], item["input_shape"])
                                    for item in request["classes"]]}


def _one(module, path: Path, class_name: str, input_shape: list[int]) -> dict[str, Any]:
    from netbuilder.core import importer

    try:
        cls = _find_class(module, class_name, path)
        model = _instantiate(cls, path)
        spec, notes, key_map = importer.spec_from_traced(model, list(input_shape), class_name,
                                                         source=str(path))
    except importer.ModelImportError as exc:
        return {"ok": False, "error": str(exc)}
    except SystemExit as exc:
        where = importer._where_of_exception(exc, str(path))
        return {"ok": False, "error": f"{path.name} called sys.exit({exc.code!r}) ({where}) "
                                      f"while netbuilder was reading {class_name}"}
    except Exception as exc:  # a case the importer does not foresee: this class only
        traceback.print_exc()
        return {"ok": False, "error": f"netbuilder could not read {class_name}: "
                                      f"{type(exc).__name__}: {importer._first_line(exc)}"}
    return {"ok": True, "spec": spec.to_dict(), "notes": notes, "key_map": key_map}


def _compile(path: Path):
    from netbuilder.core.importer import ModelImportError, _first_line

    try:
        source = path.read_bytes()
    except OSError as exc:
        raise ModelImportError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        return compile(source, str(path), "exec", dont_inherit=True)
    except SyntaxError as exc:
        line = (exc.text or "").strip()
        shown = f": `{line}`" if line else ""
        raise ModelImportError(f"{path.name} line {exc.lineno}: {exc.msg}{shown} — it is not "
                               "valid Python, so nothing was run") from None
    except (ValueError, RecursionError, MemoryError) as exc:
        raise ModelImportError(f"{path.name} cannot be compiled: {_first_line(exc)}") from None


def _execute(path: Path, code):
    """The file run as a module (not as __main__, so its `if __name__ == "__main__":` part
    does not run); raises ModelImportError saying where it failed."""
    import types

    from netbuilder.core.importer import ModelImportError, _first_line, _where_of_exception

    stem = path.stem if path.stem.isidentifier() else ""
    name = stem if stem and stem not in sys.modules else "_netbuilder_imported"
    module = types.ModuleType(name)
    module.__file__ = str(path)
    sys.modules[name] = module  # dataclasses, pickle and fx look classes up here
    sys.path.insert(0, str(path.parent))  # its own helper modules, as `python FILE` finds them
    sys.argv = [str(path)]
    try:
        exec(code, module.__dict__)  # noqa: S102 - running the file is what importing means
    except SystemExit as exc:
        where = _where_of_exception(exc, str(path))
        raise ModelImportError(
            f"{path.name} called sys.exit({exc.code!r}) ({where}) while it was run to find the "
            "class: code outside `if __name__ == \"__main__\":` runs when netbuilder reads the "
            "file") from None
    except Exception as exc:
        where = _where_of_exception(exc, str(path))
        raise ModelImportError(
            f"running {path.name} raised {type(exc).__name__}: {_first_line(exc)} ({where}); "
            "netbuilder runs the whole file to find the class, so code outside `if __name__ "
            "== \"__main__\":` (training, downloads) runs too") from None
    return module


def _find_class(module, class_name: str, path: Path):
    import torch.nn as nn

    from netbuilder.core.importer import ModelImportError

    classes = sorted(name for name, value in vars(module).items()
                     if isinstance(value, type) and issubclass(value, nn.Module)
                     and getattr(value, "__module__", None) == module.__name__)
    found = vars(module).get(class_name)
    if found is None:
        known = (f"its nn.Module classes: {', '.join(classes)}" if classes
                 else "it defines no nn.Module class")
        raise ModelImportError(f"{path.name} has no class {class_name!r}; {known}")
    if not (isinstance(found, type) and issubclass(found, nn.Module)):
        what = "a class" if isinstance(found, type) else f"a {type(found).__name__}"
        others = f" (its nn.Module classes: {', '.join(classes)})" if classes else ""
        raise ModelImportError(f"{class_name} in {path.name} is {what}, not an nn.Module "
                               f"subclass{others}")
    return found


def _instantiate(cls, path: Path):
    import inspect

    from netbuilder.core.importer import ModelImportError, _first_line, _where_of_exception

    try:
        signature = inspect.signature(cls)
    except (TypeError, ValueError):
        signature = None
    if signature is not None:
        needed = [p.name for p in signature.parameters.values()
                  if p.default is inspect.Parameter.empty
                  and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
        if needed:
            raise ModelImportError(
                f"{cls.__name__}.__init__ needs arguments ({', '.join(needed)}): netbuilder "
                f"creates the class with none — give them defaults, or import a class that "
                "builds the whole network itself")
    try:
        return cls()
    except Exception as exc:
        where = _where_of_exception(exc, str(path))
        raise ModelImportError(f"{cls.__name__}() raised {type(exc).__name__}: "
                               f"{_first_line(exc)} ({where})") from None
