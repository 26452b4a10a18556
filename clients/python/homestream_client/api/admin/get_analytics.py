import datetime
from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.analytics_report import AnalyticsReport
from ...models.bucket_width import BucketWidth
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    from_: datetime.datetime | Unset = UNSET,
    to: datetime.datetime | Unset = UNSET,
    bucket: BucketWidth | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_from_: str | Unset = UNSET
    if not isinstance(from_, Unset):
        json_from_ = from_.isoformat()
    params["from"] = json_from_

    json_to: str | Unset = UNSET
    if not isinstance(to, Unset):
        json_to = to.isoformat()
    params["to"] = json_to

    json_bucket: str | Unset = UNSET
    if not isinstance(bucket, Unset):
        json_bucket = bucket.value

    params["bucket"] = json_bucket

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/admin/analytics",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> AnalyticsReport | Problem | None:
    if response.status_code == 200:
        response_200 = AnalyticsReport.from_dict(response.json())

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
) -> Response[AnalyticsReport | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    from_: datetime.datetime | Unset = UNSET,
    to: datetime.datetime | Unset = UNSET,
    bucket: BucketWidth | Unset = UNSET,
) -> Response[AnalyticsReport | Problem]:
    """Viewing analytics (administrators): per bucket and in total, active users,
    sessions, plays, the peak of concurrent streams, watch hours, bytes streamed and
    the direct/remux/transcode shares; the most played videos and every user's
    totals. A playback counts where it started, its watch time and bytes where it
    stopped.

     **Who may call:** admin only; a user or guest gets 403.

    Args:
        from_ (datetime.datetime | Unset):
        to (datetime.datetime | Unset):
        bucket (BucketWidth | Unset): The width of a report's buckets (UTC; weeks start on
            Monday).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[AnalyticsReport | Problem]
    """

    kwargs = _get_kwargs(
        from_=from_,
        to=to,
        bucket=bucket,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    from_: datetime.datetime | Unset = UNSET,
    to: datetime.datetime | Unset = UNSET,
    bucket: BucketWidth | Unset = UNSET,
) -> AnalyticsReport | Problem | None:
    """Viewing analytics (administrators): per bucket and in total, active users,
    sessions, plays, the peak of concurrent streams, watch hours, bytes streamed and
    the direct/remux/transcode shares; the most played videos and every user's
    totals. A playback counts where it started, its watch time and bytes where it
    stopped.

     **Who may call:** admin only; a user or guest gets 403.

    Args:
        from_ (datetime.datetime | Unset):
        to (datetime.datetime | Unset):
        bucket (BucketWidth | Unset): The width of a report's buckets (UTC; weeks start on
            Monday).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        AnalyticsReport | Problem
    """

    return sync_detailed(
        client=client,
        from_=from_,
        to=to,
        bucket=bucket,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    from_: datetime.datetime | Unset = UNSET,
    to: datetime.datetime | Unset = UNSET,
    bucket: BucketWidth | Unset = UNSET,
) -> Response[AnalyticsReport | Problem]:
    """Viewing analytics (administrators): per bucket and in total, active users,
    sessions, plays, the peak of concurrent streams, watch hours, bytes streamed and
    the direct/remux/transcode shares; the most played videos and every user's
    totals. A playback counts where it started, its watch time and bytes where it
    stopped.

     **Who may call:** admin only; a user or guest gets 403.

    Args:
        from_ (datetime.datetime | Unset):
        to (datetime.datetime | Unset):
        bucket (BucketWidth | Unset): The width of a report's buckets (UTC; weeks start on
            Monday).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[AnalyticsReport | Problem]
    """

    kwargs = _get_kwargs(
        from_=from_,
        to=to,
        bucket=bucket,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    from_: datetime.datetime | Unset = UNSET,
    to: datetime.datetime | Unset = UNSET,
    bucket: BucketWidth | Unset = UNSET,
) -> AnalyticsReport | Problem | None:
    """Viewing analytics (administrators): per bucket and in total, active users,
    sessions, plays, the peak of concurrent streams, watch hours, bytes streamed and
    the direct/remux/transcode shares; the most played videos and every user's
    totals. A playback counts where it started, its watch time and bytes where it
    stopped.

     **Who may call:** admin only; a user or guest gets 403.

    Args:
        from_ (datetime.datetime | Unset):
        to (datetime.datetime | Unset):
        bucket (BucketWidth | Unset): The width of a report's buckets (UTC; weeks start on
            Monday).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        AnalyticsReport | Problem
    """

    return (
        await asyncio_detailed(
            client=client,
            from_=from_,
            to=to,
            bucket=bucket,
        )
    ).parsed
