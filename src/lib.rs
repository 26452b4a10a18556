//! homestream: a lean self-hosted video streaming server.
//!
//! # Layout
//! A request goes down the list: `server` accepts it, `api` (routes, middleware,
//! guard) parses it and calls one service (videos only through
//! [`library::Catalog`], scoped to the caller), the services (`accounts` ... `transcode`)
//! decide, `db` and `cache` store. No module imports one above it.
//!
//! - [`config`]: typed settings and their layered sources (the one place that reads the
//!   environment).
//! - [`startup`]: [`startup::Application::build`] binds and runs the server for
//!   production and tests alike.
//! - [`state`]: [`state::AppState`], the settings and a handle to each service, wired
//!   once; what handlers, the auth guard and `/metrics` read.
//! - [`dlna`]: the DLNA/UPnP media server TVs find by themselves (SSDP, its own
//!   listener for description, SOAP control and media); a front end like [`api`],
//!   beside it.
//! - [`upkeep`]: the background tasks (maintenance tick, session sync, the stop of
//!   streams whose session ended).
//! - [`server`]: the accept loop (on the shared runtime), connection limits and
//!   timeouts ([`server::conns`]), the HTTP/1.1 sendfile path ([`server::http1`]), the
//!   hand-over to hyper, the lingering close of a refused upload ([`server::linger`]),
//!   and the heap start-up gives back ([`server::memory`]).
//! - [`clock`]: [`clock::Clock`], the time sessions and stream limits decide by, which
//!   tests move forward instead of sleeping.
//! - [`telemetry`]: the log subscriber and OpenTelemetry traces.
//! - [`metrics`]: the Prometheus metrics behind `/metrics`.
//! - [`api`]: the route table ([`api::routes`]), the poem-openapi operations (one struct
//!   per resource), [`api::error::ApiError`] and its `application/problem+json`
//!   rendering with the status of every service's error, the wire forms of the services'
//!   types ([`api::views`]; services never derive the document's types),
//!   [`api::text::Text`] (a request field that takes a JSON string and nothing else),
//!   the contract refinements ([`api::spec_json`]), who may call what
//!   ([`api::access`], enforced by the security schemes in [`api::guard`]), the web
//!   client's embedded files ([`api::web`]), the middleware (request id, logging,
//!   literal library paths), request bodies read only after the credentials, under a
//!   deadline and a memory budget ([`api::body`]), brotli and gzip for documents, never
//!   media ([`api::compress`]), and CORS for `server.cors_origins`.
//! - [`auth`]: argon2id passwords on their own pool, JWT tokens and the secret, the
//!   login throttle, [`auth::CurrentUser`].
//! - [`accounts`]: the account service (create, log in, change, delete, library access,
//!   guest passes).
//! - [`sessions`]: the server-side session lifecycle: cap, sweep, shared copy.
//! - [`preferences`]: a user's streaming preferences and device types.
//! - [`analytics`]: viewing analytics: playback events recorded off the stream path,
//!   written in batches, summed per period.
//! - [`watching`]: watch progress, history, continue watching, watched marks, ratings,
//!   popular videos.
//! - [`playlists`]: playlists, their ordering and their M3U form.
//! - [`devices`]: the DLNA devices seen, their credentials and an administrator's
//!   blocks.
//! - [`cache`]: the cache interface (Redis or memory), the Redis link and its breaker.
//! - [`db`]: the SQLite / PostgreSQL pool, migrations and every SQL string (series and
//!   next up in `db::series`).
//! - [`library`]: the libraries, the scanner (incremental, moves, MP4 and Matroska
//!   probed in process by [`library::container`], ffprobe for the rest), what each file
//!   is ([`library::naming`] reads paths, [`library::identify`] adds `.nfo` files
//!   ([`library::nfo`]) and artwork ([`library::artwork`])), thumbnails and seek
//!   previews ([`library::trickplay`]) made in the background, artwork served resized
//!   ([`library::images`]), watching,
//!   [`library::Scope`], the libraries a caller may see, [`library::Catalog`], the
//!   catalog as one caller sees it (videos, series, next up, versions: the API's only way
//!   to them), and [`library::MediaFile`], a library file opened once beneath its root
//!   ([`library::open`]), the descriptor that is served and handed to ffmpeg; library
//!   input is read as media only ([`library::probe::input_guard`]).
//! - [`streaming`]: direct play: range planning, file bodies and the sendfile hand-off
//!   ([`streaming::file::Deferred`]), stream limits (one playback per session) and the
//!   slots, admin view and ends shared by every instance through Redis.
//! - [`transcode`]: playback decisions ([`transcode::decision`]), which tracks play
//!   ([`transcode::tracks`]), HLS (jobs owned by their playback, segments on the
//!   source's timeline and sent as ffmpeg writes them ([`transcode::follow`]), audio
//!   and subtitle renditions), remux and progressive transcodes
//!   through a bounded ffmpeg pool, WebVTT subtitles.

pub mod accounts;
pub mod analytics;
pub mod api;
pub mod auth;
pub mod cache;
pub mod clock;
pub mod config;
pub mod db;
pub mod devices;
pub mod dlna;
pub mod library;
pub mod metrics;
pub mod playlists;
pub mod preferences;
pub mod server;
pub mod sessions;
pub mod startup;
pub mod state;
pub mod streaming;
pub mod telemetry;
pub mod transcode;
pub mod upkeep;
pub mod watching;
