"""Contains all the data models used in inputs/outputs"""

from .account import Account
from .account_page import AccountPage
from .active_stream import ActiveStream
from .add_video import AddVideo
from .analytics_report import AnalyticsReport
from .audio_stream import AudioStream
from .bucket_width import BucketWidth
from .cache_counts import CacheCounts
from .change_password import ChangePassword
from .client_preset import ClientPreset
from .create_user import CreateUser
from .database_status import DatabaseStatus
from .device_type import DeviceType
from .dlna_device import DlnaDevice
from .dlna_device_change import DlnaDeviceChange
from .entry import Entry
from .episode import Episode
from .episode_list import EpisodeList
from .facets import Facets
from .guest_login import GuestLogin
from .guest_pass import GuestPass
from .health import Health
from .history_page import HistoryPage
from .image_kind import ImageKind
from .issued_guest_pass import IssuedGuestPass
from .library_info import LibraryInfo
from .login_request import LoginRequest
from .login_response import LoginResponse
from .move_video import MoveVideo
from .my_stats import MyStats
from .new_guest_pass import NewGuestPass
from .new_playlist import NewPlaylist
from .next_video import NextVideo
from .order import Order
from .period import Period
from .period_figures import PeriodFigures
from .playback_info import PlaybackInfo
from .playback_method import PlaybackMethod
from .playback_request import PlaybackRequest
from .player_state import PlayerState
from .playlist import Playlist
from .playlist_changes import PlaylistChanges
from .playlist_detail import PlaylistDetail
from .popular_video import PopularVideo
from .preferences import Preferences
from .problem import Problem
from .progress_report import ProgressReport
from .progressive_mode import ProgressiveMode
from .quality import Quality
from .rating_request import RatingRequest
from .readiness import Readiness
from .ready_status import ReadyStatus
from .redis_status import RedisStatus
from .reset_password import ResetPassword
from .role import Role
from .scan_progress import ScanProgress
from .season import Season
from .series import Series
from .series_detail import SeriesDetail
from .series_page import SeriesPage
from .series_sort import SeriesSort
from .session import Session
from .sidecar import Sidecar
from .sort import Sort
from .stream_url import StreamUrl
from .subtitle_stream import SubtitleStream
from .text_track import TextTrack
from .top_video import TopVideo
from .update_user import UpdateUser
from .user_data import UserData
from .user_totals import UserTotals
from .video import Video
from .video_codec_support import VideoCodecSupport
from .video_kind import VideoKind
from .video_page import VideoPage
from .watched_video import WatchedVideo

__all__ = (
    "Account",
    "AccountPage",
    "ActiveStream",
    "AddVideo",
    "AnalyticsReport",
    "AudioStream",
    "BucketWidth",
    "CacheCounts",
    "ChangePassword",
    "ClientPreset",
    "CreateUser",
    "DatabaseStatus",
    "DeviceType",
    "DlnaDevice",
    "DlnaDeviceChange",
    "Entry",
    "Episode",
    "EpisodeList",
    "Facets",
    "GuestLogin",
    "GuestPass",
    "Health",
    "HistoryPage",
    "ImageKind",
    "IssuedGuestPass",
    "LibraryInfo",
    "LoginRequest",
    "LoginResponse",
    "MoveVideo",
    "MyStats",
    "NewGuestPass",
    "NewPlaylist",
    "NextVideo",
    "Order",
    "Period",
    "PeriodFigures",
    "PlaybackInfo",
    "PlaybackMethod",
    "PlaybackRequest",
    "PlayerState",
    "Playlist",
    "PlaylistChanges",
    "PlaylistDetail",
    "PopularVideo",
    "Preferences",
    "Problem",
    "ProgressReport",
    "ProgressiveMode",
    "Quality",
    "RatingRequest",
    "Readiness",
    "ReadyStatus",
    "RedisStatus",
    "ResetPassword",
    "Role",
    "ScanProgress",
    "Season",
    "Series",
    "SeriesDetail",
    "SeriesPage",
    "SeriesSort",
    "Session",
    "Sidecar",
    "Sort",
    "StreamUrl",
    "SubtitleStream",
    "TextTrack",
    "TopVideo",
    "UpdateUser",
    "UserData",
    "UserTotals",
    "Video",
    "VideoCodecSupport",
    "VideoKind",
    "VideoPage",
    "WatchedVideo",
)
