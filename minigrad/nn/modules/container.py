"""Containers that register what they hold, so ``parameters()``, ``state_dict()`` and ``to()`` find it:
``Sequential`` (call children in order), ``ModuleList`` and ``ModuleDict`` (modules by position or name),
``ParameterList`` and ``ParameterDict`` (parameters by position or name)."""

from collections import OrderedDict

from minigrad.nn.module import Module, Parameter

__all__ = ["Sequential", "ModuleList", "ModuleDict", "ParameterList", "ParameterDict"]


class _Listed(Module):
    """Positional access to one of the module's stores (``_modules`` or ``_parameters``), registered as
    "0", "1", ...: what Sequential, ModuleList and ParameterList share."""

    _store = "_modules"

    def _items(self):
        return getattr(self, self._store)

    def _add(self, name, value):
        self.add_module(name, value)

    def _from(self, values):
        return type(self)(values)

    def append(self, value):
        """Add ``value`` at the end; returns self."""
        self._add(str(len(self)), value)
        return self

    def extend(self, values):
        """Add every one of ``values`` at the end; returns self."""
        for v in values:
            self.append(v)
        return self

    def __getitem__(self, i):
        values = list(self._items().values())
        return self._from(values[i]) if isinstance(i, slice) else values[i]

    def __len__(self):
        return len(self._items())

    def __iter__(self):
        return iter(self._items().values())


class Sequential(_Listed):
    """``Sequential(a, b, c)(x) == c(b(a(x)))``; children are named "0", "1", ... (or by the keys of one
    OrderedDict argument)."""

    def __init__(self, *modules):
        super().__init__()
        if len(modules) == 1 and isinstance(modules[0], (dict, OrderedDict)):  # Sequential(OrderedDict([...]))
            for name, m in modules[0].items():
                if not isinstance(m, Module):
                    raise TypeError(f"Sequential: {name!r} is a {type(m).__name__}, not a Module")
                self.add_module(name, m)
            return
        for i, m in enumerate(modules):
            if not isinstance(m, Module):
                raise TypeError(f"Sequential: argument {i} is a {type(m).__name__}, not a Module")
            self.add_module(str(i), m)

    def _from(self, values):
        return Sequential(*values)

    def forward(self, input):
        for m in self._modules.values():
            input = m(input)
        return input


class ModuleList(_Listed):
    """A list of modules, registered as children "0", "1", ...: ``layers[i]``, ``len``, iteration, ``append``."""

    def __init__(self, modules=None):
        super().__init__()
        self.extend(modules or ())

    def _add(self, name, module):
        if not isinstance(module, Module):
            raise TypeError(f"ModuleList.append: expected a Module, got {type(module).__name__}")
        self.add_module(name, module)


class _Named(Module):
    """Dict access to one of the module's stores (``_modules`` or ``_parameters``): what ModuleDict and
    ParameterDict share."""

    _store = None  # the attribute name of the store

    def __init__(self, entries=None):
        super().__init__()
        if entries is not None:
            self.update(entries)

    def _items(self):
        return getattr(self, self._store)

    def __getitem__(self, key):
        return self._items()[key]

    def __delitem__(self, key):
        del self._items()[key]

    def __len__(self):
        return len(self._items())

    def __iter__(self):
        return iter(self._items())

    def __contains__(self, key):
        return key in self._items()

    def keys(self):
        """The names."""
        return self._items().keys()

    def items(self):
        """(name, value) pairs."""
        return self._items().items()

    def values(self):
        """The values."""
        return self._items().values()

    def pop(self, key):
        """Remove the entry ``key`` and return it."""
        return self._items().pop(key)

    def update(self, entries):
        """Add the (name, value) pairs of a dict or of a list of pairs."""
        for key, value in entries.items() if hasattr(entries, "items") else entries:
            self[key] = value


class ModuleDict(_Named):
    """A dict of modules, registered as children under their keys: ``heads["cls"]``, ``in``, ``items()``."""

    _store = "_modules"

    def __init__(self, modules=None):
        super().__init__(modules)

    def __setitem__(self, key, module):
        if not isinstance(module, Module):
            raise TypeError(f"ModuleDict: {key!r} is a {type(module).__name__}, not a Module")
        self.add_module(key, module)


def _as_parameter(value, owner):
    if isinstance(value, Parameter):
        return value
    if hasattr(value, "shape"):
        return Parameter(value)
    raise TypeError(f"{owner}: expected a Parameter or a tensor, got {type(value).__name__}")


class ParameterList(_Listed):
    """A list of parameters, registered as "0", "1", ...: ``params[i]``, ``len``, iteration, ``append``.
    Tensors are wrapped as Parameters."""

    _store = "_parameters"

    def __init__(self, values=None):
        super().__init__()
        self.extend(values or ())

    def _add(self, name, value):
        self.register_parameter(name, _as_parameter(value, "ParameterList"))

    def __setitem__(self, i, value):
        self._add(list(self._parameters)[i], value)


class ParameterDict(_Named):
    """A dict of parameters, registered under their keys. Tensors are wrapped as Parameters."""

    _store = "_parameters"

    def __init__(self, parameters=None):
        super().__init__(parameters)

    def __setitem__(self, key, value):
        self.register_parameter(key, _as_parameter(value, "ParameterDict"))
