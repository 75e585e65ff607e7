"""Record tab: preview a camera and record episodes into a LeRobot v3.0 dataset, then zip it."""

from __future__ import annotations

from typing import Any

import gradio as gr
import numpy as np
import numpy.typing as npt
from gradio.context import Context

from components.feedback import progress_callback, shows_library_errors
from components.record.form import (
    DATASETS_FOLDER,
    TASK_MISSING,
    open_recorder,
    validate_dataset_form,
)
from components.record.layout import RecordPage, build_record_page
from components.record.session import RecordSession, RecordSessions
from components.record.sources import (
    describe_source,
    find_source,
    make_source,
    rescan_sources,
    source_choices,
)
from components.record.view import episode_rows, idle_html, stats_html
from components.state import AppSettings, SessionState
from components.widgets import (
    pixel_formats_for,
    validate_depth_form,
    validate_form,
)
from lerobot_video import (
    DatasetReader,
    LeRobotVideoError,
    archive_dataset,
    colorize_depth,
    open_dataset,
)

DEPTH_NEAR_MM = 200.0  # the colour scale's near end; the far end is a slider


def controls(session: RecordSession) -> list[Any]:
    """The dataset form or its summary, and which controls can be used now (``page.layout``)."""
    previewing = session.source is not None
    recording = session.is_recording
    dataset_open = session.recorder is not None
    can_zip = bool(session.video_bytes) and not recording
    return [
        gr.update(visible=not dataset_open),
        gr.update(value=session.summary, visible=dataset_open),
        gr.update(interactive=not previewing),
        gr.update(interactive=not previewing),
        gr.update(interactive=previewing),
        gr.update(interactive=previewing and not recording),
        gr.update(interactive=recording),
        gr.update(interactive=recording),
        gr.update(interactive=can_zip),
    ]


@shows_library_errors
def start_preview(session: RecordSession, label: str) -> list[Any]:
    """Start the chosen source; the timer then shows its frames."""
    with session.lock:
        if session.source is not None:
            raise gr.Error("The preview is already running; stop it to switch source.")
        status = find_source(label)
        if not status.available:
            raise gr.Error(f"{status.label} cannot be used: {status.message}")
        source = make_source(status)
        source.start()
        session.source = source
    message = "Preview started. Fill in the dataset form, then press **R** (Start episode)."
    return [message, gr.Timer(active=True), *controls(session)]


@shows_library_errors
def stop_preview(session: RecordSession) -> list[Any]:
    """Stop the source and finish the dataset; its saved episodes stay listed."""
    if session.stop():
        gr.Warning("The episode being recorded was discarded (not saved).")
    root = session.dataset_root
    message = "Preview stopped."
    if root is not None:
        count = len(session.video_bytes)
        message = (
            f"Finished dataset `{root.name}` with {count} episode(s). Zip it to download it, "
            "or start the preview again to record a new dataset."
        )
    return [
        message,
        gr.Timer(active=False),
        idle_html("Choose a source and press Start preview."),
        *controls(session),
    ]


@shows_library_errors
def start_episode(
    session: RecordSession,
    state: SessionState,
    form: tuple[str, float | None, str, str, str, bool],
    knobs: tuple[Any, ...],
    settings: AppSettings,
) -> list[Any]:
    """Start recording an episode; the first one creates the dataset from the form.

    ``form`` is (name, fps, task, robot type, camera name, real-time); ``knobs`` are the RGB
    encoder form's values followed by the depth form's.
    """
    with session.lock:
        if session.source is None:
            raise gr.Error("Start the preview first: choose a source and press Start preview.")
        new_dataset = session.recorder is None
        if session.recorder is None:
            open_recorder(session, state.work_dir(settings) / DATASETS_FOLDER, form, knobs)
        assert session.recorder is not None
        session.recorder.start_episode()
        index = session.recorder.writer.num_episodes
    # A new dataset has no episodes yet: clear the last dataset's list and zip.
    cleared = gr.update(value=None, visible=False) if new_dataset else gr.update()
    message = f"Recording episode {index}… press **S** to save it, **X** to discard it."
    return [message, cleared, cleared, cleared, *controls(session)]


def _remember_episode(session: RecordSession, index: int, skipped: int) -> DatasetReader:
    """Note a saved episode's video bytes, skipped ticks and first frame; return the dataset."""
    assert session.dataset_root is not None
    reader = open_dataset(session.dataset_root)
    added = 0
    for key in reader.video_keys:  # videos are shared files: count what this episode added
        path = reader.video_path(key, index)
        size = path.stat().st_size
        added += size - session.file_sizes.get(path, 0)
        session.file_sizes[path] = size
    session.video_bytes[index], session.skipped_ticks[index] = added, skipped
    color = next(key for key in reader.video_keys if key not in reader.depth_keys)
    session.thumbnails[index] = reader.frames(color, index, [0])[0]
    return reader


