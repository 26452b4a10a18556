//! DLNA's own HTTP listener (`dlna.port`): the description, the SCPDs, SOAP control
//! of ContentDirectory and ConnectionManager, event subscriptions, and media and
//! artwork under per-device credentials. Every request from outside the allowed
//! networks gets 403 before anything else is read.

use super::didl::Urls;
use super::directory::{sort_of, Object, View, Window};
use super::xml::{escape, parse_call, response_escaped, Call, Fault};
use super::{description, Dlna};
use crate::analytics::PlayMode;
use crate::auth::CurrentUser;
use crate::devices::{Device, DeviceError, DeviceHeaders};
use crate::library::{Artwork, FileError, Scope};
use crate::state::AppState;
use crate::streaming::limits::Viewer;
use crate::streaming::range::Conditions;
use crate::streaming::StreamError;
use poem::http::{header, Method, StatusCode};
use poem::{Endpoint, EndpointExt, IntoResponse, Request, Response, Route};
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::AsyncReadExt;
use uuid::Uuid;

/// Largest SOAP request read.
const BODY_MAX: usize = 64 << 10;
/// How long a SOAP request's body may take.
const BODY_TIMEOUT: Duration = Duration::from_secs(10);

struct Ctx {
    dlna: Arc<Dlna>,
    state: AppState,
}

/// Serves DLNA's HTTP until the task is aborted.
pub async fn serve(listener: tokio::net::TcpListener, dlna: Arc<Dlna>, state: AppState) {
    let limits = crate::server::Limits::from_settings(&state.settings.server);
    let endpoint: crate::server::Endpoint = Arc::new(poem::endpoint::ToDynEndpoint(
        routes(dlna, state).map_to_response(),
    ));
    crate::server::serve(
        listener,
        endpoint,
        std::future::pending::<()>(),
        Duration::from_secs(1),
        limits,
    )
    .await;
}

fn routes(dlna: Arc<Dlna>, state: AppState) -> impl Endpoint {
    let ctx = Arc::new(Ctx { dlna, state });
    let guard = ctx.clone();
    let route = |f: fn(Arc<Ctx>, Request) -> Handled| {
        let ctx = ctx.clone();
        poem::endpoint::make(move |req: Request| {
            let ctx = ctx.clone();
            async move { f(ctx, req).await }
        })
    };
    Route::new()
        .at(
            "/dlna/description.xml",
            route(|c, r| Box::pin(description_xml(c, r))),
        )
        .at(
            "/dlna/ContentDirectory.xml",
            route(|_, r| Box::pin(scpd(r, true))),
        )
        .at(
            "/dlna/ConnectionManager.xml",
            route(|_, r| Box::pin(scpd(r, false))),
        )
        .at(
            "/dlna/control/:service",
            route(|c, r| Box::pin(control(c, r))),
        )
        .at("/dlna/event/:service", route(|_, r| Box::pin(event(r))))
        .at(
            "/dlna/media/:device/:credential/:file",
            route(|c, r| Box::pin(media(c, r))),
        )
        .at(
            "/dlna/art/:device/:credential/:file",
            route(|c, r| Box::pin(art(c, r))),
        )
        .at(
            "/dlna/tc/:device/:credential/:file",
            route(|c, r| Box::pin(transcoded(c, r))),
        )
        .at(
            "/dlna/sub/:device/:credential/:file",
            route(|c, r| Box::pin(subtitles(c, r))),
        )
        .around(move |ep, req| {
            let guard = guard.clone();
            async move {
                let peer = peer(&req);
                if !peer.is_some_and(|p| guard.dlna.allows(p)) {
                    tracing::info!(peer = ?peer, path = req.uri().path(),
                        "DLNA request from outside dlna.allowed_networks refused");
                    return Ok(problem(
                        StatusCode::FORBIDDEN,
                        "dlna_network_refused",
                        "this address is outside dlna.allowed_networks",
                    ));
                }
                ep.call(req).await.map(IntoResponse::into_response)
            }
        })
        .catch_all_error(|err: poem::Error| async move {
            let status = err.status();
            let code = if status == StatusCode::NOT_FOUND {
                "not_found"
            } else if status == StatusCode::METHOD_NOT_ALLOWED {
                "method_not_allowed"
            } else {
                "bad_request"
            };
            problem(status, code, &err.to_string())
        })
}

