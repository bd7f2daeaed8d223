"""Data preprocessing: fit statistics on the training set, apply them to any data.

Lecture 4, slides 19-22. Each preprocessor is an object in scikit-learn's style: ``fit(X_train)``
learns statistics (attributes ending in ``_``), ``transform(X)`` applies them to training,
validation or test data alike, ``inverse_transform`` undoes the transform, ``fit_transform`` is
``fit`` then ``transform``::

    from minigrad import preprocessing
    scaler = preprocessing.StandardScaler().fit(X_train)   # statistics of the TRAINING set only
    X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)

Fitting on all the data (train + test) leaks the test set into the model: the classic pitfall.

============================== ===================================================================
``StandardScaler()``           per-feature zero mean, unit std, for (N, D) data
``StandardScaler(with_std=False)`` zero-centring only (subtract the mean sample)
``ImageNormalizer(mode)``      (N, C, H, W) images: ``"mean_image"`` (AlexNet), ``"channel_mean"``
                               (VGG) or ``"channel_mean_std"`` (ResNet)
``PCA(n_components, whiten)``  decorrelate (rotate onto the covariance's eigenvectors), optionally
                               reduce the dimension and whiten (unit variance per component)
``ZCA(eps)``                   symmetric (ZCA) whitening: PCA whitening rotated back to the input axes
============================== ===================================================================

Conventions:

* Inputs are NumPy arrays or minigrad Tensors (on any device); the output has the input's type,
  device and dtype (float32 or float64; integer and bool inputs, e.g. uint8 images, give float32).
  Tensor outputs are new tensors without gradient history: preprocessing is not part of the model.
* Statistics are computed in float64 and stored as float64 arrays. Variances and covariances are
  population ones (divide by N), as in the lecture's NumPy code and ``StandardScaler`` of
  scikit-learn. (scikit-learn's ``PCA.explained_variance_`` divides by N - 1 instead.)
* Bad inputs raise ``ValueError`` with the shape expected: wrong number of dimensions or
  features, NaN or infinity in the data; ``transform`` before ``fit`` raises ``NotFittedError``.
* Fitted statistics save to and load from ``.npz`` files: ``obj.save(path)`` and
  ``Cls.load(path)`` (or ``preprocessing.load(path)``), or ``state_dict()`` /
  ``load_state_dict(state)``. Loading reads plain arrays only (``allow_pickle=False``).
"""

from __future__ import annotations

import json
import os
import sys

import numpy as np

__all__ = [
    "PCA",
    "ZCA",
    "ImageNormalizer",
    "NotFittedError",
    "StandardScaler",
    "load",
]

_CHUNK_ELEMENTS = 1 << 22  # statistics are accumulated over row chunks of about this many values


class NotFittedError(ValueError, AttributeError):
    """``transform`` (or ``inverse_transform``, ``save``) was called before ``fit``."""


# ----------------------------------------------------------------------------------------------
# Input and output handling
# ----------------------------------------------------------------------------------------------


def _is_tensor(x) -> bool:
    mod = sys.modules.get("minigrad.tensor")  # if minigrad.tensor was never imported, x is no Tensor
    return mod is not None and isinstance(x, mod.Tensor)


class _Input:
    """Where an input came from, so the output can be given back in the same form."""

    def __init__(self, is_tensor: bool, device: str, dtype: np.dtype):
        self.is_tensor, self.device, self.dtype = is_tensor, device, dtype

    def wrap(self, array: np.ndarray):
        array = np.ascontiguousarray(array, dtype=self.dtype)
        if not self.is_tensor:
            return array
        from minigrad.tensor import Tensor, tensor

        if self.device == "cpu":
            return Tensor._wrap(array)
        return tensor(array, device=self.device)


def _working_dtype(dtype: np.dtype) -> np.dtype:
    if dtype == np.float64:
        return np.dtype(np.float64)
    if dtype.kind in "fiub":
        return np.dtype(np.float32)
    raise TypeError(f"expected real numbers (float, int or bool), got dtype {dtype}")


