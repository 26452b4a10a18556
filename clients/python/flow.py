"""A whole user's flow through the generated Python client (homestream_client).

Logs in, lists and searches videos, reads one, gets a signed link, fetches a byte
range through it, reports progress, rates, creates and fills a playlist, and reads
preferences and sessions. Any answer that is not the documented success fails.

    python clients/python/flow.py --url http://127.0.0.1:3000 --username ann --password ...
"""

import argparse
import sys

from homestream_client import AuthenticatedClient, Client
from homestream_client.api.auth import login
from homestream_client.api.playlists import add_playlist_video, create_playlist, get_playlist
from homestream_client.api.sessions import list_my_sessions
from homestream_client.api.streaming import stream_video
from homestream_client.api.videos import create_stream_url, get_video, list_videos
from homestream_client.api.watching import get_preferences, rate_video, report_progress
from homestream_client.models import (
    AddVideo,
    LoginRequest,
    LoginResponse,
    NewPlaylist,
    PlaylistDetail,
    Preferences,
    ProgressReport,
    RatingRequest,
    StreamUrl,
    UserData,
    Video,
    VideoPage,
)
from homestream_client.models.player_state import PlayerState
from homestream_client.models.sort import Sort


def expect(value, kind, what):
    """The parsed answer, or a failure naming what was asked and what came back."""
    if not isinstance(value, kind):
        sys.exit(f"{what}: expected {kind.__name__}, got {value!r}")
    return value


def main() -> None:
    args = argparse.ArgumentParser()
    args.add_argument("--url", required=True)
    args.add_argument("--username", required=True)
    args.add_argument("--password", required=True)
    opts = args.parse_args()

    anonymous = Client(base_url=opts.url, raise_on_unexpected_status=True)
    session = expect(
        login.sync(client=anonymous, body=LoginRequest(username=opts.username, password=opts.password)),
        LoginResponse,
        "login",
    )
    client = AuthenticatedClient(base_url=opts.url, token=session.access_token, raise_on_unexpected_status=True)

    page = expect(list_videos.sync(client=client, sort=Sort.TITLE), VideoPage, "list videos")
    assert page.total >= 2 and len(page.items) == page.total, page
    titles = [v.title for v in page.items]
    assert titles == sorted(titles, key=str.lower), titles
    first = page.items[0]
    found = expect(list_videos.sync(client=client, q=first.title), VideoPage, "search")
    assert first.id in [v.id for v in found.items] and found.total < page.total, found

    video = expect(get_video.sync(first.id, client=client), Video, "get video")
    assert video.size > 0 and video.duration and video.duration > 0, video

    link = expect(create_stream_url.sync(video.id, client=client), StreamUrl, "signed link")
    # The signed link alone, without the bearer token: the LinkAuth scheme.
    player = Client(base_url=opts.url, httpx_args={"params": {"token": link.token}})
    ranged = stream_video.sync_detailed(video.id, client=player, range_="bytes=0-99")
    assert ranged.status_code == 206, ranged
    assert len(ranged.content) == 100, len(ranged.content)
    assert ranged.headers["content-range"] == f"bytes 0-99/{video.size}", ranged.headers

    position = video.duration / 2
    progress = expect(
        report_progress.sync(
            video.id, client=client, body=ProgressReport(position_seconds=position, state=PlayerState.PAUSED)
        ),
        UserData,
        "progress",
    )
    assert abs(progress.position_seconds - position) < 0.01, progress
    rated = expect(rate_video.sync(video.id, client=client, body=RatingRequest(rating=4)), UserData, "rate")
    assert rated.rating == 4, rated
    again = expect(get_video.sync(video.id, client=client), Video, "get video again")
    assert again.user_data and again.user_data.rating == 4, again

    playlist = expect(
        create_playlist.sync(client=client, body=NewPlaylist(name="From Python", description=None)),
        PlaylistDetail,
        "create playlist",
    )
    for v in page.items[:2]:
        expect(
            add_playlist_video.sync(playlist.id, client=client, body=AddVideo(video_id=v.id)),
            PlaylistDetail,
            "add to playlist",
        )
    filled = expect(get_playlist.sync(playlist.id, client=client), PlaylistDetail, "get playlist")
    assert [e.video.id for e in filled.entries] == [v.id for v in page.items[:2]], filled

    expect(get_preferences.sync(client=client), Preferences, "preferences")
    sessions = list_my_sessions.sync(client=client)
    assert isinstance(sessions, list) and any(s.current for s in sessions), sessions
    print(f"python client flow: {page.total} videos, range of {len(ranged.content)} bytes, playlist of {len(filled.entries)}")


if __name__ == "__main__":
    main()