type Handled = std::pin::Pin<Box<dyn std::future::Future<Output = Response> + Send>>;

fn peer(req: &Request) -> Option<IpAddr> {
    req.remote_addr()
        .as_socket_addr()
        .map(|a| a.ip().to_canonical())
}

/// An RFC 9457 problem, as the API answers.
fn problem(status: StatusCode, code: &str, detail: &str) -> Response {
    let body = serde_json::json!({
        "type": "about:blank",
        "title": status.canonical_reason().unwrap_or("Error"),
        "status": status.as_u16(),
        "detail": detail,
        "code": code,
    });
    Response::builder()
        .status(status)
        .content_type("application/problem+json")
        .body(body.to_string())
}

fn xml(text: String) -> Response {
    Response::builder()
        .content_type("text/xml; charset=\"utf-8\"")
        .header("Server", super::ssdp::server_header())
        .body(text)
}

fn only(req: &Request, methods: &[Method]) -> Option<Response> {
    (!methods.contains(req.method())).then(|| {
        problem(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            "this DLNA URL does not take this method",
        )
    })
}

async fn description_xml(ctx: Arc<Ctx>, req: Request) -> Response {
    if let Some(refused) = only(&req, &[Method::GET, Method::HEAD]) {
        return refused;
    }
    let base = base_url(&ctx.dlna, &req);
    xml(description::device(&ctx.dlna.uuid, &ctx.dlna.name, &base))
}

async fn scpd(req: Request, content_directory: bool) -> Response {
    if let Some(refused) = only(&req, &[Method::GET, Method::HEAD]) {
        return refused;
    }
    xml(if content_directory {
        description::content_directory()
    } else {
        description::connection_manager()
    })
}

/// `http://<our address on the client's network>:<port>`: where its URLs point (the
/// listener is on every address, so the connection's own is not known; the
/// interface whose network holds the client is the one it reaches).
fn base_url(dlna: &Dlna, req: &Request) -> String {
    let at = peer(req).and_then(|p| super::net::address_for(&dlna.announced(), p));
    match at {
        Some(addr) => format!("http://{addr}:{}", dlna.port),
        None => format!("http://127.0.0.1:{}", dlna.port),
    }
}

/// Event subscriptions are accepted (TVs refuse a server that refuses them) and
/// never sent: the catalog's changes reach clients through `SystemUpdateID`, which
/// they read on each Browse.
async fn event(req: Request) -> Response {
    match req.method().as_str() {
        "SUBSCRIBE" => {
            let sid = req
                .headers()
                .get("sid")
                .and_then(|v| v.to_str().ok())
                .map_or_else(|| format!("uuid:{}", Uuid::new_v4()), ToOwned::to_owned);
            Response::builder()
                .header("SID", sid)
                .header("TIMEOUT", "Second-1800")
                .header("Server", super::ssdp::server_header())
                .header(header::CONTENT_LENGTH, 0)
                .finish()
        }
        "UNSUBSCRIBE" => Response::builder().finish(),
        _ => problem(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            "event URLs take SUBSCRIBE and UNSUBSCRIBE",
        ),
    }
}

/// The headers a device names itself by.
fn device_headers(req: &Request) -> DeviceHeaders<'_> {
    let text = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok());
    DeviceHeaders {
        user_agent: text("user-agent"),
        client_info: text("x-av-client-info"),
    }
}

fn device_refused(e: &DeviceError) -> Response {
    match e {
        DeviceError::Blocked => problem(
            StatusCode::FORBIDDEN,
            "dlna_device_blocked",
            "an administrator blocked this device",
        ),
        DeviceError::Unknown => problem(
            StatusCode::FORBIDDEN,
            "dlna_credential_refused",
            "this URL's device credential is not current",
        ),
        DeviceError::Db(e) => unavailable(&e.to_string()),
    }
}

fn unavailable(why: &str) -> Response {
    tracing::warn!(error = why, "DLNA cannot answer");
    let mut r = problem(
        StatusCode::SERVICE_UNAVAILABLE,
        "dlna_unavailable",
        "the catalog cannot be read now; try again shortly",
    );
    r.headers_mut()
        .insert(header::RETRY_AFTER, header::HeaderValue::from_static("5"));
    r
}

