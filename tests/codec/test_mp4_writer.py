"""The MP4 writer's decode-timestamp repair (``lerobot_video.codec.mp4_writer``).

Covers: libx265's garbage decode timestamps on 1-2 frame clips, both the huge negative ones
and the rare small ones (pts 0, dts -2) the muxer would accept and turn into a shifted
timeline, are replaced; legitimate reordering delays of a longer stream are kept. Also a
real 1- and 2-frame x265 clip through :class:`Mp4Writer`, frames at ``i / fps``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest

from lerobot_video import DepthEncoderConfig, decode_depth_codes, plan_encoder, probe_video
from lerobot_video.codec.frames import DepthVideoFrames
from lerobot_video.codec.mp4_writer import Mp4Writer, _DecodeTimestamps


def _packets(pairs: list[tuple[int, int | None]]) -> list[av.Packet[Any]]:
    packets = []
    for pts, dts in pairs:
        packet = av.Packet(b"\x00")
        packet.pts, packet.dts = pts, dts
        packets.append(packet)
    return packets


def _repaired(
    pairs: list[tuple[int, int | None]], frames_received: int
) -> list[tuple[int | None, int | None]]:
    fixed = _DecodeTimestamps().repair(_packets(pairs), frames_received)
    return [(p.pts, p.dts) for p in fixed]


class TestDecodeTimestampRepair:
    @pytest.mark.parametrize(
        ("pairs", "frames_received", "expected"),
        [
            ([(0, -2)], 1, [(0, 0)]),  # small garbage, one frame: no reordering possible
            ([(0, -2), (1, -1)], 2, [(0, 0), (1, 1)]),  # two frames: at most one frame late
            ([(0, 1), (1, 2)], 2, [(0, 0), (1, 1)]),  # dts after pts
            ([(0, -171798691880)], 1, [(0, 0)]),  # the usual huge garbage
            ([(0, None), (1, None)], 2, [(0, 0), (1, 1)]),
        ],
    )
    def test_garbage_is_replaced(
        self,
        pairs: list[tuple[int, int | None]],
        frames_received: int,
        expected: list[tuple[int | None, int | None]],
    ) -> None:
        assert _repaired(pairs, frames_received) == expected

    def test_reordering_delay_of_a_long_stream_is_kept(self) -> None:
        # Two B-frames of delay, packets emitted after the encoder has seen 10 frames.
        pairs: list[tuple[int, int | None]] = [(0, -2), (3, -1), (1, 0), (2, 1), (6, 2)]
        assert _repaired(pairs, 10) == pairs

    def test_delay_beyond_sixteen_frames_is_garbage_even_late_in_a_stream(self) -> None:
        assert _repaired([(40, 20)], 100) == [(40, 40)]


@pytest.mark.requires_encoder("libx265")
@pytest.mark.parametrize("count", [1, 2])
def test_one_and_two_frame_x265_clips_play_at_frame_times(tmp_path: Path, count: int) -> None:
    config = DepthEncoderConfig()
    path = tmp_path / "d.mp4"
    writer = Mp4Writer(path, fps=30, plan=plan_encoder(config))
    to_frame = DepthVideoFrames(config)
    codes = [np.full((48, 64), 200 * (i + 1), np.uint16) for i in range(count)]
    for frame in codes:
        writer.write(to_frame(frame))
    writer.close()
    assert probe_video(path).num_frames == count
    decoded = decode_depth_codes(path, [i / 30 for i in range(count)])
    assert decoded.shape == (count, 48, 64)
    assert len({int(frame[0, 0]) for frame in decoded}) == count
