from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.order import Order
from ...models.problem import Problem
from ...models.sort import Sort
from ...models.video_kind import VideoKind
from ...models.video_page import VideoPage
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    q: str | Unset = UNSET,
    library: str | Unset = UNSET,
    min_height: int | Unset = UNSET,
    codec: str | Unset = UNSET,
    kind: VideoKind | Unset = UNSET,
    genre: str | Unset = UNSET,
    year: int | Unset = UNSET,
    sort: Sort | Unset = UNSET,
    order: Order | Unset = UNSET,
    limit: int | Unset = 50,
    offset: int | Unset = 0,
    count: bool | Unset = True,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["q"] = q

    params["library"] = library

    params["min_height"] = min_height

    params["codec"] = codec

    json_kind: str | Unset = UNSET
    if not isinstance(kind, Unset):
        json_kind = kind.value

    params["kind"] = json_kind

    params["genre"] = genre

    params["year"] = year

    json_sort: str | Unset = UNSET
    if not isinstance(sort, Unset):
        json_sort = sort.value

    params["sort"] = json_sort

    json_order: str | Unset = UNSET
    if not isinstance(order, Unset):
        json_order = order.value

    params["order"] = json_order

    params["limit"] = limit

    params["offset"] = offset

    params["count"] = count

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/videos",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Problem | VideoPage | None:
    if response.status_code == 200:
        response_200 = VideoPage.from_dict(response.json())

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
) -> Response[Problem | VideoPage]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    q: str | Unset = UNSET,
    library: str | Unset = UNSET,
    min_height: int | Unset = UNSET,
    codec: str | Unset = UNSET,
    kind: VideoKind | Unset = UNSET,
    genre: str | Unset = UNSET,
    year: int | Unset = UNSET,
    sort: Sort | Unset = UNSET,
    order: Order | Unset = UNSET,
    limit: int | Unset = 50,
    offset: int | Unset = 0,
    count: bool | Unset = True,
) -> Response[Problem | VideoPage]:
    """Lists playable videos: search, filters, sorting and pagination.

     **Who may call:** any signed-in role: admin, user and guest.

    Args:
        q (str | Unset):
        library (str | Unset):
        min_height (int | Unset):
        codec (str | Unset):
        kind (VideoKind | Unset): What a catalog entry is.
        genre (str | Unset):
        year (int | Unset):
        sort (Sort | Unset): Catalog orders.
        order (Order | Unset):
        limit (int | Unset):  Default: 50.
        offset (int | Unset):  Default: 0.
        count (bool | Unset):  Default: True.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | VideoPage]
    """

    kwargs = _get_kwargs(
        q=q,
        library=library,
        min_height=min_height,
        codec=codec,
        kind=kind,
        genre=genre,
        year=year,
        sort=sort,
        order=order,
        limit=limit,
        offset=offset,
        count=count,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    q: str | Unset = UNSET,
    library: str | Unset = UNSET,
    min_height: int | Unset = UNSET,
    codec: str | Unset = UNSET,
    kind: VideoKind | Unset = UNSET,
    genre: str | Unset = UNSET,
    year: int | Unset = UNSET,
    sort: Sort | Unset = UNSET,
    order: Order | Unset = UNSET,
    limit: int | Unset = 50,
    offset: int | Unset = 0,
    count: bool | Unset = True,
) -> Problem | VideoPage | None:
    """Lists playable videos: search, filters, sorting and pagination.

     **Who may call:** any signed-in role: admin, user and guest.

    Args:
        q (str | Unset):
        library (str | Unset):
        min_height (int | Unset):
        codec (str | Unset):
        kind (VideoKind | Unset): What a catalog entry is.
        genre (str | Unset):
        year (int | Unset):
        sort (Sort | Unset): Catalog orders.
        order (Order | Unset):
        limit (int | Unset):  Default: 50.
        offset (int | Unset):  Default: 0.
        count (bool | Unset):  Default: True.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | VideoPage
    """

    return sync_detailed(
        client=client,
        q=q,
        library=library,
        min_height=min_height,
        codec=codec,
        kind=kind,
        genre=genre,
        year=year,
        sort=sort,
        order=order,
        limit=limit,
        offset=offset,
        count=count,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    q: str | Unset = UNSET,
    library: str | Unset = UNSET,
    min_height: int | Unset = UNSET,
    codec: str | Unset = UNSET,
    kind: VideoKind | Unset = UNSET,
    genre: str | Unset = UNSET,
    year: int | Unset = UNSET,
    sort: Sort | Unset = UNSET,
    order: Order | Unset = UNSET,
    limit: int | Unset = 50,
    offset: int | Unset = 0,
    count: bool | Unset = True,
) -> Response[Problem | VideoPage]:
    """Lists playable videos: search, filters, sorting and pagination.

     **Who may call:** any signed-in role: admin, user and guest.

    Args:
        q (str | Unset):
        library (str | Unset):
        min_height (int | Unset):
        codec (str | Unset):
        kind (VideoKind | Unset): What a catalog entry is.
        genre (str | Unset):
        year (int | Unset):
        sort (Sort | Unset): Catalog orders.
        order (Order | Unset):
        limit (int | Unset):  Default: 50.
        offset (int | Unset):  Default: 0.
        count (bool | Unset):  Default: True.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | VideoPage]
    """

    kwargs = _get_kwargs(
        q=q,
        library=library,
        min_height=min_height,
        codec=codec,
        kind=kind,
        genre=genre,
        year=year,
        sort=sort,
        order=order,
        limit=limit,
        offset=offset,
        count=count,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    q: str | Unset = UNSET,
    library: str | Unset = UNSET,
    min_height: int | Unset = UNSET,
    codec: str | Unset = UNSET,
    kind: VideoKind | Unset = UNSET,
    genre: str | Unset = UNSET,
    year: int | Unset = UNSET,
    sort: Sort | Unset = UNSET,
    order: Order | Unset = UNSET,
    limit: int | Unset = 50,
    offset: int | Unset = 0,
    count: bool | Unset = True,
) -> Problem | VideoPage | None:
    """Lists playable videos: search, filters, sorting and pagination.

     **Who may call:** any signed-in role: admin, user and guest.

    Args:
        q (str | Unset):
        library (str | Unset):
        min_height (int | Unset):
        codec (str | Unset):
        kind (VideoKind | Unset): What a catalog entry is.
        genre (str | Unset):
        year (int | Unset):
        sort (Sort | Unset): Catalog orders.
        order (Order | Unset):
        limit (int | Unset):  Default: 50.
        offset (int | Unset):  Default: 0.
        count (bool | Unset):  Default: True.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | VideoPage
    """

    return (
        await asyncio_detailed(
            client=client,
            q=q,
            library=library,
            min_height=min_height,
            codec=codec,
            kind=kind,
            genre=genre,
            year=year,
            sort=sort,
            order=order,
            limit=limit,
            offset=offset,
            count=count,
        )
    ).parsed
