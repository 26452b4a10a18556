//! The DLNA media server as TVs and players meet it: the binary runs in a network
//! namespace of its own, joined by a veth pair to a client namespace, so SSDP's
//! multicast never leaves the machine. Real clients find and browse it:
//! `gssdp-discover` (Debian's gupnp-tools) and async-upnp-client's `upnp-client`
//! (PyPI, `target/dlna-venv`, made by `.ci/run` from `tests/dlna/requirements.txt`);
//! ffprobe and curl play what they list. A client on another network gets nothing.

use crate::cli::homestream;
use crate::helpers::{required, skip, PASSWORD};
use crate::media::{add_clip, clips, ffmpeg_available};
use homestream::config::Settings;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// The venv holding `upnp-client`.
fn upnp_client() -> Option<PathBuf> {
    let venv = std::env::var("HS_DLNA_VENV").map_or_else(
        |_| Path::new(env!("CARGO_MANIFEST_DIR")).join("target/dlna-venv"),
        PathBuf::from,
    );
    let bin = venv.join("bin/upnp-client");
    bin.is_file().then_some(bin)
}

/// Whether this machine can run the test: root (network namespaces), `ip`,
/// gssdp-discover, upnp-client, curl and ffmpeg. Says which is missing.
fn can_run() -> Option<PathBuf> {
    if !ffmpeg_available() {
        return None;
    }
    // SAFETY: geteuid only reads the process's credentials.
    if unsafe { libc::geteuid() } != 0 {
        skip("netns", "network namespaces need root");
        return None;
    }
    for (tool, package) in [
        ("ip", "iproute2"),
        ("gssdp-discover", "gupnp-tools"),
        ("curl", "curl"),
    ] {
        let found = Command::new("sh")
            .args(["-c", &format!("command -v {tool}")])
            .output()
            .is_ok_and(|o| o.status.success());
        if !found {
            skip(
                "dlna",
                &format!("{tool} not found (Debian package {package})"),
            );
            return None;
        }
    }
    let Some(client) = upnp_client() else {
        skip(
            "dlna",
            "no upnp-client: python3 -m venv target/dlna-venv && \
             target/dlna-venv/bin/pip install -r tests/dlna/requirements.txt",
        );
        return None;
    };
    Some(client)
}

/// Two namespaces joined by a veth pair: the server at 10.77.N.1/24, the client at
/// 10.77.N.2/24 and, on the same link, an outsider address 10.78.N.2/24. Removed on
/// drop.
struct Lan {
    server: String,
    client: String,
    n: u32,
}

fn run(args: &[&str]) {
    let out = Command::new(args[0])
        .args(&args[1..])
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

impl Lan {
    fn new() -> Self {
        // A free subnet: the namespaces' names are the claim (`ip netns add` fails on a
        // name that exists, and tests run in processes of their own).
        let first = std::process::id() % 200 + 20;
        let n = (0..230)
            .map(|k| (first + k) % 230 + 20)
            .find(|n| {
                let ok = |ns: String| {
                    Command::new("ip")
                        .args(["netns", "add", &ns])
                        .output()
                        .is_ok_and(|o| o.status.success())
                };
                if !ok(format!("hs-dlna-s{n}")) {
                    return false;
                }
                if !ok(format!("hs-dlna-c{n}")) {
                    let _ = Command::new("ip")
                        .args(["netns", "del", &format!("hs-dlna-s{n}")])
                        .output();
                    return false;
                }
                true
            })
            .expect("a free subnet for the test's namespaces");
        let (server, client) = (format!("hs-dlna-s{n}"), format!("hs-dlna-c{n}"));
        let (vs, vc) = (format!("hsds{n}"), format!("hsdc{n}"));
        let lan = Self { server, client, n };
        run(&[
            "ip", "link", "add", &vs, "type", "veth", "peer", "name", &vc,
        ]);
        run(&["ip", "link", "set", &vs, "netns", &lan.server]);
        run(&["ip", "link", "set", &vc, "netns", &lan.client]);
        let (s, c) = (lan.server.as_str(), lan.client.as_str());
        for (ns, dev, addrs) in [
            (s, vs.as_str(), vec![format!("10.77.{n}.1/24")]),
            (
                c,
                vc.as_str(),
                vec![format!("10.77.{n}.2/24"), format!("10.78.{n}.2/24")],
            ),
        ] {
            for a in addrs {
                run(&["ip", "-n", ns, "addr", "add", &a, "dev", dev]);
            }
            // No duplicate address detection: an IPv6 link-local address still tentative
            // cannot be bound (libupnp, under VLC, fails with UPNP_E_SOCKET_BIND).
            run(&[
                "ip",
                "netns",
                "exec",
                ns,
                "sysctl",
                "-qw",
                &format!("net.ipv6.conf.{dev}.accept_dad=0"),
            ]);
            run(&["ip", "-n", ns, "link", "set", dev, "up"]);
            run(&["ip", "-n", ns, "link", "set", "lo", "up"]);
            run(&["ip", "-n", ns, "route", "add", "224.0.0.0/4", "dev", dev]);
        }
        // The server could answer the outsider: only its rule keeps it from doing so.
        run(&[
            "ip",
            "-n",
            s,
            "route",
            "add",
            &format!("10.78.{n}.0/24"),
            "dev",
            &vs,
        ]);
        lan
    }

    /// Removes the outsider's address (libupnp, under VLC, binds the interface's last
    /// address, and the server rightly ignores that one).
    fn without_outsider(self) -> Self {
        run(&[
            "ip",
            "-n",
            &self.client,
            "addr",
            "del",
            &format!("{}/24", self.outsider_ip()),
            "dev",
            &format!("hsdc{}", self.n),
        ]);
        self
    }

    fn server_ip(&self) -> String {
        format!("10.77.{}.1", self.n)
    }

    fn client_ip(&self) -> String {
        format!("10.77.{}.2", self.n)
    }

    fn outsider_ip(&self) -> String {
        format!("10.78.{}.2", self.n)
    }

    /// Runs a command in the client namespace.
    fn client_run(&self, args: &[&str]) -> Output {
        Command::new("ip")
            .args(["netns", "exec", &self.client])
            .args(args)
            .output()
            .expect("ip netns exec runs")
    }

    /// `curl` from the client namespace: (status, headers lowercased, body).
    fn curl(&self, extra: &[&str], url: &str) -> (u16, String, String) {
        let (status, head, body) = self.curl_bytes(extra, url);
        (status, head, String::from_utf8_lossy(&body).into_owned())
    }

    /// [`Self::curl`] with the body as bytes.
    fn curl_bytes(&self, extra: &[&str], url: &str) -> (u16, String, Vec<u8>) {
        let mut args = vec!["curl", "-s", "-D", "-", "--max-time", "10"];
        args.extend_from_slice(extra);
        args.push(url);
        let out = self.client_run(&args);
        let raw = &out.stdout;
        let split = raw
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .unwrap_or(raw.len());
        let head = String::from_utf8_lossy(&raw[..split]).into_owned();
        let body = raw.get(split + 4..).unwrap_or_default();
        let status = head
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        (status, head.to_ascii_lowercase(), body.to_vec())
    }
}

impl Drop for Lan {
    fn drop(&mut self) {
        for ns in [&self.server, &self.client] {
            let _ = Command::new("ip").args(["netns", "del", ns]).output();
        }
    }
}

/// The server binary inside the server namespace; killed on drop.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        crate::helpers::terminate(&mut self.0, Duration::from_secs(5));
    }
}