/// The account DLNA serves as, seen by `device`.
async fn dlna_user(ctx: &Ctx, device: &Device) -> Result<CurrentUser, Response> {
    let wanted = &ctx.state.settings.dlna.user;
    match ctx.state.accounts.by_username(wanted).await {
        Ok(Some(a)) if a.is_active => Ok(CurrentUser {
            id: a.id,
            username: a.username,
            role: a.role,
            session_id: device.id,
            scope: Scope::from_names(a.libraries),
        }),
        Ok(_) => Err(problem(
            StatusCode::SERVICE_UNAVAILABLE,
            "dlna_user_unavailable",
            "the account DLNA serves as (dlna.user) is missing or deactivated",
        )),
        Err(e) => Err(unavailable(&e.to_string())),
    }
}

/// Reads a SOAP body: at most [`BODY_MAX`] bytes within [`BODY_TIMEOUT`].
async fn read_body(req: &mut Request) -> Result<Vec<u8>, Response> {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > BODY_MAX as u64) {
        return Err(problem(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
            "a control request is at most 64 KiB",
        ));
    }
    let mut reader = req.take_body().into_async_read().take(BODY_MAX as u64 + 1);
    let mut body = Vec::new();
    match tokio::time::timeout(BODY_TIMEOUT, reader.read_to_end(&mut body)).await {
        Ok(Ok(_)) if body.len() <= BODY_MAX => Ok(body),
        Ok(Ok(_)) => Err(problem(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
            "a control request is at most 64 KiB",
        )),
        Ok(Err(_)) => Err(problem(
            StatusCode::BAD_REQUEST,
            "bad_body",
            "the request body could not be read",
        )),
        Err(_) => Err(problem(
            StatusCode::REQUEST_TIMEOUT,
            "body_timeout",
            "the request body did not arrive in time",
        )),
    }
}

fn fault(f: Fault) -> Response {
    // UPnP Device Architecture 1.0, 3.2.2: an action's error is a SOAP fault answered
    // with 500, which is what control points read the UPnPError from.
    Response::builder()
        .status(StatusCode::INTERNAL_SERVER_ERROR)
        .content_type("text/xml; charset=\"utf-8\"")
        .header("Server", super::ssdp::server_header())
        .body(f.envelope())
}

async fn control(ctx: Arc<Ctx>, mut req: Request) -> Response {
    if let Some(refused) = only(&req, &[Method::POST]) {
        return refused;
    }
    let service = req
        .uri()
        .path()
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_owned();
    let urn = match service.as_str() {
        "ContentDirectory" => description::CONTENT_DIRECTORY,
        "ConnectionManager" => description::CONNECTION_MANAGER,
        _ => return problem(StatusCode::NOT_FOUND, "not_found", "no such service"),
    };
    let Some(peer) = peer(&req) else {
        return problem(
            StatusCode::FORBIDDEN,
            "dlna_network_refused",
            "no peer address",
        );
    };
    let device = match ctx
        .state
        .devices
        .visit(peer, &device_headers(&req), chrono::Utc::now())
        .await
    {
        Ok(d) => d,
        Err(e) => return device_refused(&e),
    };
    let body = match read_body(&mut req).await {
        Ok(b) => b,
        Err(r) => return r,
    };
    let Some(call) = parse_call(&body) else {
        return fault(Fault::INVALID_ACTION);
    };
    let answer = if urn == description::CONNECTION_MANAGER {
        connection_manager(&call)
    } else {
        let user = match dlna_user(&ctx, &device).await {
            Ok(u) => u,
            Err(r) => return r,
        };
        let urls = Urls::new(
            format!("{}/dlna", base_url(&ctx.dlna, &req)),
            device.id,
            &device.credential,
        );
        let view = View {
            state: &ctx.state,
            name: &ctx.dlna.name,
            user: &user,
            urls: &urls,
            listings: &ctx.dlna.listings,
            version: ctx.state.library.catalog_version(),
        };
        content_directory(&view, &call).await
    };
    match answer {
        Ok(args) => {
            let args: Vec<(&str, &str)> = args.iter().map(|(k, v)| (*k, v.as_str())).collect();
            xml(response_escaped(urn, &call.action, &args))
        }
        Err(f) => fault(f),
    }
}

