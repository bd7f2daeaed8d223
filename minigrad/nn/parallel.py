"""``nn.parallel``: multi-device training is outside minigrad's scope (one process, one device)."""

from minigrad.nn.modules.unsupported import _PARALLEL, DataParallel, _unsupported  # noqa: F401

__all__ = ["DataParallel", "DistributedDataParallel"]

DistributedDataParallel = _unsupported(
    "parallel.DistributedDataParallel", _PARALLEL.replace("one device", "one device and in one process")
)
