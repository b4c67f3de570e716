"""Layer kinds from a person's own Python file, such as the tutorial's ``CustomLayer``.

Importing a file runs its code, so it happens only when a person asks for it (Layers ▸ Add
Layers from File…) or allows it when a network names the file (a prompt showing the path and
the sha256; ``--allow-layer-files`` on the command line). Files shipped inside netbuilder are
part of the app and need no permission. The bytes that were hashed are the bytes that run.

Each ``nn.Module`` subclass the file defines becomes a kind in the catalog, category "Custom":
its constructor's arguments become typed properties where an annotation or a default says the
type (``int``, ``float``, ``bool``, ``Literal[…]``, a tuple or list of ints, optionally
``| None``). An argument with neither is taken as an integer, the common case of sizes such as
the tutorial's ``in_features``. Shapes come from running the class on the meta device like any
other kind, and generated code imports the class from the file's module name.
"""

from __future__ import annotations

import inspect
import keyword
import sys
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from netbuilder.core.catalog import (
    BOOL,
    CHOICE,
    FLOAT,
    INT,
    SHAPE,
    Arg,
    Catalog,
    LayerKind,
    default_catalog,
)
from netbuilder.core.layer_files import (
    FIELD,
    LayerFileRef,
    check_refs,
    read_layer_source,
    resolved,
)

if TYPE_CHECKING:
    from torch import nn

CATEGORY = "Custom"
APP_FILES = Path(__file__).resolve().parent.parent / "resources"  # shipped: part of the app
# Module names generated code would import the class from but that name something else.
RESERVED_MODULES = frozenset({"torch", "torchvision", "netbuilder", "numpy", "nn", "model",
                              *sys.stdlib_module_names})


class LayerFileError(ValueError):
    """A layer file that cannot be used; the message names the file and, when known, the
    line."""


@dataclass(frozen=True)
class LayerFileRequest:
    """What to show a person before a file named by a network runs."""

    path: Path
    sha256: str  # of the file as it is now
    saved_sha256: str  # as the network recorded it ("" when added now)

    @property
    def changed(self) -> bool:
        return bool(self.saved_sha256) and self.saved_sha256 != self.sha256


Allow = Callable[[LayerFileRequest], bool]


@dataclass
class LoadedLayerFile:
    path: Path
    sha256: str
    module_name: str  # what generated code imports from: the file's stem
    kinds: list[LayerKind] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # classes skipped and why


_LOADED: dict[str, LoadedLayerFile] = {}  # by absolute path


def loaded_file(path: str | Path) -> LoadedLayerFile | None:
    """The imported version of the file at ``path`` whose kinds the catalog holds, if any
    (a reloaded catalog has forgotten them)."""
    known = _LOADED.get(str(_absolute(path)))
    catalog = default_catalog()
    if known is None or any(catalog.get(kind.name) is not kind for kind in known.kinds):
        return None
    return known


def is_app_file(path: str | Path) -> bool:
    """A file shipped inside netbuilder (its templates' layers)."""
    return _absolute(path).is_relative_to(APP_FILES)


def load_layer_file(path: str | Path, catalog: Catalog | None = None) -> LoadedLayerFile:
    """Run the file and add its ``nn.Module`` classes to the catalog as kinds.

    The caller has the person's permission. The same file at the same hash is imported once;
    a changed file replaces its kinds (layers already using them keep their names).
    """
    catalog = catalog or default_catalog()
    path = _absolute(path)
    try:
        data, sha = read_layer_source(path)
    except OSError as exc:
        raise LayerFileError(f"{path}: cannot read the file ({exc.strerror or exc})") from None
    except ValueError as exc:
        raise LayerFileError(str(exc)) from None
    known = _LOADED.get(str(path))
    if known is not None and known.sha256 == sha and all(
            catalog.get(kind.name) is kind for kind in known.kinds):
        return known
    module_name = path.stem
    if not module_name.isidentifier() or keyword.iskeyword(module_name) \
            or module_name in RESERVED_MODULES:
        raise LayerFileError(f"{path.name}: name the file as a Python module of its own (letters, "
                             "digits and _, not a module Python or PyTorch has), so that "
                             f"generated code can import it: 'from {module_name} import …'")
    from torch import nn  # the file's own code imports torch anyway

    module = _run(path, data, f"netbuilder_layers_{module_name}_{sha[:12]}")
    loaded = LoadedLayerFile(path, sha, module_name)
    classes = [value for value in vars(module).values()
               if isinstance(value, type) and issubclass(value, nn.Module)
               and value.__module__ == module.__name__]
    if not classes:
        raise LayerFileError(f"{path.name} defines no nn.Module subclass: a custom layer is a "
                             "class like 'class CustomLayer(nn.Module)'")
    for cls in classes:
        known_kind = catalog.get(cls.__name__)
        if known_kind is not None and known_kind.file != str(path):
            where = known_kind.file or "netbuilder's own kinds"
            loaded.notes.append(f"{cls.__name__}: a kind of that name already exists ({where}); "
                                "rename the class")
            continue
        try:
            loaded.kinds.append(kind_from_class(cls, path, module_name))
        except LayerFileError as exc:
            loaded.notes.append(str(exc))
    if not loaded.kinds:
        raise LayerFileError(f"{path.name}: no class can be used as a layer:\n  "
                             + "\n  ".join(loaded.notes))
    catalog.replace_file_kinds(str(path), loaded.kinds)
    _LOADED[str(path)] = loaded
    return loaded


