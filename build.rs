//! Embeds the web client (`web/`, built by Vite into `web/dist`) into the binary.
//!
//! - `HOMESTREAM_WEB_DIST=DIR`: embed a folder built elsewhere (the flake's and the
//!   Dockerfile's Node stage); nothing runs here.
//! - otherwise `web/dist` is built with `npm ci` (when `node_modules` is missing or
//!   older than the lock) and `npm run build` when it is missing or older than any of
//!   its sources, then embedded.
//!
//! The output is `$OUT_DIR/web_assets.rs`: one [`include_bytes!`] per file, with its
//! brotli and gzip variants when the build wrote them, and an ETag from its content.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::SystemTime;

/// What the web build reads: a change to any of these rebuilds `web/dist`.
const SOURCES: &[&str] = &[
    "web/src",
    "web/public",
    "web/index.html",
    "web/package.json",
    "web/package-lock.json",
    "web/vite.config.ts",
    "web/svelte.config.js",
    "web/tsconfig.json",
    "web/scripts",
    "clients/typescript/src/schema.d.ts",
];

fn main() {
    println!("cargo:rerun-if-env-changed=HOMESTREAM_WEB_DIST");
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    let dist = match std::env::var_os("HOMESTREAM_WEB_DIST") {
        Some(dir) => PathBuf::from(dir),
        None => {
            for source in SOURCES {
                println!("cargo:rerun-if-changed={source}");
            }
            build_web(&root);
            root.join("web/dist")
        }
    };
    if !dist.join("index.html").is_file() {
        fail(&format!(
            "{} has no index.html: build the web client (cd web && npm ci && npm run build) \
             or point HOMESTREAM_WEB_DIST at a built one",
            dist.display()
        ));
    }
    println!("cargo:rerun-if-changed={}", dist.display());
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap()).join("web_assets.rs");
    std::fs::write(&out, table(&dist)).unwrap();
}

/// Runs the web build when `web/dist` is older than its sources.
fn build_web(root: &Path) {
    let web = root.join("web");
    let built = modified(&web.join("dist/index.html"));
    let newest = SOURCES
        .iter()
        .filter_map(|s| newest_in(&root.join(s)))
        .max();
    if built.is_some() && built >= newest {
        return;
    }
    let lock = modified(&web.join("package-lock.json"));
    let installed = modified(&web.join("node_modules/.package-lock.json"));
    if installed.is_none() || installed < lock {
        npm(&web, &["ci", "--no-audit", "--no-fund", "--loglevel=error"]);
    }
    npm(&web, &["run", "build"]);
}

fn npm(dir: &Path, args: &[&str]) {
    println!(
        "cargo:warning=web client: npm {} (in {})",
        args.join(" "),
        dir.display()
    );
    match Command::new("npm").args(args).current_dir(dir).status() {
        Ok(status) if status.success() => {}
        Ok(status) => fail(&format!(
            "`npm {}` in web/ failed: {status}",
            args.join(" ")
        )),
        Err(e) => fail(&format!(
            "npm is needed to build the web client ({e}): install Node.js 20 and npm, \
             or set HOMESTREAM_WEB_DIST to a built web/dist"
        )),
    }
}

fn fail(message: &str) -> ! {
    eprintln!("error: {message}");
    println!("cargo:warning={message}");
    std::process::exit(1);
}

fn modified(path: &Path) -> Option<SystemTime> {
    path.metadata().and_then(|m| m.modified()).ok()
}

/// The newest modification time of a file, or of any file under a folder.
fn newest_in(path: &Path) -> Option<SystemTime> {
    let meta = path.metadata().ok()?;
    if !meta.is_dir() {
        return meta.modified().ok();
    }
    std::fs::read_dir(path)
        .ok()?
        .flatten()
        .filter_map(|e| newest_in(&e.path()))
        .max()
}

/// Every file under `dir` (variants `.br`/`.gz` excluded), as paths relative to it.
fn files(dir: &Path, prefix: &str, found: &mut Vec<String>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir).unwrap().flatten().collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let name = entry.file_name().to_string_lossy().into_owned();
        let rel = format!("{prefix}{name}");
        if entry.path().is_dir() {
            files(&entry.path(), &format!("{rel}/"), found);
        } else if !name.ends_with(".br") && !name.ends_with(".gz") {
            found.push(rel);
        }
    }
}

/// The Rust source of the asset table.
fn table(dist: &Path) -> String {
    let mut paths = Vec::new();
    files(dist, "", &mut paths);
    let include = |path: &Path| {
        if path.is_file() {
            format!("Some(include_bytes!({:?}))", path.display().to_string())
        } else {
            "None".to_owned()
        }
    };
    let mut out = String::from("pub static ASSETS: &[Asset] = &[\n");
    for rel in paths {
        let file = dist.join(&rel);
        let bytes = std::fs::read(&file).unwrap();
        out.push_str(&format!(
            "    Asset {{ path: {rel:?}, body: include_bytes!({:?}), br: {}, gzip: {}, etag: \"\\\"{:016x}\\\"\" }},\n",
            file.display().to_string(),
            include(&dist.join(format!("{rel}.br"))),
            include(&dist.join(format!("{rel}.gz"))),
            fnv1a(&bytes),
        ));
    }
    out.push_str("];\n");
    out
}

/// A 64-bit FNV-1a hash: enough to tell two builds of one file apart.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}
