//! The web client, as a browser gets it from the binary: the embedded files, the app's
//! routes falling back to its page, the caching and compression, the page's policy;
//! then the whole app in Debian's Chromium (`web/e2e`, Playwright) against the real
//! binary.

use crate::helpers::{spawn_app, Backend};
use homestream::api::web::{self, ASSETS};
use reqwest::header;

/// The app's page, its routes and its files; never in place of the server's paths.
#[tokio::test]
async fn the_binary_serves_the_app_without_shadowing_the_server() {
    let Some(app) = spawn_app(Backend::Sqlite).await else {
        return;
    };
    let index = web::find("index.html").unwrap();
    for path in [
        "/",
        "/library",
        "/videos/0b0e",
        "/admin",
        "/watch/x?playlist=y",
    ] {
        let resp = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(resp.status(), 200, "{path}");
        let h = resp.headers();
        assert_eq!(h["content-type"], "text/html; charset=utf-8", "{path}");
        assert_eq!(h["cache-control"], "no-cache", "{path}");
        assert_eq!(h["etag"], index.etag, "{path}");
        assert_eq!(h["x-frame-options"], "DENY");
        let csp = h["content-security-policy"].to_str().unwrap();
        for directive in [
            "script-src 'self'",
            "frame-ancestors 'none'",
            "object-src 'none'",
        ] {
            assert!(csp.contains(directive), "{csp}");
        }
        assert!(!csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"));
        assert_eq!(resp.bytes().await.unwrap(), index.body, "{path}");
    }

    // The page is revalidated: the same ETag is a 304 with no body.
    let resp = app
        .client
        .get(app.url("/library"))
        .header(header::IF_NONE_MATCH, index.etag)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 304);
    assert!(resp.bytes().await.unwrap().is_empty());

    // The server's own paths are never the page, even where no route answers.
    for (path, status) in [
        ("/api/no/such/thing", 404),
        ("/api", 404),
        ("/health", 200),
        ("/ready", 200),
        ("/docs", 200),
        ("/api/openapi.json", 200),
        ("/metrics", 200),
    ] {
        let resp = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(resp.status(), status, "{path}");
        let body = resp.bytes().await.unwrap();
        assert_ne!(body, index.body, "{path} answered with the web app");
    }
    // A missing file is a 404 problem, not the page in place of a script.
    let resp = app
        .client
        .get(app.url("/assets/gone-1a2b3c.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    assert_eq!(resp.headers()["content-type"], "application/problem+json");
    // Only GET and HEAD reach the app.
    let resp = app.client.post(app.url("/library")).send().await.unwrap();
    assert_ne!(resp.status(), 200);
    let resp = app.client.head(app.url("/library")).send().await.unwrap();
    assert_eq!(resp.status(), 200);
}

/// Hashed files are immutable for a year, and come compressed when the browser takes
/// it (brotli first), byte for byte what the build wrote.
#[tokio::test]
async fn hashed_assets_are_immutable_and_compressed_when_accepted() {
    let Some(app) = spawn_app(Backend::Sqlite).await else {
        return;
    };
    let script = ASSETS
        .iter()
        .find(|a| a.path.starts_with("assets/") && a.path.ends_with(".js") && a.br.is_some())
        .expect("the build wrote a hashed, compressed script");
    let path = format!("/{}", script.path);
    let get = |encoding: &'static str| {
        let req = app.client.get(app.url(&path));
        async move {
            let req = if encoding.is_empty() {
                req
            } else {
                req.header(header::ACCEPT_ENCODING, encoding)
            };
            req.send().await.unwrap()
        }
    };
    let plain = get("").await;
    assert_eq!(plain.status(), 200);
    assert_eq!(
        plain.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    assert_eq!(
        plain.headers()["content-type"],
        "text/javascript; charset=utf-8"
    );
    assert!(plain.headers().get("content-encoding").is_none());
    assert_eq!(plain.bytes().await.unwrap(), script.body);

    let br = get("gzip, deflate, br").await;
    assert_eq!(br.headers()["content-encoding"], "br");
    assert_eq!(br.headers()["vary"], "accept-encoding");
    assert_eq!(br.bytes().await.unwrap(), script.br.unwrap());

    let gz = get("gzip").await;
    assert_eq!(gz.headers()["content-encoding"], "gzip");
    assert_eq!(gz.bytes().await.unwrap(), script.gzip.unwrap());

    // q=0 refuses a coding.
    let refused = get("br;q=0, gzip;q=0").await;
    assert!(refused.headers().get("content-encoding").is_none());
    assert_eq!(refused.bytes().await.unwrap(), script.body);
}

/// The Playwright suite (`web/e2e`) in Debian's Chromium against this test binary's
/// `homestream`, in three tests of a few spec files each (so the runner schedules,
/// times and reports them apart, two at a time, without paying a server's start-up per
/// file): each starts a server of its own on a fresh data folder, with media made by
/// ffmpeg once for them all (`e2e/global-setup.ts`).
mod chromium {
    use crate::helpers::skip;
    use std::path::Path;
    use std::time::Duration;

    /// Each test and its spec files of `web/e2e`.
    macro_rules! specs {
        ($($name:ident: [$($spec:literal),* $(,)?]),* $(,)?) => {
            const SPECS: &[&[&str]] = &[$(&[$($spec),*]),*];
            $(
                #[tokio::test]
                async fn $name() {
                    playwright(&[$($spec),*]).await;
                }
            )*
        };
    }

    specs!(
        player: ["playback", "series", "a11y", "screenshots", "tv"],
        browsing: ["library", "playlists", "pages", "limits", "analytics"],
        accounts: ["auth", "access", "admin", "guest", "privacy"],
    );

    /// Every spec file runs in exactly one test.
    #[test]
    fn every_spec_file_runs_once() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("web/e2e");
        let mut files: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .filter_map(|n| n.strip_suffix(".spec.ts").map(str::to_owned))
            .collect();
        files.sort();
        let mut listed: Vec<String> = SPECS
            .iter()
            .flat_map(|g| g.iter())
            .map(|s| (*s).to_owned())
            .collect();
        listed.sort();
        assert_eq!(files, listed);
    }

    /// Runs `web/e2e/<spec>.spec.ts` for each of `specs` (sign-in, library, direct play
    /// and resume, HLS with subtitles, audio languages, playlists, the stream limit,
    /// admin, one user's data kept from another, the page policy, screenshots).
    async fn playwright(specs: &[&str]) {
        let web = Path::new(env!("CARGO_MANIFEST_DIR")).join("web");
        let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
        let missing = if !Path::new(&chromium).exists() {
            Some((
                "chromium",
                "Debian's chromium not found (apt-get install chromium)",
            ))
        } else if !web.join("node_modules/@playwright/test").exists() {
            Some(("node", "web/ has no node_modules (cd web && npm ci)"))
        } else if !crate::media::ffmpeg_available() {
            Some(("ffmpeg", "ffmpeg not found"))
        } else {
            None
        };
        if let Some((service, why)) = missing {
            skip(service, why);
            return;
        }
        let artifacts = web.join("test-results/artifacts").join(specs[0]);
        let server_log = web
            .join("test-results/artifacts")
            .join(format!("{}-server.log", specs[0]));
        let _ = std::fs::remove_file(&server_log);
        let run = tokio::process::Command::new("node_modules/.bin/playwright")
            .current_dir(&web)
            .args(["test", "--reporter=line"])
            .arg(format!("--output={}", artifacts.display()))
            .env("HS_SERVER_LOG", &server_log)
            .args(specs.iter().map(|spec| format!("e2e/{spec}.spec.ts")))
            .env("HS_BIN", env!("CARGO_BIN_EXE_homestream"))
            .env("CHROMIUM", &chromium)
            .env(
                "HS_E2E_MEDIA",
                Path::new(env!("CARGO_TARGET_TMPDIR")).join("e2e-media-v1"),
            )
            .env_remove("HS_WEB_URL")
            .kill_on_drop(true)
            .output();
        let out = tokio::time::timeout(Duration::from_secs(600), run)
            .await
            .expect("the spec finished within 10 minutes")
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        println!("{stdout}");
        assert!(
            out.status.success(),
            "web/e2e {specs:?} failed:\n{stdout}\n{}\n{}",
            String::from_utf8_lossy(&out.stderr),
            what_the_pages_showed(&artifacts, &server_log)
        );
    }

    /// After a failure: what each failed test's page held (Playwright's
    /// `error-context.md`: the page's accessibility tree at the failure) and the end of
    /// the server's log, so a failure in CI, whose files are gone, can be read from its
    /// output.
    fn what_the_pages_showed(artifacts: &Path, server_log: &Path) -> String {
        let mut out = String::new();
        let mut dirs = vec![artifacts.to_path_buf()];
        while let Some(dir) = dirs.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for entry in entries.flatten() {
                let path = entry.path();
                if path.is_dir() {
                    dirs.push(path);
                } else if path.file_name().is_some_and(|n| n == "error-context.md") {
                    let text = std::fs::read_to_string(&path).unwrap_or_default();
                    let head: String = text.lines().take(80).collect::<Vec<_>>().join("\n");
                    out += &format!("--- {}\n{head}\n", path.display());
                }
            }
        }
        let log = std::fs::read_to_string(server_log).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        let tail = lines[lines.len().saturating_sub(60)..].join("\n");
        out += &format!(
            "--- the server's log, last 60 of {} lines\n{tail}\n",
            lines.len()
        );
        out
    }
}