def unload_layer_file(path: str | Path, catalog: Catalog | None = None) -> None:
    """Forget a file's kinds (layers using them then name an unknown kind)."""
    known = _LOADED.pop(str(_absolute(path)), None)
    if known is not None:
        (catalog or default_catalog()).replace_file_kinds(str(known.path), [])


def _run(path: Path, data: bytes, name: str) -> types.ModuleType:
    """Execute the file's bytes as a module named ``name``; errors name the line."""
    try:
        code = compile(data, str(path), "exec", dont_inherit=True)
    except SyntaxError as exc:
        raise LayerFileError(f"{path.name}, line {exc.lineno}: {exc.msg}") from None
    except ValueError as exc:  # NUL bytes
        raise LayerFileError(f"{path.name}: not Python source ({exc})") from None
    module = types.ModuleType(name)
    module.__file__ = str(path)
    sys.modules[name] = module  # classes find their module (inspect, dataclasses, pickle)
    folder = str(path.parent)
    sys.path.insert(0, folder)  # the file may import its neighbours
    try:
        exec(code, module.__dict__)
    except BaseException as exc:  # SystemExit and KeyboardInterrupt in the file, too
        del sys.modules[name]
        line = _line_in(exc, str(path))
        raise LayerFileError(f"{path.name}{f', line {line}' if line else ''}: running it raised "
                             f"{type(exc).__name__}: {_first_line(exc)}") from None
    finally:
        if folder in sys.path:
            sys.path.remove(folder)
    return module


def _line_in(exc: BaseException, filename: str) -> int | None:
    line = None
    trace = exc.__traceback__
    while trace is not None:
        if trace.tb_frame.f_code.co_filename == filename:
            line = trace.tb_lineno
        trace = trace.tb_next
    return line


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0][:200] if lines else "(no message)"


# ---------------------------------------------------------------------------------------------
# A class's constructor → typed arguments


def kind_from_class(cls: type[nn.Module], path: Path, module_name: str) -> LayerKind:
    """The catalog kind of one class; LayerFileError when an argument cannot be offered."""
    try:
        signature = inspect.signature(cls.__init__)
    except (TypeError, ValueError) as exc:
        raise LayerFileError(f"{cls.__name__}: its constructor cannot be read ({exc})") from None
    try:
        hints = typing.get_type_hints(cls.__init__)
    except Exception:  # annotations naming what is not importable: fall back to defaults
        hints = {}
    args, fixed = [], []
    for parameter in list(signature.parameters.values())[1:]:
        if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            continue
        if parameter.kind is parameter.POSITIONAL_ONLY:
            raise LayerFileError(f"{cls.__name__}: argument {parameter.name!r} is positional-"
                                 "only; netbuilder passes arguments by name")
        annotation = hints.get(parameter.name, parameter.annotation)
        arg = arg_of(parameter.name, annotation, parameter.default)
        if arg is not None:
            args.append(arg)
        elif parameter.default is parameter.empty:
            raise LayerFileError(
                f"{cls.__name__}: argument {parameter.name!r} has a type netbuilder cannot edit "
                f"({_type_name(annotation)}); annotate it int, float, bool, Literal[…] or "
                "tuple[int, ...], or give it a default")
        else:
            fixed.append(parameter.name)
    own = inspect.cleandoc(cls.__doc__) if cls.__doc__ else ""  # not nn.Module's
    doc = " ".join(own.split("\n\n")[0].split()) if own else f"{cls.__name__}."
    doc += f" (custom layer from {path.name})"
    if fixed:
        doc += f"; left at their defaults: {', '.join(fixed)}"
    return LayerKind(cls.__name__, CATEGORY, cls, tuple(args), doc, code_name=cls.__name__,
                     source="file", file=str(path), code_module=module_name)


_STARTS = {INT: 1, FLOAT: 1.0, BOOL: False, SHAPE: [1]}