def _episode_views(session: RecordSession, reader: DatasetReader) -> tuple[Any, Any]:
    rows = episode_rows(reader, session.video_bytes, session.skipped_ticks)
    gallery = [
        (session.thumbnails[e.episode_index], f"Episode {e.episode_index}")
        for e in reader.episodes
        if e.episode_index in session.thumbnails
    ]
    return gr.update(value=rows, visible=True), gr.update(value=gallery, visible=True)


@shows_library_errors
def stop_episode(session: RecordSession, progress: gr.Progress) -> list[Any]:
    """Stop the episode and save it (waits for its encoders), then list every episode."""
    with session.lock:
        if session.recorder is None:
            raise gr.Error("No episode is being recorded; press R (Start episode) first.")
        progress_callback(progress, "Saving the episode (finishing its videos)")(0, 0)
        skipped = session.recorder.stats().skipped
        episode = session.recorder.stop_episode()
        reader = _remember_episode(session, episode.episode_index, skipped)
    table, gallery = _episode_views(session, reader)
    message = (
        f"Saved episode {episode.episode_index}: {episode.length} frames. Press **R** for the next."
    )
    return [message, table, gallery, *controls(session)]


@shows_library_errors
def discard_episode(session: RecordSession) -> list[Any]:
    """Drop the episode being recorded; the dataset stays as it was."""
    with session.lock:
        if not session.is_recording or session.recorder is None:
            raise gr.Error("No episode is being recorded, so there is nothing to discard.")
        frames = session.recorder.stats().episode_frames
        session.recorder.discard_episode()
    message = (
        f"Discarded the episode ({frames} frames); the dataset is unchanged. Press **R** to retry."
    )
    return [message, *controls(session)]


@shows_library_errors
def zip_dataset(
    session: RecordSession, state: SessionState, settings: AppSettings, progress: gr.Progress
) -> Any:
    """Pack the session's dataset into a zip in the session folder and offer it for download."""
    with session.lock:
        root = session.dataset_root
        if root is None or not session.video_bytes:
            raise gr.Error("Record and save at least one episode before zipping the dataset.")
        if session.is_recording:
            raise gr.Error("Stop and save (or discard) the episode being recorded first.")
        destination = state.work_dir(settings) / "downloads" / f"{root.name}.zip"
        archive_dataset(root, destination, progress=progress_callback(progress, "Zipping"))
    return gr.update(value=str(destination), visible=True)


@shows_library_errors
def push_browser_frame(session: RecordSession, frame: npt.NDArray[np.uint8] | None) -> None:
    """Hand a frame from the page's webcam to the session's browser source, if it has one."""
    browser = session.browser
    if browser is not None and frame is not None:
        browser.push(frame)


def preview_tick(session: RecordSession, far_m: float) -> list[Any]:
    """The newest colour and depth frames and the live stats; never raises."""
    stats, note, frames = None, "", {}
    if session.recorder is not None:
        frames, stats = session.recorder.latest_frames(), session.recorder.stats()
        note = (
            "Press S to stop and save, X to discard."
            if session.is_recording
            else "Press R to record the next episode."
        )
    elif session.source is not None:
        try:
            frames = session.source.read(timeout_s=0.5)
            note = "Fill in the dataset form, then press R: the first episode creates the dataset."
        except LeRobotVideoError as err:
            note = str(err)
    else:
        return [gr.update(), gr.update(), idle_html("Choose a source and press Start preview.")]
    fps = float(session.recorder.writer.fps) if session.recorder is not None else 0.0
    color, depth = frames.get("color"), frames.get("depth")
    depth_image: Any = gr.update()
    if depth is not None:
        # Sources give uint16 millimetres (H, W, 1); colorize_depth takes float depth (H, W).
        depth_mm = depth[..., 0].astype(np.float32)
        depth_image = colorize_depth(depth_mm, value_range=(DEPTH_NEAR_MM, far_m * 1000))
    return [
        gr.update() if color is None else color,
        depth_image,
        stats_html(stats, fps=fps, note=note),
    ]


def render(session: gr.State, settings: AppSettings) -> None:
    """Build the Record tab and wire its events."""
    gr.Markdown(
        "Record episodes from a camera into a **LeRobot v3.0 dataset**. Frames are encoded while "
        "you record, so saving an episode only waits for the frames still queued."
    )
    choices = source_choices()
    note, _, depth_shown, *_ = describe_source(choices[0])
    page = build_record_page(
        choices,
        note,
        depth_visible=bool(depth_shown["visible"]),
        stats=idle_html("Choose a source and press Start preview."),
        verdict=f"⛔ {TASK_MISSING}",
    )
    sessions = RecordSessions()
    _wire_source(page, sessions)
    _wire_form(page, session, settings)
    _wire_recording(page, session, settings, sessions)
    root = Context.root_block
    if root is not None:  # stop a closed tab's camera and recorder at once
        root.unload(sessions.close)