def _read(X, where: str, ndim: int, expect: str) -> tuple[np.ndarray, _Input]:
    """The host array of X (no copy where possible) and how to wrap the result; validates it."""
    if _is_tensor(X):
        device = str(X.device)
        t = X.detach()
        array = (t if device == "cpu" else t.cpu()).numpy()
        is_tensor = True
    else:
        device, is_tensor = "cpu", False
        array = np.asarray(X)
    if array.dtype.kind not in "fiub":
        raise TypeError(f"{where}: expected real numbers, got dtype {array.dtype}")
    if array.ndim != ndim:
        raise ValueError(f"{where}: expected a {ndim}-D input {expect}, got shape {array.shape}")
    if array.shape[0] == 0:
        raise ValueError(f"{where}: got 0 samples (shape {array.shape})")
    if array.dtype.kind == "f":
        finite = np.isfinite(array)
        if not finite.all():
            bad = np.argwhere(~finite)
            n_nan = int(np.isnan(array).sum())
            what = "NaN" if n_nan == len(bad) else ("infinity" if n_nan == 0 else "NaN and infinity")
            raise ValueError(
                f"{where}: the data contain {what} ({len(bad)} entries, the first at index "
                f"{tuple(int(i) for i in bad[0])}); remove or impute them before preprocessing"
            )
    return array, _Input(is_tensor, device, _working_dtype(array.dtype))