def arg_of(name: str, annotation: Any, default: Any) -> Arg | None:
    """The property an argument becomes, or None when neither its annotation nor its default
    says a type netbuilder can edit."""
    empty = inspect.Parameter.empty
    nullable = False
    if annotation is not empty:
        annotation, nullable = _without_none(annotation)
        described = _described(annotation)
    elif default is not empty and default is not None:
        described = _described(type(default)) if not isinstance(default, (list, tuple)) else (
            (SHAPE, ()) if default and all(type(v) is int for v in default) else None)
    else:
        described = (INT, ()) if default is empty else None
        nullable = default is None
    if described is None:
        return None
    kind, choices = described
    required = default is empty
    start = (choices[0] if choices else _STARTS[kind]) if required else default
    if isinstance(start, tuple):
        start = list(start)
    arg = Arg(name, kind, start, f"{_type_name(annotation)} argument"
              if annotation is not empty else "", required=required, choices=choices,
              nullable=nullable or default is None)
    if not required and arg.check(arg.default) is not None:
        return None  # a default of another type than the annotation says: keep it as is
    return arg


def _without_none(annotation: Any) -> tuple[Any, bool]:
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        members = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(members) == 1:
            return members[0], len(members) < len(typing.get_args(annotation))
    return annotation, False


def _described(annotation: Any) -> tuple[str, tuple[Any, ...]] | None:
    if annotation is bool:
        return BOOL, ()
    if annotation is int:
        return INT, ()
    if annotation is float:
        return FLOAT, ()
    origin, members = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is typing.Literal and members and all(
            type(m) in (str, int, bool) for m in members):
        return CHOICE, tuple(members)
    if origin in (tuple, list) and members and all(m in (int, Ellipsis) for m in members) \
            and members[0] is int:
        return SHAPE, ()
    return None


def _type_name(annotation: Any) -> str:
    if annotation is inspect.Parameter.empty:
        return "no annotation"
    return getattr(annotation, "__name__", None) or str(annotation).replace("typing.", "")


def _absolute(path: str | Path) -> Path:
    return Path(path).expanduser().resolve()


# ---------------------------------------------------------------------------------------------
# A network that names layer files


def prepare_network(data: Any, base: Path | None, allow: Allow | None,
                    problems: list) -> Any:
    """Before a network is parsed: check its ``custom_layers`` field, make the paths absolute
    and import each file not yet imported at its current hash, if it is netbuilder's own or
    ``allow`` says yes. Returns ``data`` with absolute paths (a copy; the input is unchanged).
    Problems name each file that was not imported and why."""
    from netbuilder.core.spec import Problem

    if not isinstance(data, dict) or FIELD not in data:
        return data
    found: list = []
    refs = check_refs(data[FIELD], found)
    problems.extend(found)
    if found:
        return data
    absolute = [resolved(ref, base) for ref in refs]
    for index, ref in enumerate(absolute):
        here = f"{FIELD}[{index}]"
        if not Path(ref.path).is_absolute():
            problems.append(Problem(here, f"{ref.path} is relative, and the network is not in "
                                          "a file to be relative to"))
            continue
        try:
            _, sha = read_layer_source(ref.path)
        except (OSError, ValueError) as exc:
            reason = getattr(exc, "strerror", None) or str(exc)
            problems.append(Problem(here, f"the custom layers of {ref.path} cannot be read: "
                                          f"{reason}"))
            continue
        known = loaded_file(ref.path)
        if known is not None and known.sha256 == sha:
            continue
        request = LayerFileRequest(Path(ref.path), sha, ref.sha256)
        if not (is_app_file(ref.path) or (allow is not None and allow(request))):
            problems.append(Problem(here, f"{ref.path} (sha256 {sha[:16]}…) holds custom layers, "
                                          "and importing it runs its code: it was not allowed"))
            continue
        try:
            load_layer_file(ref.path)
        except LayerFileError as exc:
            problems.append(Problem(here, str(exc)))
    copy = dict(data)
    copy[FIELD] = [{"path": ref.path, "sha256": ref.sha256} for ref in absolute]
    return copy


def file_refs(files: list[str]) -> list[LayerFileRef]:
    """References to imported files, with the hash of the version imported."""
    refs = []
    for path in files:
        known = loaded_file(path)
        if known is not None:
            refs.append(LayerFileRef(str(known.path), known.sha256))
    return refs


def place_beside(spec: Any, folder: str | Path) -> list[str]:
    """Copy the custom-layer files ``spec`` needs into ``folder``, where exported code imports
    them from. A file of that name already there is kept: the same bytes need no copy, other
    bytes are never overwritten. Returns one line per file, saying what happened."""
    from netbuilder.core.atomic import atomic_write_bytes

    lines = []
    for ref in spec.custom_layer_files():
        source = Path(ref.path)
        target = Path(folder) / source.name
        data, _sha = read_layer_source(source)
        if target.resolve() == source.resolve():
            continue
        if target.exists():
            same = target.is_file() and target.read_bytes() == data
            lines.append(f"{target.name} is already in {target.parent}" if same else
                         f"{target} differs from {source} and was left as it is: the exported "
                         "code imports the one beside it")
            continue
        atomic_write_bytes(target, data)
        lines.append(f"copied {source.name} beside it (its custom layers)")
    return lines
