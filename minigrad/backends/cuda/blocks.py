"""What the CUDA kernels share: the block-wide reduction, chunking, and a cast to the data's dtype.

Reduction in a block (softmax's row max and sums, a norm group's statistics): every thread holds a
partial value; they write it to a shared-memory array, then halve the active threads until one value
is left (a tree, log2(THREADS) steps, each followed by a barrier ``cuda.syncthreads()``)::

    step 1: t <  128: buf[t] += buf[t + 128]
    step 2: t <   64: buf[t] += buf[t + 64]
    ...
    step 8: t <    1: buf[0] += buf[1]

Every thread then reads buf[0]. A warp-shuffle reduction saves a few of those barriers; the tree is
kept because it reads as the algorithm it is and runs unchanged in numba's simulator, and because
the cost is a few hundred cycles per block against the memory time of the thousands of values each
block reads.
"""

from minigrad.backends.cuda.compiler import THREADS, cuda, device


@device
def block_reduce(buf, v, take_max):
    """The sum (or, with take_max, the max) of v over the block's threads, returned to every thread.

    buf: a shared array of THREADS elements of v's type; the block size is a power of two. A NaN
    loses a max (comparisons with NaN are false), as in the CPU kernels.
    """
    t = cuda.threadIdx.x
    buf[t] = v
    cuda.syncthreads()
    half = cuda.blockDim.x // 2
    while half > 0:
        if t < half:
            other = buf[t + half]
            if not take_max:
                buf[t] += other
            elif other > buf[t]:
                buf[t] = other
        cuda.syncthreads()
        half //= 2
    total = buf[0]
    cuda.syncthreads()  # every thread has read buf[0] before buf is written again
    return total


@device
def chunk(n, chunks, c):
    """[lo, hi): chunk c of `chunks` near-equal chunks of range(n)."""
    return c * n // chunks, (c + 1) * n // chunks


@device
def cast(like, v):
    """v in the dtype of the array `like` (a store and a load; NVVM makes it one conversion)."""
    t = cuda.local.array(1, like.dtype)
    t[0] = v
    return t[0]


def threads_for(n):
    """Threads per block for a block-per-row kernel with n values per row: a power of two, up to
    THREADS, at least a warp (32) where THREADS allows."""
    t = min(32, THREADS)
    while t < n and t < THREADS:
        t *= 2
    return t


__all__ = ["THREADS", "block_reduce", "cast", "chunk", "threads_for"]
