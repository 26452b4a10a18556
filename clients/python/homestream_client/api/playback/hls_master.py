from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    video_id: UUID,
    *,
    max_height: int | Unset = UNSET,
    max_bitrate_kbps: int | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["max_height"] = max_height

    params["max_bitrate_kbps"] = max_bitrate_kbps

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/hls/{video_id}/master.m3u8".format(
            video_id=quote(str(video_id), safe=""),
        ),
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Problem | str | None:
    if response.status_code == 200:
        response_200 = cast(str, response.content)
        return response_200

    if response.status_code == 400:
        response_400 = Problem.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = Problem.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = Problem.from_dict(response.json())

        return response_403

    if response.status_code == 404:
        response_404 = Problem.from_dict(response.json())

        return response_404

    if response.status_code == 405:
        response_405 = Problem.from_dict(response.json())

        return response_405

    if response.status_code == 408:
        response_408 = Problem.from_dict(response.json())

        return response_408

    if response.status_code == 409:
        response_409 = Problem.from_dict(response.json())

        return response_409

    if response.status_code == 413:
        response_413 = Problem.from_dict(response.json())

        return response_413

    if response.status_code == 422:
        response_422 = Problem.from_dict(response.json())

        return response_422

    if response.status_code == 429:
        response_429 = Problem.from_dict(response.json())

        return response_429

    if response.status_code == 500:
        response_500 = Problem.from_dict(response.json())

        return response_500

    if response.status_code == 503:
        response_503 = Problem.from_dict(response.json())

        return response_503

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[Problem | str]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    video_id: UUID,
    *,
    client: AuthenticatedClient,
    max_height: int | Unset = UNSET,
    max_bitrate_kbps: int | Unset = UNSET,
) -> Response[Problem | str]:
    """The HLS master playlist of a video: a ladder of H.264/AAC variants at or below the
    source (1080p, 720p, 480p as the source allows), an audio-only fallback and the
    text subtitles. `max_height` and `max_bitrate_kbps` drop the variants above them.

     **Who may call:** any signed-in role: admin, user and guest.

    Args:
        video_id (UUID):
        max_height (int | Unset):
        max_bitrate_kbps (int | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | str]
    """

    kwargs = _get_kwargs(
        video_id=video_id,
        max_height=max_height,
        max_bitrate_kbps=max_bitrate_kbps,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    video_id: UUID,
    *,
    client: AuthenticatedClient,
    max_height: int | Unset = UNSET,
    max_bitrate_kbps: int | Unset = UNSET,
) -> Problem | str | None:
    """The HLS master playlist of a video: a ladder of H.264/AAC variants at or below the
    source (1080p, 720p, 480p as the source allows), an audio-only fallback and the
    text subtitles. `max_height` and `max_bitrate_kbps` drop the variants above them.

     **Who may call:** any signed-in role: admin, user and guest.

    Args:
        video_id (UUID):
        max_height (int | Unset):
        max_bitrate_kbps (int | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | str
    """

    return sync_detailed(
        video_id=video_id,
        client=client,
        max_height=max_height,
        max_bitrate_kbps=max_bitrate_kbps,
    ).parsed


async def asyncio_detailed(
    video_id: UUID,
    *,
    client: AuthenticatedClient,
    max_height: int | Unset = UNSET,
    max_bitrate_kbps: int | Unset = UNSET,
) -> Response[Problem | str]:
    """The HLS master playlist of a video: a ladder of H.264/AAC variants at or below the
    source (1080p, 720p, 480p as the source allows), an audio-only fallback and the
    text subtitles. `max_height` and `max_bitrate_kbps` drop the variants above them.

     **Who may call:** any signed-in role: admin, user and guest.

    Args:
        video_id (UUID):
        max_height (int | Unset):
        max_bitrate_kbps (int | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | str]
    """

    kwargs = _get_kwargs(
        video_id=video_id,
        max_height=max_height,
        max_bitrate_kbps=max_bitrate_kbps,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    video_id: UUID,
    *,
    client: AuthenticatedClient,
    max_height: int | Unset = UNSET,
    max_bitrate_kbps: int | Unset = UNSET,
) -> Problem | str | None:
    """The HLS master playlist of a video: a ladder of H.264/AAC variants at or below the
    source (1080p, 720p, 480p as the source allows), an audio-only fallback and the
    text subtitles. `max_height` and `max_bitrate_kbps` drop the variants above them.

     **Who may call:** any signed-in role: admin, user and guest.

    Args:
        video_id (UUID):
        max_height (int | Unset):
        max_bitrate_kbps (int | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | str
    """

    return (
        await asyncio_detailed(
            video_id=video_id,
            client=client,
            max_height=max_height,
            max_bitrate_kbps=max_bitrate_kbps,
        )
    ).parsed
