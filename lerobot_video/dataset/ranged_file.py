"""A seekable binary file whose bytes are fetched on demand, by ranges, in blocks.

A remote MP4 is judged from its index and a GOP; a Parquet file from its footer and one row
group. Readers (PyAV, pyarrow, the MP4 index) seek and read small pieces; this file turns those
into few range requests: blocks of :data:`BLOCK_BYTES`, the missing blocks of a read fetched
in one request per run, and a read-ahead that doubles while reading goes straight on (an
episode copied sequentially costs a handful of requests, not one per block). Fetched blocks
go to a :class:`BlockStore`, bounded and shared by every file of one dataset, so opening the
same file again (the report, then an episode) does not fetch its index twice. Every fetched
byte is counted.
"""

from __future__ import annotations

import io
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

BLOCK_BYTES = 64 * 1024
"""Bytes per block: the least a range request fetches (an MP4 index or a GOP: a few blocks)."""
_MAX_AHEAD_BLOCKS = 64
"""Read-ahead grows to at most this many blocks (4 MiB) per request."""
STORE_BLOCKS = 128
"""Blocks a :class:`BlockStore` keeps by default (8 MiB); the least recently used go first."""
_STEP_BLOCKS = 64
"""A long read is served in steps of this many blocks (4 MiB), each fetched then copied."""

Fetch = Callable[[int, int], bytes]
"""``fetch(start, end)``: the bytes ``[start, end)`` of the file, in one request."""


class BlockStore:
    """Blocks of remote files kept in memory, least recently used dropped first; thread-safe.

    Args:
        max_blocks: Blocks kept (each :data:`BLOCK_BYTES`); memory stays under
            ``max_blocks * BLOCK_BYTES``.
    """

    def __init__(self, max_blocks: int = STORE_BLOCKS) -> None:
        self._blocks: OrderedDict[tuple[str, int], bytes] = OrderedDict()
        self._max = max(1, max_blocks)
        self._lock = threading.Lock()

    def get(self, name: str, block: int) -> bytes | None:
        """A kept block, or None."""
        with self._lock:
            data = self._blocks.get((name, block))
            if data is not None:
                self._blocks.move_to_end((name, block))
            return data

    def put(self, name: str, block: int, data: bytes) -> None:
        """Keep a block, dropping the least recently used beyond the limit."""
        with self._lock:
            self._blocks[(name, block)] = data
            self._blocks.move_to_end((name, block))
            while len(self._blocks) > self._max:
                self._blocks.popitem(last=False)

    def clear(self) -> None:
        """Drop every block."""
        with self._lock:
            self._blocks.clear()


class RangedFile(io.RawIOBase):
    """A read-only, seekable binary file over ``fetch``.

    Used as it is (not in a :class:`io.BufferedReader`, whose own read-ahead would fetch a
    block past every read): reads return all the bytes asked for, up to the end.

    Args:
        fetch: Fetches ``[start, end)``; its errors propagate from :meth:`readinto`.
        size: The file's size in bytes.
        name: What messages call the file; also its key in ``store`` (one name, one content).
        on_fetch: Called with the number of bytes of each request, as it completes.
        store: Where blocks are kept; None keeps them for this file only.
    """

    def __init__(
        self,
        fetch: Fetch,
        *,
        size: int,
        name: str,
        on_fetch: Callable[[int], None],
        store: BlockStore | None = None,
    ) -> None:
        super().__init__()
        self._fetch, self._size, self.name, self._on_fetch = fetch, size, name, on_fetch
        self._store = store or BlockStore()
        self._pos = 0
        self._ahead = 1
        self._next_block = -1  # the block after the last one fetched, for read-ahead

    def readinto(self, buffer: Any) -> int:
        """Copy bytes from the current position into ``buffer``; 0 at the end of the file."""
        view = memoryview(buffer).cast("B")
        count = max(0, min(len(view), self._size - self._pos))
        done = 0
        while done < count:
            start = self._pos + done
            stop = min(self._pos + count, (start // BLOCK_BYTES + _STEP_BLOCKS) * BLOCK_BYTES)
            # Held here for the copy: another file of the store may drop them meanwhile.
            blocks = self._blocks(start // BLOCK_BYTES, (stop - 1) // BLOCK_BYTES)
            while start < stop:
                block, offset = divmod(start, BLOCK_BYTES)
                piece = blocks[block][offset : offset + stop - start]
                view[done : done + len(piece)] = piece
                done, start = done + len(piece), start + len(piece)
        self._pos += done
        return done

    def _blocks(self, first: int, last: int) -> dict[int, bytes]:
        """Blocks ``[first, last]``, fetching the missing ones: one request per run of them."""
        found = {b: self._store.get(self.name, b) for b in range(first, last + 1)}
        block = first
        while block <= last:
            if found[block] is not None:
                block += 1
                continue
            end = block
            while end + 1 <= last and found[end + 1] is None:
                end += 1
            if end == last:  # the run reaches the read's end: read ahead if going straight on
                sequential = block == self._next_block
                self._ahead = min(2 * self._ahead, _MAX_AHEAD_BLOCKS) if sequential else 1
                end = max(end, self._last_free(block + 1, block + self._ahead - 1))
            found.update(self._fetch_run(block, end))
            block = end + 1
        return {b: data for b, data in found.items() if data is not None}

    def _last_free(self, start: int, limit: int) -> int:
        """The block before the first kept one (or the end of the file) in ``[start, limit]``."""
        last = start - 1
        while last + 1 <= limit and (last + 1) * BLOCK_BYTES < self._size:
            if self._store.get(self.name, last + 1) is not None:
                break
            last += 1
        return last

    def _fetch_run(self, first: int, last: int) -> dict[int, bytes]:
        start, end = first * BLOCK_BYTES, min((last + 1) * BLOCK_BYTES, self._size)
        data = self._fetch(start, end)
        self._on_fetch(len(data))
        self._next_block = last + 1
        fetched = {}
        for index in range(first, last + 1):
            fetched[index] = data[(index - first) * BLOCK_BYTES :][:BLOCK_BYTES]
            self._store.put(self.name, index, fetched[index])
        return fetched

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        """Move to ``offset`` from the start, the current position or the end."""
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self._size}[whence]
        if base + offset < 0:
            raise ValueError(f"negative seek position {base + offset} in {self.name!r}")
        self._pos = base + offset
        return self._pos

    def tell(self) -> int:
        """The current position."""
        return self._pos

    def seekable(self) -> bool:
        """Always: every range can be fetched."""
        return True

    def readable(self) -> bool:
        """Always."""
        return True