def _wire_source(page: RecordPage, sessions: RecordSessions) -> None:
    source_outputs = [
        page.source_note,
        page.webcam,
        page.depth_accordion,
        page.depth_preview,
        page.far_m,
    ]
    page.source.change(
        describe_source,
        page.source,
        source_outputs,
        api_name="describe_source",
        api_visibility="private",
    )
    page.rescan.click(
        rescan_sources,
        page.source,
        [page.source, *source_outputs],
        api_name="rescan_sources",
        api_visibility="private",
    )

    def push(frame: npt.NDArray[np.uint8] | None, request: gr.Request) -> None:
        push_browser_frame(sessions.for_request(request), frame)

    page.webcam.stream(
        push,
        page.webcam,
        None,
        stream_every=0.1,
        concurrency_limit=None,
        api_name="push_browser_frame",
        api_visibility="private",
    )

    def tick(far_m: float, request: gr.Request) -> list[Any]:
        return preview_tick(sessions.for_request(request), far_m)

    page.timer.tick(
        tick,
        page.far_m,
        [page.color_preview, page.depth_preview, page.stats],
        show_progress="hidden",
        concurrency_limit=None,
        api_name="preview_tick",
        api_visibility="private",
    )


def _wire_form(page: RecordPage, session: gr.State, settings: AppSettings) -> None:
    def check(state: SessionState, name: str, fps: float | None, task: str) -> str:
        return validate_dataset_form(state, name, fps, task, settings)

    gr.on(
        [page.name.change, page.fps.change, page.task.change],
        check,
        [session, page.name, page.fps, page.task],
        page.form_verdict,
        api_name="validate_dataset_form",
        api_visibility="private",
        trigger_mode="always_last",
    )
    rgb = page.rgb_form
    rgb.vcodec.change(
        pixel_formats_for,
        [rgb.vcodec, rgb.pix_fmt],
        rgb.pix_fmt,
        api_name="record_pixel_formats_for",
        api_visibility="private",
    )
    for form_knobs, validate, verdict, api_name in (
        (rgb.knobs[1:], validate_form, rgb.verdict, "validate_record_rgb_form"),
        (
            page.depth_form.knobs,
            validate_depth_form,
            page.depth_form.verdict,
            "validate_record_depth_form",
        ),
    ):
        gr.on(
            [knob.change for knob in form_knobs],
            validate,
            form_knobs,
            verdict,
            api_name=api_name,
            api_visibility="private",
            trigger_mode="always_last",
        )


def _wire_recording(
    page: RecordPage, session: gr.State, settings: AppSettings, sessions: RecordSessions
) -> None:
    layout = page.layout
    previews = [page.color_preview, page.depth_preview]

    def start(label: str, request: gr.Request) -> list[Any]:
        return start_preview(sessions.for_request(request), label)

    def stop(request: gr.Request) -> list[Any]:
        return [*stop_preview(sessions.for_request(request)), None, None]

    def record(request: gr.Request, state: SessionState, *values: Any) -> list[Any]:
        form, knobs = values[: len(page.dataset_form)], values[len(page.dataset_form) :]
        return start_episode(sessions.for_request(request), state, form, knobs, settings)

    def save(
        request: gr.Request,
        progress: gr.Progress = gr.Progress(),  # noqa: B008 - Gradio injects the tracker
    ) -> list[Any]:
        return stop_episode(sessions.for_request(request), progress)

    def discard(request: gr.Request) -> list[Any]:
        return discard_episode(sessions.for_request(request))

    def pack(
        state: SessionState,
        request: gr.Request,
        progress: gr.Progress = gr.Progress(),  # noqa: B008 - Gradio injects the tracker
    ) -> Any:
        return zip_dataset(sessions.for_request(request), state, settings, progress)

    def action(trigger: Any, fn: Any, inputs: Any, outputs: list[Any], api_name: str) -> None:
        # Progress and error marks go on the status line only: Gradio would otherwise cover
        # every output (the whole dataset form) with them. One session's lock orders its own
        # actions, so sessions need not wait for each other.
        trigger(
            fn,
            inputs,
            outputs,
            api_name=api_name,
            concurrency_limit=None,
            show_progress_on=page.status,
        )

    action(
        page.start_preview.click,
        start,
        page.source,
        [page.status, page.timer, *layout],
        "start_preview",
    )
    action(
        page.stop_preview.click,
        stop,
        None,
        [page.status, page.timer, page.stats, *layout, *previews],
        "stop_preview",
    )
    action(
        page.start_episode.click,
        record,
        [session, *page.dataset_form, *page.encoder_knobs],
        [page.status, page.episodes, page.thumbnails, page.download, *layout],
        "start_episode",
    )
    action(
        page.stop_episode.click,
        save,
        None,
        [page.status, page.episodes, page.thumbnails, *layout],
        "stop_episode",
    )
    action(page.discard.click, discard, None, [page.status, *layout], "discard_episode")
    action(page.zip.click, pack, session, [page.download], "zip_dataset")