/// A SOAP call to ContentDirectory with curl, from the client: (status, body).
fn soap(lan: &Lan, action: &str, args: &[(&str, &str)]) -> (u16, String) {
    let mut body = format!(
        "<?xml version=\"1.0\"?><s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\" \
         s:encodingStyle=\"http://schemas.xmlsoap.org/soap/encoding/\"><s:Body>\
         <u:{action} xmlns:u=\"urn:schemas-upnp-org:service:ContentDirectory:1\">"
    );
    for (k, v) in args {
        body.push_str(&format!("<{k}>{v}</{k}>"));
    }
    body.push_str(&format!("</u:{action}></s:Body></s:Envelope>"));
    let url = format!(
        "http://{}:8201/dlna/control/ContentDirectory",
        lan.server_ip()
    );
    let action_header =
        format!("SOAPACTION: \"urn:schemas-upnp-org:service:ContentDirectory:1#{action}\"");
    let (status, _, body) = lan.curl(
        &[
            "-X",
            "POST",
            "-H",
            "Content-Type: text/xml; charset=\"utf-8\"",
            "-H",
            &action_header,
            "-H",
            "User-Agent: SEC_HHP_[TV] Samsung Q60 Series (55)/1.0 UPnP/1.0",
            "--data-binary",
            &body,
        ],
        &url,
    );
    (status, body)
}

/// `upnp-client call-action` from the client: its JSON output's `out_parameters`.
fn call(lan: &Lan, client: &Path, action: &str, args: &[String]) -> Value {
    let location = format!("http://{}:8201/dlna/description.xml", lan.server_ip());
    let mut cmd: Vec<String> = vec![
        client.display().to_string(),
        "--timeout".into(),
        "10".into(),
        "call-action".into(),
        location,
        action.into(),
    ];
    cmd.extend(args.iter().cloned());
    let refs: Vec<&str> = cmd.iter().map(String::as_str).collect();
    let out = lan.client_run(&refs);
    assert!(
        out.status.success(),
        "upnp-client {action} {args:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let line = String::from_utf8_lossy(&out.stdout).into_owned();
    let json: Value = serde_json::from_str(line.trim()).unwrap_or_else(|e| panic!("{e}: {line}"));
    json["out_parameters"].clone()
}

/// One DIDL-Lite entry as a client reads it.
#[derive(Debug, Clone, Default)]
struct Entry {
    container: bool,
    id: String,
    parent: String,
    title: String,
    class: String,
    res: Vec<(String, String)>,
    art: Option<String>,
}

/// Parses DIDL-Lite strictly (a well-formedness error fails the test).
fn didl(text: &str) -> Vec<Entry> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(text);
    let mut out = Vec::new();
    let mut current: Option<Entry> = None;
    let mut field = String::new();
    let mut protocol = String::new();
    loop {
        match reader
            .read_event()
            .unwrap_or_else(|e| panic!("DIDL-Lite: {e}\n{text}"))
        {
            Event::Start(e) => {
                let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
                let attr = |key: &str| {
                    e.attributes()
                        .flatten()
                        .find(|a| a.key.as_ref() == key.as_bytes())
                        .map(|a| a.unescape_value().unwrap().into_owned())
                };
                match name.as_str() {
                    "container" | "item" => {
                        current = Some(Entry {
                            container: name == "container",
                            id: attr("id").unwrap(),
                            parent: attr("parentID").unwrap(),
                            ..Entry::default()
                        });
                    }
                    "res" => protocol = attr("protocolInfo").unwrap(),
                    _ => {}
                }
                field = name;
            }
            Event::Text(t) => {
                let value = t.unescape().unwrap().into_owned();
                if let Some(e) = &mut current {
                    match field.as_str() {
                        "dc:title" => e.title = value,
                        "upnp:class" => e.class = value,
                        "res" => e.res.push((protocol.clone(), value)),
                        "upnp:albumArtURI" => e.art = Some(value),
                        _ => {}
                    }
                }
            }
            Event::End(e) => {
                let name = e.name();
                if name.as_ref() == b"container" || name.as_ref() == b"item" {
                    out.extend(current.take());
                }
                field.clear();
            }
            Event::Eof => break,
            _ => {}
        }
    }
    out
}

