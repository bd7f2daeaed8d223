"""Every public name a user calls help() on has its own text (issue 13 item 9), and every op has its formula
docstring (issue 10 section 5): classes their own docstring (not their base class's), functions and
methods a docstring (inherited ones count, as help() shows them)."""

import importlib
import inspect
import pkgutil

import minigrad
import minigrad.ops
from minigrad.autograd import Op

NAMESPACES = [
    "minigrad", "minigrad.nn", "minigrad.nn.functional", "minigrad.nn.init", "minigrad.nn.utils", "minigrad.optim",
    "minigrad.optim.lr_scheduler", "minigrad.utils.data", "minigrad.autograd", "minigrad.preprocessing",
    "minigrad.data", "minigrad.cuda", "minigrad.accelerator",
]  # fmt: skip


def _public(namespace):
    names = getattr(namespace, "__all__", None) or [n for n in dir(namespace) if not n.startswith("_")]
    for name in names:
        obj = getattr(namespace, name, None)
        if inspect.isclass(obj) or (callable(obj) and not inspect.ismodule(obj)):
            if getattr(obj, "__module__", "").startswith("minigrad"):
                yield name, obj


def _undocumented_members(cls):
    for name, attr in vars(cls).items():
        if name.startswith("_") and name != "__call__":
            continue
        if isinstance(attr, property):
            if not attr.__doc__:
                yield name
        elif callable(getattr(attr, "__func__", attr)) and not inspect.getdoc(getattr(cls, name)):
            yield name


def test_every_public_module_class_function_and_method_has_a_docstring():
    missing = []
    for module_name in NAMESPACES:
        module = importlib.import_module(module_name)
        if not module.__doc__:
            missing.append(module_name)
        for name, obj in _public(module):
            if inspect.isclass(obj):
                if not vars(obj).get("__doc__"):
                    missing.append(f"{module_name}.{name}")
                missing += [f"{module_name}.{name}.{m}" for m in _undocumented_members(obj)]
            elif not inspect.getdoc(obj):
                missing.append(f"{module_name}.{name}")
    assert not missing, f"{len(missing)} names without a docstring: {sorted(set(missing))}"


def test_every_op_has_its_own_formula_docstring():
    missing = []
    for info in pkgutil.iter_modules(minigrad.ops.__path__):
        module = importlib.import_module(f"minigrad.ops.{info.name}")
        if not module.__doc__:
            missing.append(module.__name__)
        for name, obj in vars(module).items():
            if inspect.isclass(obj) and issubclass(obj, Op) and obj.__module__ == module.__name__:
                if not vars(obj).get("__doc__"):
                    missing.append(f"{module.__name__}.{name}")
    assert not missing, missing


def test_the_names_the_issue_lists_show_their_own_text():
    nn, F = minigrad.nn, minigrad.nn.functional
    for cls in (nn.MaxPool2d, nn.CrossEntropyLoss, nn.NLLLoss):
        assert vars(cls)["__doc__"] != nn.Module.__doc__
    T = minigrad.Tensor
    for fn in (F.max_pool2d, F.avg_pool2d, F.dropout, T.view, T.item, T.argmax, T.sum, minigrad.cat, nn.Module.train):
        assert len(inspect.getdoc(fn)) > 20, fn
