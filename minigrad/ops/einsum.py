"""``einsum``: sums of products written with index letters, e.g. ``einsum("bij,bjk->bik", a, b)`` (batched
matmul) or ``einsum("i,i->", x, y)`` (a dot product).

The output is a sum over the letters that are not in the output of the product of the operands:

    out[o] = sum_{s} prod_k A_k[letters of k]

The derivative with respect to one operand is again an einsum: the output's gradient times the other
operands, summed over every letter that operand A_k does not have. Two details make that general:

- a letter that only A_k has (summed away in the forward, ``"ij->i"``) does not change the product,
  so its gradient is broadcast along it: an operand of ones with that letter supplies its size;
- a letter repeated in A_k (a diagonal, ``"ii->i"``) becomes two letters joined by an identity matrix,
  so the gradient lands on the diagonal only.

Dimensions of size 1 broadcast against the other operands (as in PyTorch); their gradient is summed.
"""

import string

from minigrad.autograd import Op
from minigrad.ops.shape import _same_dtype

__all__ = ["einsum"]


def _parse(equation, ndims):
    """Explicit subscripts for every operand and the output: '...' becomes letters, an implicit
    output ('ij,jk') becomes the letters that appear once, in alphabetical order."""
    eq = equation.replace(" ", "")
    lhs, arrow, out = eq.partition("->")
    subs = lhs.split(",")
    if len(subs) != len(ndims):
        raise ValueError(f"einsum(): the equation {equation!r} has {len(subs)} operands, but {len(ndims)} were given")
    used = set(eq) - set(".,->")
    bad = used - set(string.ascii_letters)
    if bad:
        raise ValueError(f"einsum(): invalid subscript(s) {sorted(bad)} in {equation!r}; use letters a-z and A-Z")
    spare = [c for c in string.ascii_letters if c not in used]
    ell_dims = max([n - (len(s) - 3) for s, n in zip(subs, ndims) if "..." in s] or [0])
    ell = "".join(spare[:ell_dims])
    explicit = []
    for k, (s, n) in enumerate(zip(subs, ndims)):
        if "..." in s:
            s = s.replace("...", ell[ell_dims - (n - (len(s) - 3)) :] if n - (len(s) - 3) > 0 else "")
        if len(s) != n or "." in s:
            raise ValueError(
                f"einsum(): operand {k} has {n} dims, but its subscripts {subs[k]!r} in {equation!r} name {len(s)}"
            )
        explicit.append(s)
    if arrow:
        out = out.replace("...", ell)
        for c in out:
            if out.count(c) > 1 or not any(c in s for s in explicit):
                raise ValueError(f"einsum(): output letter {c!r} in {equation!r} is repeated or in no operand")
    else:
        once = sorted(c for c in set("".join(explicit)) - set(ell) if "".join(explicit).count(c) == 1)
        out = ell + "".join(once)
    return explicit, out


def _sizes(subs, shapes, equation):
    """Each letter's size: the same in every operand, or 1 (which broadcasts)."""
    sizes = {}
    for s, shape in zip(subs, shapes):
        for c, n in zip(s, shape):
            if sizes.get(c, 1) != 1 and n not in (1, sizes[c]):
                raise ValueError(
                    f"einsum(): letter {c!r} has size {sizes[c]} in one operand and {n} in another ({equation!r})"
                )
            if n != 1 or c not in sizes:
                sizes[c] = n
    return sizes


class Einsum(Op):
    """out = einsum(subscripts, *A);  dL/dA_k = einsum of dL/dout with the other operands into A_k's
    letters (see the module docstring for summed-away and repeated letters)."""

    @staticmethod
    def forward(ctx, *arrays, subs, out):
        xp = ctx.xp
        sizes = {}
        for s, a in zip(subs, arrays):  # letter sizes were checked by einsum()
            for c, n in zip(s, a.shape):
                sizes[c] = max(sizes.get(c, 1), n)
        full = [xp.broadcast_to(a, tuple(sizes[c] for c in s)) for s, a in zip(subs, arrays)]
        ctx.save_for_backward(*full)
        ctx.subs, ctx.out, ctx.sizes, ctx.shapes = subs, out, sizes, [a.shape for a in arrays]
        return xp.einsum(",".join(subs) + "->" + out, *full, optimize=len(full) > 2)

    @staticmethod
    def backward(ctx, grad):
        full = ctx.saved_tensors
        return tuple(_operand_grad(ctx, k, grad, full) if ctx.needs_input_grad[k] else None for k in range(len(full)))


def _operand_grad(ctx, k, grad, full):
    xp, subs, sizes = ctx.xp, ctx.subs, ctx.sizes
    terms, arrays = [ctx.out], [grad]
    terms += [s for j, s in enumerate(subs) if j != k]
    arrays += [a for j, a in enumerate(full) if j != k]
    spare = iter(c for c in string.ascii_letters if c not in "".join(subs) + ctx.out)
    target = ""
    for c in subs[k]:
        if c in target:  # a repeated letter: a fresh one, tied to the first by an identity matrix
            fresh = next(spare)
            terms.append(c + fresh)
            arrays.append(xp.eye(sizes[c], dtype=grad.dtype))
            c = fresh
        elif not any(c in t for t in terms):  # summed away in the forward pass: broadcast along it
            terms.append(c)
            arrays.append(xp.ones(sizes[c], dtype=grad.dtype))
        target += c
    g = xp.einsum(",".join(terms) + "->" + target, *arrays, optimize=len(arrays) > 2)
    shape = ctx.shapes[k]
    summed = tuple(d for d, n in enumerate(shape) if n == 1 and g.shape[d] != 1)  # broadcast size-1 dims
    return g.sum(axis=summed, keepdims=True) if summed else g


def einsum(equation, *operands):
    """Einstein summation, PyTorch's (and NumPy's) notation: ``einsum("ij,jk->ik", a, b)`` is ``a @ b``,
    ``einsum("ii", a)`` the trace, ``einsum("bhqd,bhkd->bhqk", q, k)`` attention scores. ``...``
    stands for broadcast dims; without ``->`` the output has the letters used once, sorted.
    Operands may also be given as one list. Differentiable in every operand."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    if not operands:
        raise ValueError("einsum(): expected at least one operand")
    operands = _same_dtype(list(operands), "einsum")
    shapes = [t.shape for t in operands]
    subs, out = _parse(equation, [len(s) for s in shapes])
    _sizes(subs, shapes, equation)
    for s, shape in zip(subs, shapes):
        for c in set(s):
            dims = [n for ch, n in zip(s, shape) if ch == c]
            if len(set(dims)) > 1:
                raise ValueError(f"einsum(): repeated letter {c!r} in {s!r} has different sizes {dims}")
    return Einsum.apply(*operands, subs=tuple(subs), out=out)