/// An action's out arguments, escaped as XML text.
type Out = Result<Vec<(&'static str, String)>, Fault>;

/// Every `protocolInfo` this server sends.
const SOURCE_PROTOCOLS: &[&str] = &[
    "http-get:*:video/mp4:*",
    "http-get:*:video/x-matroska:*",
    "http-get:*:video/webm:*",
    "http-get:*:video/x-msvideo:*",
    "http-get:*:video/quicktime:*",
    "http-get:*:video/mp2t:*",
    "http-get:*:video/mpeg:DLNA.ORG_PN=AVC_TS_MP_HD_AAC_MULT5_ISO",
    "http-get:*:video/mpeg:DLNA.ORG_PN=AVC_TS_MP_SD_AAC_MULT5_ISO",
    "http-get:*:text/srt:*",
    "http-get:*:image/jpeg:DLNA.ORG_PN=JPEG_TN",
];

fn connection_manager(call: &Call) -> Out {
    match call.action.as_str() {
        "GetProtocolInfo" => Ok(vec![
            ("Source", escape(&SOURCE_PROTOCOLS.join(","))),
            ("Sink", String::new()),
        ]),
        "GetCurrentConnectionIDs" => Ok(vec![("ConnectionIDs", "0".into())]),
        "GetCurrentConnectionInfo" => {
            let id = call.arg("ConnectionID").ok_or(Fault::INVALID_ARGS)?;
            if id.trim() != "0" {
                return Err(Fault::INVALID_CONNECTION);
            }
            Ok(vec![
                ("RcsID", "-1".into()),
                ("AVTransportID", "-1".into()),
                ("ProtocolInfo", String::new()),
                ("PeerConnectionManager", String::new()),
                ("PeerConnectionID", "-1".into()),
                ("Direction", "Output".into()),
                ("Status", "OK".into()),
            ])
        }
        _ => Err(Fault::INVALID_ACTION),
    }
}

/// A `ui4` argument; absent or empty reads as 0.
fn number(call: &Call, name: &str) -> Result<usize, Fault> {
    match call.arg(name).map(str::trim) {
        None | Some("") => Ok(0),
        Some(n) => n
            .parse::<u32>()
            .map(|n| n as usize)
            .map_err(|_| Fault::INVALID_ARGS),
    }
}

async fn content_directory(view: &View<'_>, call: &Call) -> Out {
    let update_id = view.version.to_string();
    match call.action.as_str() {
        "GetSearchCapabilities" => Ok(vec![("SearchCaps", "dc:title,upnp:class".into())]),
        "GetSortCapabilities" => Ok(vec![("SortCaps", "dc:title,dc:date".into())]),
        "GetSystemUpdateID" => Ok(vec![("Id", update_id)]),
        "Browse" | "Search" => {
            let search = call.action == "Search";
            let id_arg = if search { "ContainerID" } else { "ObjectID" };
            let id = call.arg(id_arg).ok_or(Fault::INVALID_ARGS)?;
            let window = Window {
                start: number(call, "StartingIndex")?,
                count: number(call, "RequestedCount")?,
            };
            let sort = sort_of(call.arg("SortCriteria").unwrap_or_default());
            let object = Object::parse(id.trim()).ok_or(if search {
                Fault::NO_SUCH_CONTAINER
            } else {
                Fault::NO_SUCH_OBJECT
            })?;
            let answer = if search {
                let criteria = call.arg("SearchCriteria").ok_or(Fault::INVALID_ARGS)?;
                view.search(&object, criteria, window, sort).await?
            } else {
                match call.arg("BrowseFlag").map(str::trim) {
                    Some("BrowseMetadata") => view.metadata(&object).await?,
                    Some("BrowseDirectChildren") => view.children(&object, window, sort).await?,
                    _ => return Err(Fault::INVALID_ARGS),
                }
            };
            Ok(vec![
                ("Result", answer.didl),
                ("NumberReturned", answer.returned.to_string()),
                ("TotalMatches", answer.total.to_string()),
                ("UpdateID", update_id),
            ])
        }
        _ => Err(Fault::INVALID_ACTION),
    }
}

/// A GET or HEAD of a media, transcode, subtitle or artwork URL: the device it names
/// (its credential current), the account DLNA serves as, and the video it names, when
/// that account sees it.
async fn media_caller(
    ctx: &Ctx,
    req: &Request,
) -> Result<(Device, CurrentUser, Arc<crate::db::videos::VideoRow>), Response> {
    if let Some(refused) = only(req, &[Method::GET, Method::HEAD]) {
        return Err(refused);
    }
    let parts: Vec<&str> = req.uri().path().split('/').collect();
    // ["", "dlna", "media"|"tc"|"sub"|"art", device, credential, file]
    let (Some(device), Some(credential), Some(file)) = (parts.get(3), parts.get(4), parts.get(5))
    else {
        return Err(problem(
            StatusCode::NOT_FOUND,
            "not_found",
            "no such media URL",
        ));
    };
    let (Ok(device_id), Some(video_id)) = (
        Uuid::parse_str(device),
        file.split_once('.')
            .and_then(|(id, _)| Uuid::parse_str(id).ok()),
    ) else {
        return Err(problem(
            StatusCode::NOT_FOUND,
            "not_found",
            "no such media URL",
        ));
    };
    let device = ctx
        .state
        .devices
        .authorize(device_id, credential)
        .await
        .map_err(|e| device_refused(&e))?;
    let user = dlna_user(ctx, &device).await?;
    let video = ctx
        .state
        .library
        .for_caller(&user.scope)
        .playable(video_id)
        .await
        .map_err(|e| file_refused(&e))?;
    Ok((device, user, video))
}

/// The device's playback as the stream registry, the analytics and the admin's Streams
/// see it: the DLNA account, the device's id as its session, named by the device.
fn viewer(device: &Device, user: &CurrentUser, req: &Request, mode: PlayMode) -> Viewer {
    Viewer {
        user_id: user.id,
        username: user.username.clone(),
        session_id: device.id,
        client_addr: peer(req),
        user_agent: Some(format!("DLNA: {}", device.name)),
        mode,
        variant: None,
        device_type: Some("tv"),
    }
}

/// 429 naming the stream limit reached, with when a slot may be free.
fn limit_refused(l: &crate::streaming::limits::LimitReached) -> Response {
    let mut r = problem(
        StatusCode::TOO_MANY_REQUESTS,
        "stream_limit",
        &format!("{} ({}) reached", l.limit, l.max),
    );
    let secs = l.retry_after.as_secs().max(1).to_string();
    if let Ok(v) = header::HeaderValue::from_str(&secs) {
        r.headers_mut().insert(header::RETRY_AFTER, v);
    }
    r
}

fn file_refused(e: &FileError) -> Response {
    match e {
        FileError::NotFound(_) | FileError::NotFoundAt(_) | FileError::SeriesNotFound(_) => {
            problem(StatusCode::NOT_FOUND, "not_found", "no such video")
        }
        FileError::NoImage(_) => problem(StatusCode::NOT_FOUND, "not_found", "no picture"),
        other => unavailable(&other.to_string()),
    }
}

/// A video's file, with byte ranges and the DLNA headers TVs check.
async fn media(ctx: Arc<Ctx>, req: Request) -> Response {
    let (device, user, video) = match media_caller(&ctx, &req).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let headers = req.headers();
    let text = |name: header::HeaderName| headers.get(name).and_then(|v| v.to_str().ok());
    let conditions = Conditions {
        range: text(header::RANGE),
        if_range: text(header::IF_RANGE),
        if_none_match: text(header::IF_NONE_MATCH),
        if_modified_since: text(header::IF_MODIFIED_SINCE),
    };
    let viewer = viewer(&device, &user, &req, PlayMode::Direct);
    let head = req.method() == Method::HEAD;
    let transfer = match ctx
        .state
        .streamer
        .prepare(&video, &conditions, head, &viewer)
        .await
    {
        Ok(t) => t,
        Err(StreamError::Limit(l)) => return limit_refused(&l),
        Err(StreamError::File(e)) => return file_refused(&e),
        Err(e) => return unavailable(&e.to_string()),
    };
    let mut resp = transfer.into_response();
    let mode = match headers
        .get("transfermode.dlna.org")
        .and_then(|v| v.to_str().ok())
    {
        Some(m) if m.eq_ignore_ascii_case("interactive") => "Interactive",
        Some(m) if m.eq_ignore_ascii_case("background") => "Background",
        _ => "Streaming",
    };
    let h = resp.headers_mut();
    h.insert(
        "transferMode.dlna.org",
        header::HeaderValue::from_static(mode),
    );
    if let Ok(v) = header::HeaderValue::from_str(&super::didl::content_features(&video)) {
        h.insert("contentFeatures.dlna.org", v);
    }
    h.insert(
        "realTimeInfo.dlna.org",
        header::HeaderValue::from_static("DLNA.ORG_TLAG=*"),
    );
    // Samsung asks where the subtitles are with the media request.
    if headers.contains_key("getcaptioninfo.sec")
        && !crate::transcode::subtitles::text_tracks(&video).is_empty()
    {
        let urls = Urls::new(
            format!("{}/dlna", base_url(&ctx.dlna, &req)),
            device.id,
            &device.credential,
        );
        if let Ok(v) = header::HeaderValue::from_str(&urls.subtitles(&video)) {
            h.insert("CaptionInfo.sec", v);
        }
    }
    resp
}

/// `TimeSeekRange.dlna.org: npt=START-[END]`'s start in seconds (`62.5` or
/// `0:01:02.500`); `None` for anything else.
fn seek_start(value: &str) -> Option<f64> {
    let npt = value.trim().strip_prefix("npt=")?;
    let (start, _) = npt.split_once('-')?;
    let start = start.trim();
    let seconds = if start.contains(':') {
        let parts: Vec<&str> = start.split(':').collect();
        let [h, m, s] = parts.as_slice() else {
            return None;
        };
        h.parse::<f64>().ok()? * 3600.0 + m.parse::<f64>().ok()? * 60.0 + s.parse::<f64>().ok()?
    } else {
        start.parse::<f64>().ok()?
    };
    (seconds.is_finite() && seconds >= 0.0).then_some(seconds)
}

fn transcode_refused(e: &crate::transcode::TranscodeError) -> Response {
    use crate::transcode::TranscodeError as E;
    let (retry, why) = match e {
        E::Busy { retry_after, .. } | E::BreakerOpen { retry_after } => {
            (*retry_after, e.to_string())
        }
        E::NotFound(_) | E::Invalid(_) => {
            return problem(StatusCode::NOT_FOUND, "not_found", &e.to_string())
        }
        other => (Duration::from_secs(5), other.to_string()),
    };
    let mut r = problem(StatusCode::SERVICE_UNAVAILABLE, "transcode_busy", &why);
    let secs = retry.as_secs().max(1).to_string();
    if let Ok(v) = header::HeaderValue::from_str(&secs) {
        r.headers_mut().insert(header::RETRY_AFTER, v);
    }
    r
}

/// A video as MPEG-TS (H.264, AAC) from the time a `TimeSeekRange.dlna.org` asks: the
/// video copied when it is H.264, else encoded; through the transcoding pool, and
/// counted as the device's stream of the video.
async fn transcoded(ctx: Arc<Ctx>, req: Request) -> Response {
    use crate::transcode::encode::Container;
    let (device, user, video) = match media_caller(&ctx, &req).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let state = &ctx.state;
    let duration = video.duration.unwrap_or(0.0);
    let asked = req
        .headers()
        .get("timeseekrange.dlna.org")
        .and_then(|v| v.to_str().ok());
    let start = match asked.map(seek_start) {
        None => 0.0,
        Some(Some(s)) if duration <= 0.0 || s < duration => s,
        Some(Some(_)) => {
            return problem(
                StatusCode::RANGE_NOT_SATISFIABLE,
                "seek_out_of_range",
                "TimeSeekRange.dlna.org starts past the end",
            )
        }
        Some(None) => {
            return problem(
                StatusCode::BAD_REQUEST,
                "bad_time_seek",
                "TimeSeekRange.dlna.org must read npt=START- (seconds or H:MM:SS.mmm)",
            )
        }
    };
    let mut builder = Response::builder()
        .content_type(super::didl::TRANSCODE_MIME)
        .header("transferMode.dlna.org", "Streaming")
        .header(
            "contentFeatures.dlna.org",
            super::didl::transcode_features(&video),
        )
        .header("realTimeInfo.dlna.org", "DLNA.ORG_TLAG=*")
        .header(header::CACHE_CONTROL, "no-store");
    if asked.is_some() {
        let end = duration.max(start);
        builder = builder.header(
            "TimeSeekRange.dlna.org",
            format!("npt={start:.3}-{end:.3}/{duration:.3}"),
        );
    }
    if req.method() == Method::HEAD {
        return builder.finish();
    }
    let remux = video.video_codec.as_deref() == Some("h264");
    let mode = if remux {
        PlayMode::Remux
    } else {
        PlayMode::Transcode
    };
    let viewer = viewer(&device, &user, &req, mode);
    let language = match state.accounts.preferences(user.id).await {
        Ok(p) => p.audio_language,
        Err(e) => return unavailable(&e.to_string()),
    };
    let plan = match state
        .transcoder
        .progressive_plan(&video, remux, None, language.as_deref())
    {
        Ok(p) => p,
        Err(e) => return transcode_refused(&e),
    };
    let lease = match state.streamer.lease(&viewer, video.id).await {
        Ok(l) => l,
        Err(l) => return limit_refused(&l),
    };
    let source = match state.library.open(&video).await {
        Ok(s) => s,
        Err(e) => return file_refused(&e),
    };
    let stream = match state
        .transcoder
        .progressive(
            video.id,
            &source,
            plan,
            start,
            viewer.session_id,
            Container::MpegTs,
        )
        .await
    {
        Ok(s) => s,
        Err(e) => return transcode_refused(&e),
    };
    let ended = lease.end_signal();
    let body = poem::Body::from_bytes_stream(crate::streaming::counted_reader(stream, lease));
    let mut resp = builder.body(body);
    // The connection watches the stream's end (a block, an administrator's end).
    resp.extensions_mut().insert(ended);
    resp
}

/// A video's first text subtitle track as SubRip (Samsung's `CaptionInfo.sec`, and the
/// `text/srt` `res`).
async fn subtitles(ctx: Arc<Ctx>, req: Request) -> Response {
    use crate::transcode::subtitles;
    let (_, _, video) = match media_caller(&ctx, &req).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let state = &ctx.state;
    let Some(track) = subtitles::text_tracks(&video).into_iter().next() else {
        return problem(
            StatusCode::NOT_FOUND,
            "not_found",
            "this video has no text subtitles",
        );
    };
    let source = match track.file() {
        Some(name) => state.library.open_beside(&video, name).await,
        None => state.library.open(&video).await,
    };
    let source = match source {
        Ok(s) => s,
        Err(e) => return file_refused(&e),
    };
    let path = match state
        .transcoder
        .webvtt(video.id, &track.id, &source, track.stream())
        .await
    {
        Ok(p) => p,
        Err(e) => return transcode_refused(&e),
    };
    match tokio::fs::read(&path).await {
        Ok(vtt) => Response::builder()
            .content_type("text/srt; charset=utf-8")
            .header("transferMode.dlna.org", "Interactive")
            .body(subtitles::srt_from_webvtt(&String::from_utf8_lossy(&vtt))),
        Err(e) => unavailable(&e.to_string()),
    }
}

/// A video's picture, about 320 pixels wide (DLNA's `JPEG_TN` is at most 160x160,
/// but TVs show larger ones, and they scale down).
async fn art(ctx: Arc<Ctx>, req: Request) -> Response {
    let (_, user, video) = match media_caller(&ctx, &req).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let catalog = ctx.state.library.for_caller(&user.scope);
    let art = match (&video.poster, &video.thumbnail_path) {
        (Some(rel), _) => Artwork::File(rel),
        (None, Some(_)) => Artwork::Thumbnail(video.id),
        (None, None) => return problem(StatusCode::NOT_FOUND, "not_found", "no picture"),
    };
    let resized = match catalog.image(&video.library, art, 320).await {
        Ok(r) => r,
        Err(e) => return file_refused(&e),
    };
    match tokio::fs::read(&resized.path).await {
        Ok(bytes) => Response::builder()
            .content_type("image/jpeg")
            .header(
                "contentFeatures.dlna.org",
                "DLNA.ORG_PN=JPEG_TN;DLNA.ORG_OP=00;DLNA.ORG_CI=1",
            )
            .header("transferMode.dlna.org", "Interactive")
            .header(header::ETAG, resized.etag)
            .body(bytes),
        Err(e) => unavailable(&e.to_string()),
    }
}
