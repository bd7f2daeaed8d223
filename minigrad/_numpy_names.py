"""PyTorch accepts NumPy's keyword names as aliases: ``x.sum(axis=0)`` for ``dim=0``, ``keepdims=`` for
``keepdim=``. ``numpy_names(fn)`` wraps a function or method so that it does too."""

import functools

_ALIASES = {"axis": "dim", "keepdims": "keepdim"}


def numpy_names(fn):
    """``fn`` accepting ``axis=`` for ``dim=`` and ``keepdims=`` for ``keepdim=``."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        if kwargs:
            for alias, name in _ALIASES.items():
                if alias in kwargs:
                    if name in kwargs:
                        raise TypeError(f"{fn.__name__}() got both {name}= and its NumPy alias {alias}=")
                    kwargs[name] = kwargs.pop(alias)
        return fn(*args, **kwargs)

    return wrapper