def _moments(X: np.ndarray, axis: tuple[int, ...]):
    """Mean, population variance and standard deviation over ``axis`` (which includes 0), in float64.

    Two passes (mean first, then the mean squared deviation) over chunks of rows, so that a
    float32 dataset is never copied whole to float64 and var is not lost to cancellation. Where the
    squares overflow (deviations above ~1e154), a third pass sums (d / max|d|)^2 instead: the
    variance itself is then infinite, but std = max|d| sqrt(mean((d / max|d|)^2)) is exact.
    """
    count = int(np.prod([X.shape[a] for a in axis]))
    mean = X.mean(axis=axis, dtype=np.float64, keepdims=True)
    step = max(1, _CHUNK_ELEMENTS // max(1, X[0].size))

    def sum_over_chunks(fn):
        total = np.zeros_like(mean)
        for start in range(0, X.shape[0], step):
            total = fn(total, X[start : start + step].astype(np.float64) - mean)
        return total

    with np.errstate(over="ignore"):
        var = sum_over_chunks(lambda ss, d: ss + np.sum(d * d, axis=axis, keepdims=True)) / count
    std = np.sqrt(var)
    if np.isinf(var).any():
        peak = sum_over_chunks(lambda m, d: np.maximum(m, np.max(np.abs(d), axis=axis, keepdims=True)))
        scale = np.where(np.isinf(var), peak, 1.0)
        scaled = sum_over_chunks(lambda ss, d: ss + np.sum((d / scale) ** 2, axis=axis, keepdims=True)) / count
        std = np.where(np.isinf(var), scale * np.sqrt(scaled), std)
    return tuple(np.squeeze(a, axis=axis) for a in (mean, var, std))


def _covariance(X: np.ndarray):
    """Mean (D,) and population covariance (D, D) = Xc^T Xc / N of (N, D) data, in float64."""
    n = X.shape[0]
    mean = X.mean(axis=0, dtype=np.float64)
    cov = np.zeros((X.shape[1], X.shape[1]))
    step = max(1, _CHUNK_ELEMENTS // max(1, X.shape[1]))
    for start in range(0, n, step):
        d = X[start : start + step].astype(np.float64) - mean
        cov += d.T @ d
    return mean, cov / n


def _eigh_descending(cov: np.ndarray):
    """Eigenvalues (descending, negatives from rounding clipped to 0) and eigenvectors as rows.

    Each eigenvector's sign is fixed so that its entry of largest magnitude is positive: the
    decomposition is then deterministic (an eigenvector is only defined up to sign).
    """
    values, vectors = np.linalg.eigh(cov)
    values, vectors = np.maximum(values[::-1], 0.0), vectors[:, ::-1].T.copy()
    biggest = np.argmax(np.abs(vectors), axis=1)
    signs = np.sign(vectors[np.arange(len(vectors)), biggest])
    signs[signs == 0] = 1.0
    return values, vectors * signs[:, None]


def _is_singular(values, largest=None):
    """Whether a (descending) eigenvalue is zero up to the rounding error of computing it."""
    largest = values[0] if largest is None else largest
    return values[-1] <= largest * len(values) * np.finfo(np.float64).eps


def _is_constant(std, mean, n):
    """scikit-learn's test for a constant feature: var within the rounding error of computing it,
    var <= n eps var + (n mean eps)^2, written with std so that it cannot overflow."""
    eps = np.finfo(np.float64).eps
    return std * np.sqrt(max(1.0 - n * eps, 0.0)) <= n * np.abs(mean) * eps


# ----------------------------------------------------------------------------------------------
# The base class: fit / transform plumbing, parameters, save and load
# ----------------------------------------------------------------------------------------------

_REGISTRY: dict[str, type] = {}


def _json_scalar(value):
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"cannot save a parameter of type {type(value).__name__}")


class _Preprocessor:
    _params: tuple[str, ...] = ()  # constructor arguments, saved with the statistics
    _fitted: tuple[str, ...] = ()  # fitted attributes (arrays or numbers); None means "not used"
    _ndim = 2
    _expect = "(n_samples, n_features)"

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        _REGISTRY[cls.__name__] = cls

    # ---- parameters -------------------------------------------------------------------------
    def get_params(self) -> dict:
        return {name: getattr(self, name) for name in self._params}

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({args})"

    @property
    def is_fitted(self) -> bool:
        return getattr(self, self._fitted[0], None) is not None

    def _check_fitted(self, method: str):
        if not self.is_fitted:
            raise NotFittedError(
                f"{type(self).__name__}.{method}: this {type(self).__name__} is not fitted yet; "
                "call fit(X_train) first (fit on the training data only)"
            )

    # ---- the public API ---------------------------------------------------------------------
    def fit(self, X):
        """Learn the statistics of ``X`` (the training data). Returns ``self``."""
        array, _ = _read(X, f"{type(self).__name__}.fit", self._ndim, self._expect)
        self._fit(array)
        return self

    def transform(self, X):
        """Apply the fitted statistics to ``X`` (any data: train, validation, test)."""
        self._check_fitted("transform")
        array, how = _read(X, f"{type(self).__name__}.transform", self._ndim, self._expect)
        self._check_features(array, "transform")
        return how.wrap(self._transform(array.astype(how.dtype, copy=False)))

    def fit_transform(self, X):
        """``fit(X)`` then ``transform(X)``."""
        return self.fit(X).transform(X)

    def inverse_transform(self, X):
        """Map transformed data back to the input space (exact up to rounding, unless the
        transform dropped information: PCA with fewer components than features)."""
        self._check_fitted("inverse_transform")
        array, how = _read(X, f"{type(self).__name__}.inverse_transform", self._ndim, self._expect)
        self._check_inverse_features(array)
        return how.wrap(self._inverse_transform(array.astype(how.dtype, copy=False)))

    # ---- what subclasses provide -----------------------------------------------------------
    def _fit(self, X: np.ndarray):
        raise NotImplementedError

    def _transform(self, X: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _inverse_transform(self, X: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _check_features(self, X: np.ndarray, method: str):
        if X.shape[1] != self.n_features_in_:
            raise ValueError(
                f"{type(self).__name__}.{method}: X has {X.shape[1]} features (shape {X.shape}), "
                f"but this {type(self).__name__} was fitted on {self.n_features_in_}"
            )

    def _check_inverse_features(self, X: np.ndarray):
        self._check_features(X, "inverse_transform")

    # ---- save and load ----------------------------------------------------------------------
    def state_dict(self) -> dict[str, np.ndarray]:
        """The parameters and fitted statistics as a dict of NumPy arrays (what ``save`` writes)."""
        self._check_fitted("state_dict")
        state = {
            "__class__": np.array(type(self).__name__),
            "__params__": np.array(json.dumps(self.get_params(), default=_json_scalar)),
        }
        for name in self._fitted:
            value = getattr(self, name, None)
            if value is not None:
                state[name] = np.array(value)
        return state

    def load_state_dict(self, state) -> _Preprocessor:
        """Restore parameters and fitted statistics from ``state_dict()``'s output. Returns ``self``.

        The state is checked first (class, parameters, the type and shape of every statistic, e.g.
        ``components_`` (n_components_, n_features_in_)); on an error nothing is changed."""
        where = f"{type(self).__name__}.load_state_dict"
        if not hasattr(state, "keys"):
            raise TypeError(f"{where}: expected a dict from state_dict(), got {type(state).__name__}")
        name = str(np.asarray(state.get("__class__", "")))
        if name != type(self).__name__:
            raise ValueError(f"{where}: the state belongs to a {name or 'unknown'}")
        try:
            params = json.loads(str(np.asarray(state["__params__"])))
        except (KeyError, ValueError):
            raise ValueError(f"{where}: the state has no valid __params__ entry") from None
        if not isinstance(params, dict):
            raise ValueError(f"{where}: __params__ must describe a dict, got {params!r}")
        unknown = set(params) - set(self._params)
        if unknown:
            raise ValueError(f"{where}: unknown parameters {sorted(unknown)}")
        new = type(self)(**params)  # checks the parameters as the constructor does
        for key in self._fitted:
            if key in state:
                value = np.array(state[key])
                setattr(new, key, value.item() if value.ndim == 0 else value)
        if not new.is_fitted:
            raise ValueError(f"{where}: the state holds no fitted statistics")
        new._check_state(where)
        self.__dict__.update(new.__dict__)
        return self

    # name -> its shape: a tuple of size names (float arrays) or one size name (a positive integer)
    _shapes: dict = {}

    def _check_state(self, where, sizes=None, shapes=None):
        """Check the type and shape of every fitted statistic against ``_shapes`` (or ``shapes``)."""
        sizes = dict(sizes or {})
        for key, dims in (shapes or self._shapes).items():
            value = getattr(self, key, None)
            if value is None:
                if key in self._optional():
                    continue
                raise ValueError(f"{where}: the state has no {key}")
            if isinstance(dims, str):  # a count that also names a size, e.g. n_features_in_ = D
                if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 1:
                    raise ValueError(f"{where}: {key} must be a positive integer, got {value!r}")
                if sizes.setdefault(dims, int(value)) != value:
                    raise ValueError(f"{where}: {key} = {value} contradicts the other statistics ({sizes[dims]})")
                continue
            if not isinstance(value, np.ndarray) or value.dtype.kind != "f":
                raise ValueError(f"{where}: {key} must be a float array, got {getattr(value, 'dtype', type(value))}")
            expected = tuple(sizes[d] for d in dims)
            if value.shape != expected:
                names = ", ".join(dims)
                raise ValueError(f"{where}: {key} has shape {value.shape}, expected ({names}) = {expected}")

    def _optional(self):
        return ()

    def save(self, path) -> str:
        """Write the parameters and fitted statistics to an ``.npz`` file; returns the file name
        (``.npz`` is appended when ``path`` lacks it). The old file is replaced only once the new one
        is complete, so an interrupted save leaves it intact."""
        from minigrad.serialization import atomic_write

        state = self.state_dict()
        path = os.fspath(path)
        if not path.endswith(".npz"):
            path += ".npz"
        atomic_write(path, lambda f: np.savez(f, **state), f"{type(self).__name__}.save")
        return path

    @classmethod
    def load(cls, path):
        """Read a preprocessor written by ``save``. Only plain arrays are read (no pickle)."""
        with np.load(os.fspath(path), allow_pickle=False) as f:
            state = {key: f[key] for key in f.files}
        if "__class__" not in state or "__params__" not in state:
            raise ValueError(f"{path}: not a minigrad preprocessing file (no __class__/__params__ entries)")
        name = str(state["__class__"])
        target = _REGISTRY.get(name)
        if target is None:
            raise ValueError(f"{path}: unknown preprocessor class {name!r}")
        if cls is not _Preprocessor and not issubclass(target, cls):
            raise ValueError(f"{path} holds a {name}, not a {cls.__name__}")
        return target().load_state_dict(state)


def load(path):
    """Read any preprocessor written by ``save`` (its class is stored in the file)."""
    return _Preprocessor.load(path)


# ----------------------------------------------------------------------------------------------
# Per-feature scaling
# ----------------------------------------------------------------------------------------------


class StandardScaler(_Preprocessor):
    """Per-feature standardisation of (N, D) data: x' = (x - mean) / std (slide 20).

    ``mean_`` and ``var_`` are the training set's per-feature mean and population variance;
    ``scale_`` = sqrt(var_), with 1 for constant features (no division by zero; they become 0).
    scale_ is computed without squaring overflow: float64 features near 1e200 get var_ = inf (it does
    not fit) but their true, finite scale_.
    ``with_std=False`` only zero-centres (subtracts the mean sample); ``with_mean=False`` only
    scales. Zero-centring matters because of slide 9: if every input of a neuron is positive, every
    component of its weight gradient has the same sign, and updates zig-zag.
    """

    _params = ("with_mean", "with_std")
    _fitted = ("mean_", "var_", "scale_", "n_features_in_", "n_samples_seen_")
    _shapes = {"n_features_in_": "D", "n_samples_seen_": "N", "mean_": ("D",), "var_": ("D",), "scale_": ("D",)}

    def __init__(self, with_mean: bool = True, with_std: bool = True):
        self.with_mean = with_mean
        self.with_std = with_std
        self.mean_ = self.var_ = self.scale_ = None
        self.n_features_in_ = self.n_samples_seen_ = None

    def _fit(self, X):
        mean, var, std = _moments(X, (0,))
        self.mean_, self.var_ = mean, var
        self.scale_ = np.where(_is_constant(std, mean, X.shape[0]), 1.0, std)
        self.n_features_in_, self.n_samples_seen_ = X.shape[1], X.shape[0]

    def _transform(self, X):
        out = X - self.mean_.astype(X.dtype) if self.with_mean else X.copy()
        if self.with_std:
            out /= self.scale_.astype(X.dtype)
        return out

    def _inverse_transform(self, X):
        out = X * self.scale_.astype(X.dtype) if self.with_std else X.copy()
        if self.with_mean:
            out += self.mean_.astype(X.dtype)
        return out


class ImageNormalizer(_Preprocessor):
    """The three image conventions of slide 22, for (N, C, H, W) images.

    * ``"mean_image"`` (AlexNet): subtract the mean image, ``mean_`` of shape (C, H, W); images to
      transform must have the training images' (C, H, W).
    * ``"channel_mean"`` (VGG): subtract the per-channel mean, ``mean_`` of shape (C,) (3 numbers
      for RGB), averaged over every image and pixel.
    * ``"channel_mean_std"`` (ResNet): also divide by the per-channel population std, ``std_`` of
      shape (C,) (1 for a constant channel). Same as ``torchvision.transforms.Normalize(mean_, std_)``.

    The channel modes accept any H, W at transform time; only C must match.
    """

    _params = ("mode",)
    _fitted = ("mean_", "std_", "image_shape_", "n_samples_seen_")
    _ndim = 4
    _expect = "(N, C, H, W); for one image use x[None]"
    MODES = ("mean_image", "channel_mean", "channel_mean_std")

    def __init__(self, mode: str = "channel_mean_std"):
        if mode not in self.MODES:
            raise ValueError(f"ImageNormalizer: mode must be one of {self.MODES}, got {mode!r}")
        self.mode = mode
        self.mean_ = self.std_ = self.image_shape_ = self.n_samples_seen_ = None

    def _fit(self, X):
        if self.mode == "mean_image":
            self.mean_ = X.mean(axis=0, dtype=np.float64)
            self.std_ = None
        else:
            mean, _, std = _moments(X, (0, 2, 3))
            self.mean_ = mean
            if self.mode == "channel_mean_std":
                self.std_ = np.where(_is_constant(std, mean, X.shape[0] * X.shape[2] * X.shape[3]), 1.0, std)
            else:
                self.std_ = None
        self.image_shape_ = np.array(X.shape[1:], dtype=np.int64)
        self.n_samples_seen_ = X.shape[0]

    def _check_state(self, where, sizes=None, shapes=None):
        shape = self.image_shape_
        if not isinstance(shape, np.ndarray) or shape.dtype.kind not in "iu" or shape.shape != (3,) or shape.min() < 1:
            raise ValueError(f"{where}: image_shape_ must be 3 positive integers (C, H, W), got {shape!r}")
        c, h, w = (int(n) for n in shape)
        mean = ("C", "H", "W") if self.mode == "mean_image" else ("C",)
        shapes = {"n_samples_seen_": "N", "mean_": mean, "std_": ("C",)}
        super()._check_state(where, {"C": c, "H": h, "W": w}, shapes)
        if self.mode != "channel_mean_std" and self.std_ is not None:
            raise ValueError(f"{where}: mode {self.mode!r} has no std_, but the state holds one")

    def _optional(self):
        return () if self.mode == "channel_mean_std" else ("std_",)

    def _check_features(self, X, method):
        c, h, w = (int(s) for s in self.image_shape_)
        if X.shape[1] != c:
            raise ValueError(
                f"ImageNormalizer.{method}: images have {X.shape[1]} channels (shape {X.shape}), but the "
                f"normalizer was fitted on {c}"
            )
        if self.mode == "mean_image" and X.shape[2:] != (h, w):
            raise ValueError(
                f"ImageNormalizer.{method}: images are {X.shape[2]}x{X.shape[3]} (shape {X.shape}), but "
                f"the mean image is {h}x{w}"
            )

    def _stats(self, dtype):
        if self.mode == "mean_image":
            return self.mean_.astype(dtype), None
        mean = self.mean_.astype(dtype)[:, None, None]
        std = None if self.std_ is None else self.std_.astype(dtype)[:, None, None]
        return mean, std

    def _transform(self, X):
        mean, std = self._stats(X.dtype)
        out = X - mean
        if std is not None:
            out /= std
        return out

    def _inverse_transform(self, X):
        mean, std = self._stats(X.dtype)
        out = X * std if std is not None else X.copy()
        out += mean
        return out


# ----------------------------------------------------------------------------------------------
# PCA and whitening
# ----------------------------------------------------------------------------------------------


class PCA(_Preprocessor):
    """Principal component analysis of (N, D) data: decorrelate, reduce, optionally whiten (slide 21).

    Fit: centre the data, form the covariance C = Xc^T Xc / N, diagonalise it: C = U diag(lambda) U^T
    (``components_`` = the rows of U^T, sorted by decreasing lambda = ``explained_variance_``).
    Transform: z = (x - mean_) U[:, :k], whose covariance is diag(lambda_1..k): the components are
    uncorrelated. With ``whiten=True``, z_j /= sqrt(lambda_j + eps): every component gets variance
    lambda / (lambda + eps), i.e. 1 for components with lambda >> eps (PCA whitening). ``eps``
    keeps directions of (near) zero variance from blowing up noise.

    ``n_components``: None keeps min(N, D); an int keeps that many; a float in (0, 1) keeps the fewest
    components whose ``explained_variance_ratio_`` sums to at least that fraction.

    Differences from ``sklearn.decomposition.PCA``: ``explained_variance_`` divides by N, not
    N - 1 (so whitened training data has population covariance ~ I), whitening adds ``eps``, and
    signs are fixed by making each component's largest entry positive.
    """

    _params = ("n_components", "whiten", "eps")
    _fitted = (
        "mean_",
        "components_",
        "explained_variance_",
        "explained_variance_ratio_",
        "n_components_",
        "n_features_in_",
        "n_samples_seen_",
    )
    _shapes = {
        "n_features_in_": "D",
        "n_components_": "K",
        "n_samples_seen_": "N",
        "mean_": ("D",),
        "components_": ("K", "D"),
        "explained_variance_": ("K",),
        "explained_variance_ratio_": ("K",),
    }

    def __init__(self, n_components=None, whiten: bool = False, eps: float = 1e-5):
        if eps < 0:
            raise ValueError(f"PCA: eps must be non-negative, got {eps}")
        self.n_components = n_components
        self.whiten = whiten
        self.eps = eps
        self.mean_ = self.components_ = self.explained_variance_ = self.explained_variance_ratio_ = None
        self.n_components_ = self.n_features_in_ = self.n_samples_seen_ = None

    def _n_keep(self, n, d, ratio_cumsum):
        k = self.n_components
        limit = min(n, d)
        if k is None:
            return limit
        if isinstance(k, (bool, np.bool_)) or not isinstance(k, (int, np.integer, float, np.floating)):
            raise TypeError(f"PCA: n_components must be None, an int or a float in (0, 1), got {k!r}")
        if isinstance(k, (float, np.floating)):
            if not 0 < k < 1:
                raise ValueError(f"PCA: a float n_components must lie in (0, 1), got {k}")
            # the fewest components explaining at least the fraction k (scikit-learn's rule)
            return int(min(np.searchsorted(ratio_cumsum, k, side="right") + 1, limit))
        k = int(k)
        if not 1 <= k <= limit:
            raise ValueError(f"PCA: n_components={k} must lie in [1, min(n_samples, n_features) = {limit}]")
        return k

    def _fit(self, X):
        n, d = X.shape
        if n < 2:
            raise ValueError(f"PCA.fit: need at least 2 samples to estimate a covariance, got shape {X.shape}")
        mean, cov = _covariance(X)
        values, vectors = _eigh_descending(cov)
        total = values.sum()
        ratio = values / total if total > 0 else np.zeros_like(values)
        k = self._n_keep(n, d, np.cumsum(ratio))
        if self.whiten and self.eps == 0 and _is_singular(values[:k], values[0]):
            raise ValueError(
                "PCA.fit: whiten=True with eps=0, but a kept component has (numerically) zero variance; "
                "use eps > 0 or fewer components"
            )
        self.mean_ = mean
        self.components_ = vectors[:k]
        self.explained_variance_ = values[:k]
        self.explained_variance_ratio_ = ratio[:k]
        self.n_components_, self.n_features_in_, self.n_samples_seen_ = k, d, n

    def _transform(self, X):
        z = (X - self.mean_.astype(X.dtype)) @ self.components_.T.astype(X.dtype)
        if self.whiten:
            z /= np.sqrt(self.explained_variance_ + self.eps).astype(X.dtype)
        return z

    def _check_inverse_features(self, X):
        if X.shape[1] != self.n_components_:
            raise ValueError(
                f"PCA.inverse_transform: expected {self.n_components_} components per row, got shape {X.shape}"
            )

    def _inverse_transform(self, X):
        if self.whiten:
            X = X * np.sqrt(self.explained_variance_ + self.eps).astype(X.dtype)
        return X @ self.components_.astype(X.dtype) + self.mean_.astype(X.dtype)


class ZCA(_Preprocessor):
    """ZCA (zero-phase, "Mahalanobis") whitening of (N, D) data.

    With C = U diag(lambda) U^T the training covariance, ZCA maps x to
    W (x - mean_), W = U diag(1 / sqrt(lambda + eps)) U^T: PCA whitening followed by the rotation
    back to the input axes. W is symmetric, and among all whitening matrices it keeps the whitened
    data closest to the original (Kessy et al. 2018), which is why whitened images still look like
    images (edges enhanced). ``whitening_`` = W, ``dewhitening_`` = W^-1; ``components_`` and
    ``explained_variance_`` are U^T and lambda as in :class:`PCA`.
    """

    _params = ("eps",)
    _fitted = (
        "mean_",
        "components_",
        "explained_variance_",
        "whitening_",
        "dewhitening_",
        "n_features_in_",
        "n_samples_seen_",
    )
    _shapes = {
        "n_features_in_": "D",
        "n_samples_seen_": "N",
        "mean_": ("D",),
        "components_": ("D", "D"),
        "explained_variance_": ("D",),
        "whitening_": ("D", "D"),
        "dewhitening_": ("D", "D"),
    }

    def __init__(self, eps: float = 1e-5):
        if eps < 0:
            raise ValueError(f"ZCA: eps must be non-negative, got {eps}")
        self.eps = eps
        self.mean_ = self.components_ = self.explained_variance_ = None
        self.whitening_ = self.dewhitening_ = None
        self.n_features_in_ = self.n_samples_seen_ = None

    def _fit(self, X):
        n, d = X.shape
        if n < 2:
            raise ValueError(f"ZCA.fit: need at least 2 samples to estimate a covariance, got shape {X.shape}")
        mean, cov = _covariance(X)
        values, vectors = _eigh_descending(cov)
        if self.eps == 0 and _is_singular(values):
            raise ValueError("ZCA.fit: the covariance is singular (a direction without variance); use eps > 0")
        scale = np.sqrt(values + self.eps)
        self.mean_, self.components_, self.explained_variance_ = mean, vectors, values
        self.whitening_ = (vectors.T / scale) @ vectors
        self.dewhitening_ = (vectors.T * scale) @ vectors
        self.n_features_in_, self.n_samples_seen_ = d, n

    def _transform(self, X):
        return (X - self.mean_.astype(X.dtype)) @ self.whitening_.astype(X.dtype)

    def _inverse_transform(self, X):
        return X @ self.dewhitening_.astype(X.dtype) + self.mean_.astype(X.dtype)