fn browse(lan: &Lan, client: &Path, id: &str) -> (Vec<Entry>, Value) {
    let out = call(
        lan,
        client,
        "ContentDirectory/Browse",
        &[
            format!("ObjectID={id}"),
            "BrowseFlag=BrowseDirectChildren".into(),
            "Filter=*".into(),
            "StartingIndex=0".into(),
            "RequestedCount=0".into(),
            "SortCriteria=".into(),
        ],
    );
    let entries = didl(out["Result"].as_str().unwrap());
    assert_eq!(
        out["NumberReturned"].as_u64(),
        Some(entries.len() as u64),
        "{out}"
    );
    (entries, out)
}

fn find<'a>(entries: &'a [Entry], title: &str) -> &'a Entry {
    entries
        .iter()
        .find(|e| e.title == title)
        .unwrap_or_else(|| panic!("no {title:?} in {entries:#?}"))
}

/// Makes the accounts `tv` (which DLNA serves as) and `boss` (an administrator), starts
/// the binary in the server namespace with `libraries`, and waits until its description
/// answers. Returns the server and how long it took to be discoverable.
fn serve(lan: &Lan, root: &Path, libraries: &[(&str, &Path)], name: &str) -> (Server, Duration) {
    let settings = Settings {
        data_dir: root.join("data"),
        ..Settings::default()
    };
    let config = root.join("homestream.toml");
    let mut text = "[server]\nhost = \"0.0.0.0\"\nport = 3000\n\
                    [media]\nscan_on_startup = true\nwatch = false\n"
        .to_owned();
    for (library, path) in libraries {
        text.push_str(&format!(
            "[[media.libraries]]\nname = {library:?}\npath = {:?}\n",
            path.display().to_string()
        ));
    }
    text.push_str(&format!(
        "[dlna]\nenable = true\nuser = \"tv\"\nport = 8201\nfriendly_name = {name:?}\n\
         notify_interval = \"2s\"\n"
    ));
    std::fs::write(&config, text).unwrap();
    let config_arg = config.display().to_string();
    for (name, role) in [("tv", "user"), ("boss", "admin")] {
        let out = homestream(
            &settings,
            &[
                "user",
                "create",
                name,
                "--role",
                role,
                "--password-stdin",
                "--config",
                &config_arg,
            ],
            &format!("{PASSWORD}\n"),
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let started = Instant::now();
    let mut cmd = Command::new("ip");
    cmd.args([
        "netns",
        "exec",
        &lan.server,
        env!("CARGO_BIN_EXE_homestream"),
        "serve",
    ])
    .args(["--config", &config_arg])
    .env_clear()
    .env("PATH", std::env::var("PATH").unwrap_or_default())
    .env("HOMESTREAM_CONFIG_DIR", "/nonexistent")
    .env("HOMESTREAM_DATA_DIR", &settings.data_dir)
    .env(
        "HOMESTREAM_AUTH__JWT_SECRET",
        settings.auth.jwt_secret.expose(),
    )
    .env("HOMESTREAM_LOG__LEVEL", "warn")
    .stdout(Stdio::null())
    .stderr(Stdio::inherit());
    let server = Server(cmd.spawn().expect("the server starts"));
    let description = format!("http://{}:8201/dlna/description.xml", lan.server_ip());
    loop {
        let (status, _, _) = lan.curl(&[], &description);
        if status == 200 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the server never answered"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    (server, started.elapsed())
}

#[test]
fn tvs_find_browse_and_play_the_server_and_others_get_nothing() {
    let Some(client) = can_run() else {
        return;
    };
    let root = tempfile::tempdir().unwrap();
    let (shows, films) = (root.path().join("shows"), root.path().join("films"));
    let clip = "hevc_ac3.mkv";
    for (dir, name) in [
        (&shows, "Good Show/Season 1/Good Show - S01E01 - Pilot.mkv"),
        (&shows, "Good Show/Season 1/Good Show - S01E02 - Second.mkv"),
        (&shows, "Good Show/Season 2/Good Show - S02E01 - Return.mkv"),
        (&films, "Alien (1979)/Alien (1979).mkv"),
        (&films, "Loose <b>&amp; \"Quotes\" (2001).mkv"),
    ] {
        add_clip(dir, clip, name);
    }
    let _ = clips();
    std::fs::write(
        shows.join("Good Show/Season 1/Good Show - S01E01 - Pilot.en.srt"),
        "1\n00:00:00,100 --> 00:00:00,900\nHello from the sidecar\n\n",
    )
    .unwrap();
    let lan = Lan::new();
    let libraries = [("Shows", shows.as_path()), ("Films", films.as_path())];
    let (server, started) = serve(&lan, root.path(), &libraries, "Test <&> server");
    let description = format!("http://{}:8201/dlna/description.xml", lan.server_ip());
    println!("discoverable after {started:?}");

    // gssdp-discover finds the device and its services.
    let iface = format!("hsdc{}", lan.n);
    let out = lan.client_run(&["gssdp-discover", "-i", &iface, "-n", "3", "-t", "ssdp:all"]);
    let seen = String::from_utf8_lossy(&out.stdout).into_owned();
    println!("gssdp-discover:\n{seen}");
    for wanted in [
        "urn:schemas-upnp-org:device:MediaServer:1",
        "urn:schemas-upnp-org:service:ContentDirectory:1",
        "urn:schemas-upnp-org:service:ConnectionManager:1",
        description.as_str(),
    ] {
        assert!(seen.contains(wanted), "gssdp-discover did not see {wanted}");
    }

    // upnp-client finds it by M-SEARCH; from the outsider's address it finds nothing.
    let search = |bind: &str| {
        let out = lan.client_run(&[
            client.to_str().unwrap(),
            "--timeout",
            "3",
            "search",
            "--bind",
            bind,
            "--search_target",
            "urn:schemas-upnp-org:device:MediaServer:1",
        ]);
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let found = search(&lan.client_ip());
    assert!(found.contains(&description), "upnp-client search: {found}");
    let outside = search(&lan.outsider_ip());
    assert!(
        !outside.contains("MediaServer"),
        "an address outside the allowed networks was answered: {outside}"
    );
    let (status, _, body) = lan.curl(&["--interface", &lan.outsider_ip()], &description);
    assert_eq!(status, 403, "{body}");

    // The description names the device as configured, escaped.
    let (_, _, desc) = lan.curl(&[], &description);
    assert!(
        desc.contains("<friendlyName>Test &lt;&amp;&gt; server</friendlyName>"),
        "{desc}"
    );

    // Wait for the first scan, then browse: root, a library, its series, a season.
    let mut tries = 0;
    let shows_lib = loop {
        let (entries, _) = browse(&lan, &client, "0");
        let lib = entries
            .iter()
            .find(|e| e.title == "Shows")
            .cloned()
            .unwrap();
        let (inside, _) = browse(&lan, &client, &lib.id);
        if inside.iter().any(|e| e.title == "Series") {
            break inside;
        }
        tries += 1;
        assert!(tries < 100, "the scan never finished: {inside:?}");
        std::thread::sleep(Duration::from_millis(200));
    };
    let (root_entries, _) = browse(&lan, &client, "0");
    for t in [
        "Films",
        "Continue watching",
        "Next up",
        "Recently added",
        "Playlists",
    ] {
        find(&root_entries, t);
    }
    let (series, _) = browse(&lan, &client, &find(&shows_lib, "Series").id);
    let show = find(&series, "Good Show");
    let (seasons, _) = browse(&lan, &client, &show.id);
    let titles: Vec<&str> = seasons.iter().map(|e| e.title.as_str()).collect();
    assert_eq!(titles, ["Season 1", "Season 2"]);
    let (episodes, _) = browse(&lan, &client, &seasons[0].id);
    let titles: Vec<&str> = episodes.iter().map(|e| e.title.as_str()).collect();
    assert_eq!(titles, ["01. Pilot", "02. Second"]);
    let pilot = &episodes[0];
    assert_eq!(pilot.class, "object.item.videoItem");
    assert_eq!(pilot.parent, seasons[0].id);

    // Folders as on disk, and a hostile title escaped.
    let films_lib = find(&root_entries, "Films");
    let (inside, _) = browse(&lan, &client, &films_lib.id);
    let (folders, _) = browse(&lan, &client, &find(&inside, "Folders").id);
    let alien_dir = find(&folders, "Alien (1979)");
    assert!(alien_dir.container);
    let loose = folders
        .iter()
        .find(|e| !e.container)
        .expect("the loose film beside the folder");
    assert!(loose.title.contains("<b>&amp; \"Quotes\""), "{loose:?}");
    let (alien, _) = browse(&lan, &client, &alien_dir.id);
    assert_eq!(alien.len(), 1);

    // Paged from cold (a sort not asked for before): the first page is read for itself
    // and the whole listing kept in the background; the next pages come from it, and
    // every page agrees with the whole.
    let folders_id = find(&inside, "Folders").id.clone();
    let browse_sorted = |start: usize, count: usize| -> Vec<String> {
        let (status, body) = soap(
            &lan,
            "Browse",
            &[
                ("ObjectID", &folders_id),
                ("BrowseFlag", "BrowseDirectChildren"),
                ("Filter", "*"),
                ("StartingIndex", &start.to_string()),
                ("RequestedCount", &count.to_string()),
                ("SortCriteria", "-dc:title"),
            ],
        );
        assert_eq!(status, 200, "{body}");
        let result = body
            .split_once("<Result>")
            .and_then(|(_, r)| r.split_once("</Result>"))
            .map(|(r, _)| {
                r.replace("&lt;", "<")
                    .replace("&gt;", ">")
                    .replace("&quot;", "\"")
                    .replace("&amp;", "&")
            })
            .unwrap_or_default();
        didl(&result).into_iter().map(|e| e.title).collect()
    };
    let mut paged = browse_sorted(0, 1);
    std::thread::sleep(Duration::from_millis(500));
    for start in 1..folders.len() {
        paged.extend(browse_sorted(start, 1));
    }
    assert_eq!(paged, browse_sorted(0, 0));
    let mut listed: Vec<String> = folders.iter().map(|e| e.title.clone()).collect();
    listed.sort();
    paged.sort();
    assert_eq!(paged, listed);
    let metadata = call(
        &lan,
        &client,
        "ContentDirectory/Browse",
        &[
            format!("ObjectID={}", alien[0].id),
            "BrowseFlag=BrowseMetadata".into(),
            "Filter=*".into(),
            "StartingIndex=0".into(),
            "RequestedCount=0".into(),
            "SortCriteria=".into(),
        ],
    );
    let me = didl(metadata["Result"].as_str().unwrap());
    assert_eq!(me.len(), 1);
    assert_eq!(me[0].class, "object.item.videoItem.movie");
    assert_eq!(me[0].parent, alien_dir.id, "an item's parent is its folder");

    // Its res plays: ffprobe reads it, a byte range is answered with DLNA's headers.
    let (protocol, url) = pilot.res[0].clone();
    assert!(
        protocol.starts_with("http-get:*:video/x-matroska:"),
        "{protocol}"
    );
    assert!(protocol.contains("DLNA.ORG_OP=01"), "{protocol}");
    assert!(
        url.starts_with(&format!("http://{}:8201/dlna/media/", lan.server_ip())),
        "{url}"
    );
    let probe = lan.client_run(&[
        "ffprobe",
        "-v",
        "error",
        "-show_entries",
        "stream=codec_name",
        "-of",
        "csv=p=0",
        &url,
    ]);
    let codecs = String::from_utf8_lossy(&probe.stdout).into_owned();
    assert!(
        codecs.contains("hevc") && codecs.contains("ac3"),
        "ffprobe read {codecs:?}"
    );
    let (status, head, body) = lan.curl_bytes(
        &[
            "-H",
            "Range: bytes=0-99",
            "-H",
            "getcontentFeatures.dlna.org: 1",
        ],
        &url,
    );
    assert_eq!((status, body.len()), (206, 100), "{head}");
    assert!(head.contains("content-range: bytes 0-99/"), "{head}");
    assert!(head.contains("transfermode.dlna.org: streaming"), "{head}");
    assert!(
        head.contains("contentfeatures.dlna.org: dlna.org_op=01"),
        "{head}"
    );
    // The admin's Streams list names the device's stream.
    // (checked below, once signed in)

    // What the TV cannot play is offered as MPEG-TS too, seekable by time.
    let (ts_protocol, ts_url) = pilot
        .res
        .iter()
        .find(|(p, _)| p.contains("video/mpeg"))
        .cloned()
        .unwrap_or_else(|| panic!("no transcoded res: {pilot:?}"));
    assert!(ts_protocol.contains("DLNA.ORG_OP=10"), "{ts_protocol}");
    let probe = lan.client_run(&[
        "ffprobe",
        "-v",
        "error",
        "-headers",
        "TimeSeekRange.dlna.org: npt=0.4-\r\n",
        "-show_entries",
        "stream=codec_name",
        "-of",
        "csv=p=0",
        &ts_url,
    ]);
    let codecs = String::from_utf8_lossy(&probe.stdout).into_owned();
    assert!(
        codecs.contains("h264") && codecs.contains("aac"),
        "ffprobe read {codecs:?} from the transcode: {}",
        String::from_utf8_lossy(&probe.stderr)
    );
    let (status, head, _) = lan.curl(
        &["-I", "-H", "TimeSeekRange.dlna.org: npt=0:00:00.500-"],
        &ts_url,
    );
    assert_eq!(status, 200, "{head}");
    let range = head
        .lines()
        .find_map(|l| l.strip_prefix("timeseekrange.dlna.org: npt=0.500-"))
        .unwrap_or_else(|| panic!("no TimeSeekRange answered: {head}"));
    let (end, total) = range.trim().split_once('/').unwrap();
    assert_eq!(end, total, "to the end: {range}");
    assert!((total.parse::<f64>().unwrap() - 1.0).abs() < 0.1, "{range}");
    let (status, _, _) = lan.curl(&["-I", "-H", "TimeSeekRange.dlna.org: npt=99-"], &ts_url);
    assert_eq!(status, 416);
    let (status, _, _) = lan.curl(&["-I", "-H", "TimeSeekRange.dlna.org: bytes=0-"], &ts_url);
    assert_eq!(status, 400);

    // The sidecar subtitles as SubRip, where Samsung and others look for them.
    let (_, srt_url) = pilot
        .res
        .iter()
        .find(|(p, _)| p.contains("text/srt"))
        .cloned()
        .unwrap_or_else(|| panic!("no subtitle res: {pilot:?}"));
    let (status, _, srt) = lan.curl(&[], &srt_url);
    assert_eq!(status, 200);
    assert!(
        srt.starts_with("1\n00:00:00,100 --> 00:00:00,900\nHello from the sidecar"),
        "{srt}"
    );
    let (_, head, _) = lan.curl(&["-I", "-H", "getCaptionInfo.sec: 1"], &url);
    assert!(
        head.contains(&format!(
            "captioninfo.sec: {}",
            srt_url.to_ascii_lowercase()
        )),
        "{head}"
    );
    let (_, second) = (0, &episodes[1]);
    assert!(
        second.res.iter().all(|(p, _)| !p.contains("text/srt")),
        "an episode without subtitles lists none"
    );

    // A credential that is not the device's is refused.
    let forged = url.replacen("/media/", "/media/x", 1);
    assert_eq!(lan.curl(&[], &forged).0, 404);
    let parts: Vec<&str> = url.split('/').collect();
    let wrong = url.replace(parts[6], &"0".repeat(32));
    assert_eq!(lan.curl(&[], &wrong).0, 403);

    // Search by title and class.
    let found = call(
        &lan,
        &client,
        "ContentDirectory/Search",
        &[
            "ContainerID=0".into(),
            "SearchCriteria=upnp:class derivedfrom \"object.item.videoItem\" and dc:title contains \"alien\"".into(),
            "Filter=*".into(),
            "StartingIndex=0".into(),
            "RequestedCount=10".into(),
            "SortCriteria=".into(),
        ],
    );
    let hits = didl(found["Result"].as_str().unwrap());
    let titles: Vec<&str> = hits.iter().map(|e| e.title.as_str()).collect();
    assert_eq!(titles, ["Alien"], "{found}");

    // Faults, never a crash: an unknown object 701, bad arguments 402, not SOAP 401.
    let (status, body) = soap(
        &lan,
        "Browse",
        &[("ObjectID", "nope"), ("BrowseFlag", "BrowseDirectChildren")],
    );
    assert!(
        status == 500 && body.contains("<errorCode>701</errorCode>"),
        "{status} {body}"
    );
    let (status, body) = soap(
        &lan,
        "Browse",
        &[("ObjectID", "0"), ("BrowseFlag", "Sideways")],
    );
    assert!(
        status == 500 && body.contains("<errorCode>402</errorCode>"),
        "{status} {body}"
    );
    let (status, body) = soap(
        &lan,
        "Browse",
        &[
            ("ObjectID", "0"),
            ("BrowseFlag", "BrowseDirectChildren"),
            ("RequestedCount", "-1"),
        ],
    );
    assert!(
        status == 500 && body.contains("<errorCode>402</errorCode>"),
        "{status} {body}"
    );
    let (status, body) = soap(&lan, "Explode", &[]);
    assert!(
        status == 500 && body.contains("<errorCode>401</errorCode>"),
        "{status} {body}"
    );
    let (status, _, _) = lan.curl(
        &["-X", "POST", "--data-binary", &"x".repeat(70_000)],
        &format!(
            "http://{}:8201/dlna/control/ContentDirectory",
            lan.server_ip()
        ),
    );
    assert_eq!(status, 413);

    // The admin page lists the device; blocking it stops its URLs at once.
    let api = format!("http://{}:3000", lan.server_ip());
    let (_, _, login) = lan.curl(
        &[
            "-H",
            "content-type: application/json",
            "--data",
            &format!("{{\"username\":\"boss\",\"password\":\"{PASSWORD}\"}}"),
        ],
        &format!("{api}/api/auth/login"),
    );
    let token: Value = serde_json::from_str(&login).unwrap();
    let bearer = format!(
        "authorization: Bearer {}",
        token["access_token"].as_str().unwrap()
    );
    let (_, _, list) = lan.curl(&["-H", &bearer], &format!("{api}/api/admin/dlna/devices"));
    let devices: Value = serde_json::from_str(&list).unwrap();
    let device = devices
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["address"] == lan.client_ip())
        .unwrap_or_else(|| panic!("{devices}"))
        .clone();
    let id = device["id"].as_str().unwrap();
    let (_, _, streams) = lan.curl(&["-H", &bearer], &format!("{api}/api/admin/streams"));
    let streams: Value = serde_json::from_str(&streams).unwrap();
    assert!(
        streams
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["username"] == "tv"
                && s["user_agent"]
                    .as_str()
                    .is_some_and(|ua| ua == format!("DLNA: {}", device["name"].as_str().unwrap()))),
        "the device's stream, named: {streams}"
    );
    let patch = |blocked: bool| {
        let (status, _, body) = lan.curl(
            &[
                "-X",
                "PATCH",
                "-H",
                &bearer,
                "-H",
                "content-type: application/json",
                "--data",
                &format!("{{\"blocked\":{blocked}}}"),
            ],
            &format!("{api}/api/admin/dlna/devices/{id}"),
        );
        assert_eq!(status, 200, "{body}");
    };
    patch(true);
    let (status, _, body) = lan.curl(&["-H", "Range: bytes=0-99"], &url);
    assert_eq!(status, 403, "{body}");
    assert!(body.contains("dlna_device_blocked"), "{body}");
    let (status, _) = soap(
        &lan,
        "Browse",
        &[("ObjectID", "0"), ("BrowseFlag", "BrowseDirectChildren")],
    );
    assert_eq!(status, 403);
    // Allowed again, it gets new URLs; the old ones stay dead.
    patch(false);
    assert_eq!(lan.curl(&[], &url).0, 403);
    let (again, _) = browse(&lan, &client, &seasons[0].id);
    let new_url = &again[0].res[0].1;
    assert_ne!(new_url, &url);
    assert_eq!(lan.curl(&["-H", "Range: bytes=0-9"], new_url).0, 206);

    // A scan that changes the catalog changes SystemUpdateID.
    let update_id = |lan: &Lan| {
        call(lan, &client, "ContentDirectory/GetSystemUpdateID", &[])["Id"]
            .as_u64()
            .unwrap()
    };
    let before = update_id(&lan);
    add_clip(&films, clip, "New Film (2020).mkv");
    let (status, _, _) = lan.curl(
        &["-X", "POST", "-H", &bearer],
        &format!("{api}/api/library/scan"),
    );
    assert!(status < 300, "scan: {status}");
    let waited = Instant::now();
    while update_id(&lan) == before {
        assert!(
            waited.elapsed() < Duration::from_secs(20),
            "SystemUpdateID never changed"
        );
        std::thread::sleep(Duration::from_millis(200));
    }

    // On shutdown the server says goodbye: gssdp-discover, once it has found the
    // device, hears it leave.
    let mut listener = Command::new("ip")
        .args(["netns", "exec", &lan.client, "gssdp-discover", "-i", &iface])
        .args([
            "-n",
            "10",
            "-m",
            "all",
            "-t",
            "urn:schemas-upnp-org:device:MediaServer:1",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let heard = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let reading = {
        use std::io::BufRead;
        let (heard, out) = (heard.clone(), listener.stdout.take().unwrap());
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(out).lines().map_while(Result::ok) {
                let mut h = heard.lock().unwrap();
                h.push_str(&line);
                h.push('\n');
            }
        })
    };
    let waited = Instant::now();
    while !heard.lock().unwrap().contains("resource available") {
        assert!(
            waited.elapsed() < Duration::from_secs(8),
            "gssdp-discover never found the device: {}",
            heard.lock().unwrap()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    drop(server);
    let _ = listener.wait();
    let _ = reading.join();
    let heard = heard.lock().unwrap().clone();
    assert!(
        heard.contains("resource unavailable"),
        "no byebye heard: {heard}"
    );
    if required() {
        println!("all DLNA clients ran");
    }
}

crate::helpers::on_both_backends!(
    a_device_is_recorded_once_blocked_at_once_and_allowed_with_new_urls,
    addresses_without_end_make_a_bounded_device_list
);

/// A host changing its address at will (an allowed IPv6 /64 holds millions) cannot
/// grow the device list without end: past the limit, a new device makes the one unseen
/// longest forgotten (its URLs stop working; it is recorded anew if it returns). A
/// blocked device is never forgotten, however long unseen.
async fn addresses_without_end_make_a_bounded_device_list(app: crate::helpers::TestApp) {
    use homestream::devices::{DeviceError, DeviceHeaders, Devices};
    let devices = Devices::new(app.state.db.clone(), b"a secret of the test").with_limit(3);
    let headers = DeviceHeaders::default();
    let start = chrono::Utc::now();
    let at = |s: i64| start + chrono::TimeDelta::seconds(s);
    let addr = |n: u16| -> std::net::IpAddr { format!("2001:db8::{n:x}").parse().unwrap() };
    let blocked = devices.visit(addr(1), &headers, at(0)).await.unwrap();
    let forgotten = devices.visit(addr(2), &headers, at(1)).await.unwrap();
    devices
        .set_blocked(blocked.id, true, at(2))
        .await
        .unwrap()
        .unwrap();
    for n in 3..=6 {
        devices
            .visit(addr(n), &headers, at(i64::from(n)))
            .await
            .unwrap();
    }
    let listed: Vec<String> = devices
        .list()
        .await
        .unwrap()
        .into_iter()
        .map(|d| d.address)
        .collect();
    assert_eq!(
        listed,
        ["2001:db8::6", "2001:db8::5", "2001:db8::4", "2001:db8::1"],
        "the three seen last and the blocked one"
    );
    assert!(matches!(
        devices.authorize(forgotten.id, &forgotten.credential).await,
        Err(DeviceError::Unknown)
    ));
    assert!(matches!(
        devices.visit(addr(1), &headers, at(7)).await,
        Err(DeviceError::Blocked)
    ));
    let back = devices.visit(addr(2), &headers, at(8)).await.unwrap();
    assert_ne!(back.id, forgotten.id, "recorded anew");
    assert_eq!(devices.list().await.unwrap().len(), 4);
}

/// The device records behind the admin page, on each backend: two visits at once from
/// one address make one device; a block refuses its credential and its visits at once;
/// an allow gives it a new credential and leaves the old one dead.
async fn a_device_is_recorded_once_blocked_at_once_and_allowed_with_new_urls(
    app: crate::helpers::TestApp,
) {
    use homestream::accounts::Role;
    use homestream::devices::{DeviceError, DeviceHeaders};
    let devices = app.state.devices.clone();
    let addr: std::net::IpAddr = "192.168.1.40".parse().unwrap();
    let tv = DeviceHeaders {
        user_agent: Some("SEC_HHP_[TV] Samsung Q60 Series (55)/1.0 UPnP/1.0"),
        client_info: None,
    };
    let now = chrono::Utc::now();
    let (a, b) = tokio::join!(devices.visit(addr, &tv, now), devices.visit(addr, &tv, now));
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a, b, "one address, one device, one credential");
    assert_eq!(a.name, "[TV] Samsung Q60 Series (55)");
    assert_eq!(
        devices.authorize(a.id, &a.credential).await.unwrap().id,
        a.id
    );
    assert!(matches!(
        devices.authorize(a.id, &"0".repeat(32)).await,
        Err(DeviceError::Unknown)
    ));
    let admin = app.token_for("root", Role::Admin).await;
    let listed: Value = app
        .get("/api/admin/dlna/devices", &admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");
    assert_eq!(listed[0]["address"], "192.168.1.40");
    assert_eq!(listed[0]["blocked_at"], Value::Null);

    let path = format!("/api/admin/dlna/devices/{}", a.id);
    let block = |blocked: bool| {
        let (app, admin, path) = (&app, &admin, &path);
        async move {
            app.send_json(
                reqwest::Method::PATCH,
                path,
                admin,
                &serde_json::json!({ "blocked": blocked }),
            )
            .await
        }
    };
    let blocked: Value = block(true).await.json().await.unwrap();
    assert!(blocked["blocked_at"].is_string(), "{blocked}");
    assert!(matches!(
        devices.authorize(a.id, &a.credential).await,
        Err(DeviceError::Blocked)
    ));
    assert!(matches!(
        devices.visit(addr, &tv, chrono::Utc::now()).await,
        Err(DeviceError::Blocked)
    ));
    let allowed: Value = block(false).await.json().await.unwrap();
    assert_eq!(allowed["blocked_at"], Value::Null);
    let again = devices.visit(addr, &tv, chrono::Utc::now()).await.unwrap();
    assert_eq!(again.id, a.id);
    assert_ne!(again.credential, a.credential, "new URLs after an allow");
    assert!(matches!(
        devices.authorize(a.id, &a.credential).await,
        Err(DeviceError::Unknown)
    ));
    assert!(devices.authorize(a.id, &again.credential).await.is_ok());

    // Bad input: an unknown device 404, a body that is not the change 400 or 422.
    let unknown = app
        .send_json(
            reqwest::Method::PATCH,
            &format!("/api/admin/dlna/devices/{}", uuid::Uuid::new_v4()),
            &admin,
            &serde_json::json!({ "blocked": true }),
        )
        .await;
    crate::helpers::assert_problem(unknown, 404, "not_found").await;
    let bad = app
        .send_json(
            reqwest::Method::PATCH,
            &path,
            &admin,
            &serde_json::json!({ "blocked": "yes" }),
        )
        .await;
    assert!(
        matches!(bad.status().as_u16(), 400 | 422),
        "{}",
        bad.status()
    );
    let user = app.token_for("ann", Role::User).await;
    assert_eq!(
        app.get("/api/admin/dlna/devices", &user).await.status(),
        403
    );
}

/// VLC (Debian's `cvlc`, headless, driven through its command-line interface) finds the
/// server with its UPnP services discovery, lists a library's videos and plays one. VLC
/// refuses to run as root, so it runs as `nobody`.
#[test]
fn vlc_finds_the_server_lists_its_videos_and_plays_one() {
    use std::io::{BufRead, Write};
    use std::sync::{Arc, Mutex};
    if can_run().is_none() {
        return;
    }
    let has = |tool: &str| {
        Command::new("sh")
            .args(["-c", &format!("command -v {tool}")])
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if !has("cvlc") || !has("setpriv") {
        skip(
            "vlc",
            "cvlc not found (Debian packages vlc-bin and vlc-plugin-base)",
        );
        return;
    }
    let root = tempfile::tempdir().unwrap();
    let films = root.path().join("films");
    add_clip(&films, "hevc_ac3.mkv", "Alien (1979)/Alien (1979).mkv");
    add_clip(&films, "h264_aac.mp4", "Heat (1995).mp4");
    let lan = Lan::new().without_outsider();
    let (_server, _) = serve(
        &lan,
        root.path(),
        &[("Films", films.as_path())],
        "VLC test server",
    );
    let waited = Instant::now();
    loop {
        let (_, body) = soap(
            &lan,
            "Browse",
            &[
                ("ObjectID", "all/Films"),
                ("BrowseFlag", "BrowseDirectChildren"),
            ],
        );
        if body.contains("<TotalMatches>2</TotalMatches>") {
            break;
        }
        assert!(
            waited.elapsed() < Duration::from_secs(20),
            "never scanned: {body}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }

    let mut vlc = Command::new("ip")
        .args([
            "netns",
            "exec",
            &lan.client,
            "setpriv",
            "--reuid=65534",
            "--regid=65534",
        ])
        .args(["--clear-groups", "env", "HOME=/tmp", "cvlc", "-I", "cli"])
        .args(["--services-discovery", "upnp", "--no-playlist-autostart"])
        .args(["--aout", "dummy", "--vout", "dummy"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(root.path().join("vlc.log")).unwrap())
        .spawn()
        .expect("cvlc starts");
    let seen = Arc::new(Mutex::new(String::new()));
    let reader = {
        let (seen, out) = (seen.clone(), vlc.stdout.take().unwrap());
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(out).lines().map_while(Result::ok) {
                let mut s = seen.lock().unwrap();
                s.push_str(&line);
                s.push('\n');
            }
        })
    };
    let mut stdin = vlc.stdin.take().unwrap();
    let mut send = |command: &str| {
        let _ = writeln!(stdin, "{command}");
    };
    // The playlist's entry titled `title` (its number), asking again until it shows.
    let entry = |send: &mut dyn FnMut(&str), title: &str| -> String {
        let started = Instant::now();
        loop {
            seen.lock().unwrap().clear();
            send("playlist");
            std::thread::sleep(Duration::from_millis(500));
            let text = seen.lock().unwrap().clone();
            let found = text.lines().find_map(|l| {
                let l = l.trim_start_matches(['|', ' ', '*']);
                let (n, rest) = l.split_once(" - ")?;
                rest.starts_with(title).then(|| n.trim().to_owned())
            });
            if let Some(n) = found {
                return n;
            }
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "VLC never listed {title:?}:\n{text}\nVLC's log:\n{}",
                std::fs::read_to_string(root.path().join("vlc.log")).unwrap_or_default()
            );
        }
    };
    let server = entry(&mut send, "VLC test server");
    send(&format!("goto {server}"));
    // The library (listed before the films container inside it).
    let films_node = entry(&mut send, "Films");
    send(&format!("goto {films_node}"));
    let all = entry(&mut send, "All videos");
    send(&format!("goto {all}"));
    let alien = entry(&mut send, "Alien (00:00:01)");
    entry(&mut send, "Heat (00:00:01)");
    seen.lock().unwrap().clear();
    send(&format!("goto {alien}"));
    std::thread::sleep(Duration::from_millis(700));
    send("status");
    std::thread::sleep(Duration::from_millis(500));
    let played = seen.lock().unwrap().clone();
    send("quit");
    drop(stdin);
    let _ = vlc.wait();
    let _ = reader.join();
    let media = format!("( new input: http://{}:8201/dlna/media/", lan.server_ip());
    assert!(
        played.contains(&media),
        "VLC did not open the item's file:\n{played}"
    );
    println!(
        "VLC listed the library's videos and opened {}",
        played
            .lines()
            .find(|l| l.contains("new input"))
            .unwrap_or_default()
    );
}
