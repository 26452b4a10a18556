from http import HTTPStatus
from io import BytesIO
from typing import Any
from urllib.parse import quote
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.problem import Problem
from ...types import File, Response


def _get_kwargs(
    video_id: UUID,
    variant: str,
    segment: str,
) -> dict[str, Any]:

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/hls/{video_id}/{variant}/{segment}".format(
            video_id=quote(str(video_id), safe=""),
            variant=quote(str(variant), safe=""),
            segment=quote(str(segment), safe=""),
        ),
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> File | Problem | None:
    if response.status_code == 200:
        response_200 = File(payload=BytesIO(response.content))

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
) -> Response[File | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    video_id: UUID,
    variant: str,
    segment: str,
    *,
    client: AuthenticatedClient,
) -> Response[File | Problem]:
    """One segment (`{n}.ts`), made on demand: from the cache when already made, by the
    running ffmpeg when it is near (sent as it is written), else by an ffmpeg
    restarted at this segment.
    Counts as the caller's stream of the video (429 past the stream limits); 503 with
    `Retry-After` when every transcoding slot and the queue are full, or when ffmpeg
    failed on this video repeatedly.

     **Who may call:** any signed-in role: admin, user and guest.

    Args:
        video_id (UUID):
        variant (str):
        segment (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[File | Problem]
    """

    kwargs = _get_kwargs(
        video_id=video_id,
        variant=variant,
        segment=segment,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    video_id: UUID,
    variant: str,
    segment: str,
    *,
    client: AuthenticatedClient,
) -> File | Problem | None:
    """One segment (`{n}.ts`), made on demand: from the cache when already made, by the
    running ffmpeg when it is near (sent as it is written), else by an ffmpeg
    restarted at this segment.
    Counts as the caller's stream of the video (429 past the stream limits); 503 with
    `Retry-After` when every transcoding slot and the queue are full, or when ffmpeg
    failed on this video repeatedly.

     **Who may call:** any signed-in role: admin, user and guest.

    Args:
        video_id (UUID):
        variant (str):
        segment (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        File | Problem
    """

    return sync_detailed(
        video_id=video_id,
        variant=variant,
        segment=segment,
        client=client,
    ).parsed


async def asyncio_detailed(
    video_id: UUID,
    variant: str,
    segment: str,
    *,
    client: AuthenticatedClient,
) -> Response[File | Problem]:
    """One segment (`{n}.ts`), made on demand: from the cache when already made, by the
    running ffmpeg when it is near (sent as it is written), else by an ffmpeg
    restarted at this segment.
    Counts as the caller's stream of the video (429 past the stream limits); 503 with
    `Retry-After` when every transcoding slot and the queue are full, or when ffmpeg
    failed on this video repeatedly.

     **Who may call:** any signed-in role: admin, user and guest.

    Args:
        video_id (UUID):
        variant (str):
        segment (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[File | Problem]
    """

    kwargs = _get_kwargs(
        video_id=video_id,
        variant=variant,
        segment=segment,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    video_id: UUID,
    variant: str,
    segment: str,
    *,
    client: AuthenticatedClient,
) -> File | Problem | None:
    """One segment (`{n}.ts`), made on demand: from the cache when already made, by the
    running ffmpeg when it is near (sent as it is written), else by an ffmpeg
    restarted at this segment.
    Counts as the caller's stream of the video (429 past the stream limits); 503 with
    `Retry-After` when every transcoding slot and the queue are full, or when ffmpeg
    failed on this video repeatedly.

     **Who may call:** any signed-in role: admin, user and guest.

    Args:
        video_id (UUID):
        variant (str):
        segment (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        File | Problem
    """

    return (
        await asyncio_detailed(
            video_id=video_id,
            variant=variant,
            segment=segment,
            client=client,
        )
    ).parsed
