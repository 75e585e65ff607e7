"""``RangedFile`` (``lerobot_video/dataset/ranged_file.py``): bytes by range, in blocks.

Covers: any seek/read pattern returns the file's bytes; each byte fetched is counted; a block
is fetched once while kept; reading straight on doubles the read-ahead (few requests for a
long sequential read) and a jump starts it over; PyAV and the MP4 index read through it; a
fetch error reaches the reader.
"""

from __future__ import annotations

import io
import random
from pathlib import Path
from typing import BinaryIO, cast

import av
import pytest

from lerobot_video.codec.mp4_index import read_sample_index
from lerobot_video.dataset.ranged_file import BLOCK_BYTES, BlockStore, RangedFile


class Remote:
    """A file's bytes behind a counting fetch, as a server would serve ranges."""

    def __init__(self, data: bytes) -> None:
        self.data, self.requests, self.counted = data, list[tuple[int, int]](), 0

    def fetch(self, start: int, end: int) -> bytes:
        assert 0 <= start < end <= len(self.data)
        self.requests.append((start, end))
        return self.data[start:end]

    def open(self) -> RangedFile:
        def count(n: int) -> None:
            self.counted += n

        return RangedFile(self.fetch, size=len(self.data), name="remote.bin", on_fetch=count)


@pytest.fixture
def remote() -> Remote:
    return Remote(random.Random(7).randbytes(20 * BLOCK_BYTES + 123))


def test_random_seeks_and_reads_give_the_files_bytes(remote: Remote) -> None:
    rng = random.Random(3)
    with remote.open() as file:
        for _ in range(300):
            start = rng.randrange(len(remote.data) + 10)
            size = rng.choice([0, 1, 7, 4096, BLOCK_BYTES, 3 * BLOCK_BYTES])
            file.seek(start)
            assert file.read(size) == remote.data[start : start + size]
    assert remote.counted == sum(end - start for start, end in remote.requests)


def test_reading_the_end_fetches_only_the_last_block(remote: Remote) -> None:
    with remote.open() as file:
        file.seek(-100, io.SEEK_END)
        assert file.read() == remote.data[-100:]
    assert remote.requests == [(20 * BLOCK_BYTES, len(remote.data))]
    assert remote.counted == 123


def test_a_kept_block_is_not_fetched_again(remote: Remote) -> None:
    counts = []
    with remote.open() as file:
        for _ in range(5):
            file.seek(10)
            file.read(100)
            file.seek(BLOCK_BYTES * 5 + 1)
            file.read(100)
            counts.append(len(remote.requests))
    assert counts[0] > 0
    assert counts == counts[:1] * 5


def test_sequential_reading_grows_the_read_ahead(remote: Remote) -> None:
    with remote.open() as file:
        assert file.read() == remote.data
    sizes = [(end - start) // BLOCK_BYTES for start, end in remote.requests]
    assert sizes[:4] == [1, 2, 4, 8]  # 15 blocks in 4 requests, then the rest
    assert len(remote.requests) <= 6
    assert remote.counted == len(remote.data)  # nothing fetched twice


def test_a_fetch_error_reaches_the_reader() -> None:
    def failing(start: int, end: int) -> bytes:
        raise OSError("connection reset")

    raw = RangedFile(failing, size=1000, name="x", on_fetch=lambda n: None)
    with pytest.raises(OSError, match="connection reset"):
        raw.read(10)


def test_negative_seek_is_refused(remote: Remote) -> None:
    with remote.open() as file, pytest.raises(ValueError, match="negative seek"):
        file.seek(-1)


def test_pyav_and_the_mp4_index_read_through_it(tmp_path: Path) -> None:
    path = tmp_path / "clip.mp4"
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=30, options={"g": "10"})
        stream.width, stream.height, stream.pix_fmt = 320, 240, "yuv420p"
        for i in range(90):
            frame = av.VideoFrame(320, 240, "yuv420p")
            for plane in frame.planes:
                plane.update(random.Random(i).randbytes(plane.buffer_size))
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    remote = Remote(path.read_bytes())
    with remote.open() as file:
        index = read_sample_index(cast(BinaryIO, file))
        file.seek(0)
        with av.open(file, mode="r") as container:
            first = next(container.decode(video=0))
    assert index.sizes.size == 90
    assert (first.width, first.height) == (320, 240)
    assert index.offsets.tolist() == read_sample_index(path).offsets.tolist()
    assert remote.counted < len(remote.data) / 2  # the index and the first GOP, not the file


def test_files_sharing_a_store_fetch_a_block_once(remote: Remote) -> None:
    store = BlockStore(max_blocks=8)
    for _ in range(3):  # the same file opened three times
        file = RangedFile(
            remote.fetch, size=len(remote.data), name="f", on_fetch=lambda n: None, store=store
        )
        file.seek(-100, io.SEEK_END)
        assert file.read(100) == remote.data[-100:]
    assert len(remote.requests) == 1


def test_a_store_stays_within_its_blocks(remote: Remote) -> None:
    store = BlockStore(max_blocks=4)
    file = RangedFile(
        remote.fetch, size=len(remote.data), name="f", on_fetch=lambda n: None, store=store
    )
    assert file.read() == remote.data  # a read longer than the store still comes back whole
    kept = [b for b in range(21) if store.get("f", b) is not None]
    assert len(kept) == 4
