//! Series, seasons, episodes and films from a household's folders: a generated tree of
//! real files (shows with season folders, specials, a multi-episode file, a release
//! name, films with versions and parts, Kodi `.nfo` files and posters), scanned and read
//! through the API on both backends.

use crate::helpers::{assert_problem, Backend};
use crate::media::{for_each_backend, spawn_media_app, MediaApp};
use homestream::accounts::Role;
use serde_json::{json, Value};
use std::path::Path;
use std::process::Command;

const TREE: &[(&str, &str)] = &[
    (
        "h264_aac.mp4",
        "TV/The Office (US)/Season 01/The Office - S01E01 - Pilot.mp4",
    ),
    (
        "h264_aac.mp4",
        "TV/The Office (US)/Season 01/The Office - S01E02 - Diversity Day.mp4",
    ),
    (
        "h264_aac.mp4",
        "TV/The Office (US)/Season 02/The Office - S02E01-E02 - The Dundies.mp4",
    ),
    (
        "h264_aac.mp4",
        "TV/The Office (US)/Specials/The Office - S00E01 - Bloopers.mp4",
    ),
    (
        "vp9_opus.webm",
        "TV/The.Series.Name.S01E04.WEBRip.x264-GRP.webm",
    ),
    (
        "h264_aac.mp4",
        "Films/Alien (1979)/Alien (1979) - 1080p.mp4",
    ),
    ("hevc_ac3.mkv", "Films/Alien (1979)/Alien (1979) - 4K.mkv"),
    (
        "h264_aac.mp4",
        "Films/Kill Bill (2003)/Kill Bill (2003)-cd1.mp4",
    ),
    (
        "h264_aac.mp4",
        "Films/Kill Bill (2003)/Kill Bill (2003)-cd2.mp4",
    ),
    ("h264_aac.mp4", "Films/Heat.1995.1080p.BluRay.x264-GRP.mp4"),
];

const TVSHOW_NFO: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes" ?>
<tvshow>
  <title>The Office</title>
  <originaltitle>The Office (US)</originaltitle>
  <year>2005</year>
  <plot>A mockumentary on a group of office workers. &lt;script&gt;alert(1)&lt;/script&gt;</plot>
  <genre>Comedy</genre>
  <premiered>2005-03-24</premiered>
  <actor><name>Steve Carell</name><role>Michael</role></actor>
</tvshow>
"#;

const EPISODE_NFO: &str = r#"<episodedetails>
  <title>Diversity Day (from the nfo)</title>
  <season>1</season>
  <episode>2</episode>
  <plot>Michael's diversity seminar.</plot>
  <aired>2005-03-29</aired>
</episodedetails>
"#;

const MOVIE_NFO: &str = r#"<movie>
  <title>Alien</title>
  <year>1979</year>
  <plot>In space no one can hear you scream.</plot>
  <genre>Horror</genre><genre>Science Fiction</genre>
  <ratings><rating name="imdb" default="true"><value>8.5</value></rating></ratings>
  <set><title>Alien Collection</title></set>
</movie>
"#;

for_each_backend!(
    a_household_tree_becomes_series_seasons_episodes_and_films,
    next_up_follows_what_each_user_finished_and_marks,
    an_edited_nfo_or_new_poster_is_picked_up_without_a_probe,
    a_renamed_episode_keeps_its_id_and_progress,
    a_series_in_a_library_the_caller_cannot_see_does_not_exist,
);

/// Writes a `w`x`h` JPEG made by ffmpeg.
fn make_image(path: &Path, w: u32, h: u32) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let status = Command::new("ffmpeg")
        .args(["-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i"])
        .arg(format!("color=c=red:s={w}x{h}"))
        .args(["-frames:v", "1"])
        .arg(path)
        .status()
        .expect("ffmpeg runs");
    assert!(status.success());
}

async fn household(backend: Backend) -> Option<MediaApp> {
    household_with(backend, |_| {}).await
}

async fn household_with(
    backend: Backend,
    tweak: impl FnOnce(&mut homestream::config::Settings),
) -> Option<MediaApp> {
    let app = spawn_media_app(backend, TREE, tweak).await?;
    let lib = &app.library;
    std::fs::write(lib.join("TV/The Office (US)/tvshow.nfo"), TVSHOW_NFO).unwrap();
    std::fs::write(
        lib.join("TV/The Office (US)/Season 01/The Office - S01E02 - Diversity Day.nfo"),
        EPISODE_NFO,
    )
    .unwrap();
    std::fs::write(lib.join("Films/Alien (1979)/movie.nfo"), MOVIE_NFO).unwrap();
    make_image(&lib.join("TV/The Office (US)/poster.jpg"), 400, 600);
    make_image(
        &lib.join("TV/The Office (US)/season02-poster.jpg"),
        200,
        300,
    );
    make_image(&lib.join("Films/Alien (1979)/poster.jpg"), 400, 600);
    make_image(&lib.join("Films/Alien (1979)/fanart.jpg"), 1280, 720);
    // A film whose cover picture is attached to its Matroska file.
    let cover = app.library.parent().unwrap().join("cover.jpg");
    make_image(&cover, 300, 450);
    std::fs::create_dir_all(lib.join("Films/Up (2009)")).unwrap();
    let status = Command::new("ffmpeg")
        .args(["-nostdin", "-v", "error", "-y", "-i"])
        .arg(crate::media::clips().join("hevc_ac3.mkv"))
        .arg("-attach")
        .arg(&cover)
        .args(["-metadata:s:t", "mimetype=image/jpeg", "-c", "copy"])
        .arg(lib.join("Films/Up (2009)/Up (2009).mkv"))
        .status()
        .unwrap();
    assert!(status.success());
    let summary = app.scan().await;
    assert_eq!(summary.failed, 0, "{summary:?}");
    Some(app)
}

async fn json_of(app: &MediaApp, path: &str, token: &str) -> Value {
    let resp = app.get(path, token).await;
    assert_eq!(resp.status(), 200, "{path}");
    resp.json().await.unwrap()
}

async fn series_named(app: &MediaApp, token: &str, title: &str) -> Value {
    let page = json_of(app, "/api/series?limit=200", token).await;
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["title"] == title)
        .unwrap_or_else(|| panic!("{title} not among {page}"))
        .clone()
}

async fn episodes(app: &MediaApp, token: &str, series: &Value) -> Vec<Value> {
    let path = format!("/api/series/{}/episodes", series["id"].as_str().unwrap());
    json_of(app, &path, token).await["items"]
        .as_array()
        .unwrap()
        .clone()
}

fn numbers(list: &[Value]) -> Vec<(Value, Value, Value)> {
    list.iter()
        .map(|e| {
            let v = &e["video"];
            (
                v["season"].clone(),
                v["episode"].clone(),
                v["episode_end"].clone(),
            )
        })
        .collect()
}

async fn a_household_tree_becomes_series_seasons_episodes_and_films(backend: Backend) {
    let Some(app) = household(backend).await else {
        return;
    };
    let token = app.token_for("ann", Role::User).await;

    let page = json_of(&app, "/api/series", &token).await;
    let titles: Vec<&str> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["The Office", "The Series Name"], "{page}");

    let office = series_named(&app, &token, "The Office").await;
    assert_eq!(office["year"], 2005);
    assert_eq!(office["genres"], json!(["Comedy"]));
    assert_eq!(office["premiered"], "2005-03-24");
    assert_eq!(office["has_poster"], true);
    assert_eq!(office["episode_count"], 4);
    // Hostile text in an nfo is data: kept as written, for the client to escape.
    assert!(office["plot"]
        .as_str()
        .unwrap()
        .ends_with("<script>alert(1)</script>"));

    let id = office["id"].as_str().unwrap();
    let detail = json_of(&app, &format!("/api/series/{id}"), &token).await;
    let seasons: Vec<(Value, Value, Value)> = detail["seasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["name"].clone(),
                s["episode_count"].clone(),
                s["has_poster"].clone(),
            )
        })
        .collect();
    assert_eq!(
        seasons,
        [
            (json!("Season 1"), json!(2), json!(false)),
            (json!("Season 2"), json!(1), json!(true)),
            (json!("Specials"), json!(1), json!(false)),
        ]
    );

    let list = episodes(&app, &token, &office).await;
    assert_eq!(
        numbers(&list),
        [
            (json!(1), json!(1), Value::Null),
            (json!(1), json!(2), Value::Null),
            (json!(2), json!(1), json!(2)),
            (json!(0), json!(1), Value::Null),
        ]
    );
    assert_eq!(detail["next_episode_id"], list[0]["video"]["id"]);
    let second = &list[1]["video"];
    assert_eq!(second["title"], "Diversity Day (from the nfo)");
    assert_eq!(
        second["display_title"],
        "The Office - S01E02 - Diversity Day (from the nfo)"
    );
    assert_eq!(second["plot"], "Michael's diversity seminar.");
    assert_eq!(second["premiered"], "2005-03-29");
    assert_eq!(list[0]["video"]["title"], "Pilot");
    assert_eq!(
        list[2]["video"]["display_title"],
        "The Office - S02E01-E02 - The Dundies"
    );
    let season_two = json_of(&app, &format!("/api/series/{id}/episodes?season=2"), &token).await;
    assert_eq!(season_two["items"].as_array().unwrap().len(), 1);

    let release = series_named(&app, &token, "The Series Name").await;
    let release_eps = episodes(&app, &token, &release).await;
    assert_eq!(numbers(&release_eps), [(json!(1), json!(4), Value::Null)]);

    // Films: one card per film, its year apart from its title.
    let films = json_of(&app, "/api/videos?kind=film&sort=title", &token).await;
    let cards: Vec<(Value, Value, Value)> = films["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| (v["title"].clone(), v["year"].clone(), v["filename"].clone()))
        .collect();
    assert_eq!(
        cards,
        [
            (json!("Alien"), json!(1979), json!("Alien (1979) - 4K.mkv")),
            (
                json!("Heat"),
                json!(1995),
                json!("Heat.1995.1080p.BluRay.x264-GRP.mp4")
            ),
            (
                json!("Kill Bill"),
                json!(2003),
                json!("Kill Bill (2003)-cd1.mp4")
            ),
            (json!("Up"), json!(2009), json!("Up (2009).mkv")),
        ],
        "the best version (the taller picture) and the first part are listed"
    );
    // Title order lists a show's episodes together, in viewing order (specials first),
    // under the series' title without its article; a search finds a series' episodes
    // by its name and an episode by its number.
    let in_title_order = json_of(&app, "/api/videos?kind=episode&sort=title", &token).await;
    let shown: Vec<&str> = in_title_order["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["display_title"].as_str().unwrap())
        .collect();
    assert_eq!(
        shown,
        [
            "The Office - S00E01 - Bloopers",
            "The Office - S01E01 - Pilot",
            "The Office - S01E02 - Diversity Day (from the nfo)",
            "The Office - S02E01-E02 - The Dundies",
            "The Series Name - S01E04 - Episode 4",
        ]
    );
    let reversed = json_of(
        &app,
        "/api/videos?kind=episode&sort=title&order=desc&limit=2",
        &token,
    )
    .await;
    assert_eq!(reversed["items"][0]["series_title"], "The Series Name");
    assert_eq!(reversed["items"][1]["season"], 2);
    let office = json_of(&app, "/api/videos?q=office&sort=title", &token).await;
    assert_eq!(office["total"], 4, "{office}");
    let by_number = json_of(&app, "/api/videos?q=S01E02", &token).await;
    assert_eq!(by_number["items"][0]["episode"], 2, "{by_number}");
    assert_eq!(by_number["total"], 1, "{by_number}");

    let alien = &films["items"][0];
    assert_eq!(alien["version"], "4K");
    assert_eq!(alien["plot"], "In space no one can hear you scream.");
    assert_eq!(alien["genres"], json!(["Horror", "Science Fiction"]));
    assert_eq!(alien["community_rating"], 8.5);
    assert_eq!(alien["has_poster"], true);
    assert_eq!(alien["has_backdrop"], true);
    assert_eq!(alien["display_title"], "Alien (1979)");

    // Playback picks the version that suits the client: the browser cannot decode
    // HEVC, so the 1080p H.264 file plays directly; a TV plays the taller 4K one.
    let alien_id = alien["id"].as_str().unwrap();
    let path = format!("/api/videos/{alien_id}/playback");
    for (preset, file, method) in [
        ("browser", "Alien (1979) - 1080p.mp4", "direct"),
        ("tv", "Alien (1979) - 4K.mkv", "direct"),
    ] {
        let resp = app
            .send_json(
                reqwest::Method::POST,
                &path,
                &token,
                &json!({ "preset": preset }),
            )
            .await;
        assert_eq!(resp.status(), 200);
        let info: Value = resp.json().await.unwrap();
        assert_eq!(info["method"], method, "{preset}: {info}");
        let chosen = json_of(
            &app,
            &format!("/api/videos/{}", info["video_id"].as_str().unwrap()),
            &token,
        )
        .await;
        assert_eq!(chosen["filename"], file, "{preset}: {info}");
        assert!(info["path"]
            .as_str()
            .unwrap()
            .contains(info["video_id"].as_str().unwrap()));
    }

    // An M3U of episodes names them as a list does.
    let playlist: Value = app
        .send_json(
            reqwest::Method::POST,
            "/api/playlists",
            &token,
            &json!({ "name": "office" }),
        )
        .await
        .json()
        .await
        .unwrap();
    let playlist = playlist["id"].as_str().unwrap();
    let resp = app
        .send_json(
            reqwest::Method::POST,
            &format!("/api/playlists/{playlist}/videos"),
            &token,
            &json!({ "video_id": second["id"] }),
        )
        .await;
    assert_eq!(resp.status(), 200);
    let m3u = app
        .get(&format!("/api/playlists/{playlist}/m3u"), &token)
        .await
        .text()
        .await
        .unwrap();
    assert!(
        m3u.contains(",The Office - S01E02 - Diversity Day (from the nfo)\n"),
        "{m3u}"
    );

    // The next part of a film plays after the first; the next episode after one, across
    // seasons.
    let kill_bill = films["items"][2]["id"].as_str().unwrap();
    let next = json_of(&app, &format!("/api/videos/{kill_bill}/next"), &token).await;
    assert_eq!(next["video"]["filename"], "Kill Bill (2003)-cd2.mp4");
    let second_id = second["id"].as_str().unwrap();
    let next = json_of(&app, &format!("/api/videos/{second_id}/next"), &token).await;
    assert_eq!(
        next["video"]["display_title"],
        "The Office - S02E01-E02 - The Dundies"
    );
    let last = list[2]["video"]["id"].as_str().unwrap();
    let next = json_of(&app, &format!("/api/videos/{last}/next"), &token).await;
    assert_eq!(
        next["video"],
        Value::Null,
        "nothing after the last episode: {next}"
    );
    let special = list[3]["video"]["id"].as_str().unwrap();
    let next = json_of(&app, &format!("/api/videos/{special}/next"), &token).await;
    assert_eq!(
        next["video"],
        Value::Null,
        "a special is followed by specials only"
    );

    // Filters by genre and year; search finds series and films by title.
    let horror = json_of(&app, "/api/videos?genre=Horror", &token).await;
    assert_eq!(horror["total"], 1);
    let horror = json_of(&app, "/api/videos?genre=horror", &token).await;
    assert_eq!(
        horror["total"], 1,
        "genres compare without case on both backends"
    );
    let comedies = json_of(&app, "/api/series?genre=Comedy", &token).await;
    assert_eq!(comedies["total"], 1);
    let of_1995 = json_of(&app, "/api/videos?year=1995", &token).await;
    assert_eq!(of_1995["items"][0]["title"], "Heat");
    let found = json_of(&app, "/api/series?q=offi", &token).await;
    assert_eq!(found["items"][0]["title"], "The Office");
    let facets = json_of(&app, "/api/library/facets", &token).await;
    assert_eq!(
        facets["genres"],
        json!(["Comedy", "Horror", "Science Fiction"])
    );
    assert_eq!(facets["years"], json!([2009, 2005, 2003, 1995, 1979]));

    // Artwork: resized, with an ETag, 304 when current; the frame when there is none.
    let poster = app
        .get(&format!("/api/series/{id}/image/poster?width=150"), &token)
        .await;
    assert_eq!(poster.status(), 200);
    assert_eq!(poster.headers()["content-type"], "image/jpeg");
    let etag = poster.headers()["etag"].to_str().unwrap().to_owned();
    let bytes = poster.bytes().await.unwrap();
    let probed = ffprobe_bytes(&bytes).await;
    assert_eq!(probed["streams"][0]["width"], 160, "{probed}");
    let again = app
        .client
        .get(app.url(&format!("/api/series/{id}/image/poster?width=150")))
        .bearer_auth(&token)
        .header("If-None-Match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
    let season = app
        .get(
            &format!("/api/series/{id}/image/poster?season=2&width=640"),
            &token,
        )
        .await;
    assert_ne!(season.headers()["etag"].to_str().unwrap(), etag);
    let season_png = ffprobe_bytes(&season.bytes().await.unwrap()).await;
    assert_eq!(
        season_png["streams"][0]["width"], 200,
        "never wider than the source"
    );
    let backdrop = app
        .get(
            &format!(
                "/api/videos/{}/image/backdrop",
                alien["id"].as_str().unwrap()
            ),
            &token,
        )
        .await;
    assert_eq!(backdrop.status(), 200);
    // The cover attached to a film's file is its picture, not a frame of it.
    let up = films["items"][3]["id"].as_str().unwrap();
    let cover = app
        .get(&format!("/api/videos/{up}/image/poster?width=1280"), &token)
        .await;
    assert_eq!(cover.status(), 200);
    let cover = ffprobe_bytes(&cover.bytes().await.unwrap()).await;
    assert_eq!(
        (
            &cover["streams"][0]["width"],
            &cover["streams"][0]["height"]
        ),
        (&json!(300), &json!(450)),
        "{cover}"
    );
    let heat = films["items"][1]["id"].as_str().unwrap();
    assert_problem(
        app.get(&format!("/api/videos/{heat}/image/backdrop"), &token)
            .await,
        404,
        "not_found",
    )
    .await;
    assert_problem(
        app.get(&format!("/api/series/{}", uuid_like()), &token)
            .await,
        404,
        "not_found",
    )
    .await;
}

/// ffprobe's view of an image given as bytes.
async fn ffprobe_bytes(bytes: &[u8]) -> Value {
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), bytes).unwrap();
    crate::media::ffprobe(file.path()).await
}

fn uuid_like() -> &'static str {
    "00000000-0000-4000-8000-000000000000"
}

async fn post(app: &MediaApp, path: &str, token: &str) -> u16 {
    app.client
        .post(app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

async fn delete(app: &MediaApp, path: &str, token: &str) -> u16 {
    app.client
        .delete(app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

async fn next_up(app: &MediaApp, token: &str) -> Vec<String> {
    json_of(app, "/api/next-up", token).await["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["video"]["display_title"].as_str().unwrap().to_owned())
        .collect()
}

async fn next_up_follows_what_each_user_finished_and_marks(backend: Backend) {
    let Some(app) = household(backend).await else {
        return;
    };
    let ann = app.token_for("ann", Role::User).await;
    let bob = app.token_for("bob", Role::User).await;
    let office = series_named(&app, &ann, "The Office").await;
    let id = office["id"].as_str().unwrap().to_owned();
    let list = episodes(&app, &ann, &office).await;
    let pilot = list[0]["video"]["id"].as_str().unwrap().to_owned();
    assert!(next_up(&app, &ann).await.is_empty(), "nothing started");

    // Watching the pilot to the end, through progress reports as a player sends them.
    let resp = app
        .send_json(
            reqwest::Method::POST,
            &format!("/api/videos/{pilot}/progress"),
            &ann,
            &json!({ "position_seconds": 1.0 }),
        )
        .await;
    assert_eq!(resp.status(), 204);
    assert_eq!(
        next_up(&app, &ann).await,
        ["The Office - S01E02 - Diversity Day (from the nfo)"]
    );
    assert!(next_up(&app, &bob).await.is_empty(), "next up is per user");

    // A whole season marked watched: next up moves across seasons.
    assert_eq!(
        post(&app, &format!("/api/series/{id}/watched?season=1"), &ann).await,
        204
    );
    assert_eq!(
        next_up(&app, &ann).await,
        ["The Office - S02E01-E02 - The Dundies"]
    );
    let detail = json_of(&app, &format!("/api/series/{id}"), &ann).await;
    assert_eq!(detail["seasons"][0]["watched_count"], 2);
    assert_eq!(detail["next_episode_id"], list[2]["video"]["id"]);
    assert_eq!(
        detail["next_episode"]["video"]["id"],
        list[2]["video"]["id"]
    );
    let marked = episodes(&app, &ann, &office).await;
    assert_eq!(marked[1]["user_data"]["watched"], true);

    // The last regular episode watched: nothing is next (specials are left out).
    let dundies = list[2]["video"]["id"].as_str().unwrap();
    assert_eq!(
        post(&app, &format!("/api/videos/{dundies}/watched"), &ann).await,
        204
    );
    assert!(next_up(&app, &ann).await.is_empty());

    // Unmarking one episode brings it back; unmarking the series clears all.
    assert_eq!(
        delete(&app, &format!("/api/videos/{dundies}/watched"), &ann).await,
        204
    );
    assert_eq!(
        next_up(&app, &ann).await,
        ["The Office - S02E01-E02 - The Dundies"]
    );
    assert_eq!(
        delete(&app, &format!("/api/series/{id}/watched"), &ann).await,
        204
    );
    assert!(next_up(&app, &ann).await.is_empty());
    let cleared = episodes(&app, &ann, &office).await;
    assert!(cleared
        .iter()
        .all(|e| e["user_data"].is_null() || e["user_data"]["watched"] == false));

    // A season that does not exist is a 404, not a silent success.
    assert_eq!(
        post(&app, &format!("/api/series/{id}/watched?season=7"), &ann).await,
        404
    );
}

async fn an_edited_nfo_or_new_poster_is_picked_up_without_a_probe(backend: Backend) {
    let Some(app) = household(backend).await else {
        return;
    };
    let token = app.token_for("ann", Role::User).await;
    let unchanged = app.scan().await;
    assert_eq!(
        (unchanged.probed, unchanged.skipped),
        (0, 11),
        "{unchanged:?}"
    );
    let found = |q: &'static str| {
        let (app, token) = (&app, &token);
        async move { json_of(app, &format!("/api/videos?q={q}"), token).await["total"].clone() }
    };
    assert_eq!(found("nfo").await, 1, "the episode's title from its nfo");
    assert_eq!(found("edited").await, 0);

    let nfo = app.library.join("TV/The Office (US)/tvshow.nfo");
    std::fs::write(
        &nfo,
        TVSHOW_NFO.replace(
            "<title>The Office</title>",
            "<title>The Office (edited)</title>",
        ),
    )
    .unwrap();
    make_image(
        &app.library.join("Films/Kill Bill (2003)/poster.jpg"),
        200,
        300,
    );
    // A title longer than any file name (PostgreSQL's old VARCHAR(255) refused it).
    let long = "Diversity Day, ".repeat(25);
    std::fs::write(
        app.library
            .join("TV/The Office (US)/Season 01/The Office - S01E02 - Diversity Day.nfo"),
        EPISODE_NFO.replace("Diversity Day (from the nfo)", long.trim()),
    )
    .unwrap();
    let rescan = app.scan().await;
    assert_eq!(rescan.probed, 0, "no file was probed again: {rescan:?}");

    let edited = series_named(&app, &token, "The Office (edited)").await;
    let list = episodes(&app, &token, &edited).await;
    assert_eq!(
        list[0]["video"]["display_title"],
        "The Office (edited) - S01E01 - Pilot"
    );
    let films = json_of(&app, "/api/videos?kind=film&q=kill", &token).await;
    assert_eq!(films["items"][0]["has_poster"], true, "{films}");
    assert_eq!(list[1]["video"]["title"], long.trim());
    // Searched by its new words, no longer by its old ones.
    assert_eq!(found("nfo").await, 0, "an old word of a rewritten title");
    assert_eq!(found("edited%20office").await, list.len());
}

async fn a_renamed_episode_keeps_its_id_and_progress(backend: Backend) {
    let Some(app) = household(backend).await else {
        return;
    };
    let token = app.token_for("ann", Role::User).await;
    let office = series_named(&app, &token, "The Office").await;
    let pilot = episodes(&app, &token, &office).await[0]["video"].clone();
    let id = pilot["id"].as_str().unwrap();
    let resp = app
        .send_json(
            reqwest::Method::POST,
            &format!("/api/videos/{id}/progress"),
            &token,
            &json!({ "position_seconds": 0.4 }),
        )
        .await;
    assert_eq!(resp.status(), 204);

    let from = app
        .library
        .join("TV/The Office (US)/Season 01/The Office - S01E01 - Pilot.mp4");
    let to = app
        .library
        .join("TV/The Office (US)/Season 01/The Office (US) - s01e01 - Pilot (Extended).mp4");
    std::fs::rename(from, to).unwrap();
    let summary = app.scan().await;
    assert_eq!((summary.moved, summary.probed), (1, 0), "{summary:?}");

    let list = episodes(&app, &token, &office).await;
    assert_eq!(list[0]["video"]["id"], id);
    assert_eq!(list[0]["video"]["title"], "Pilot (Extended)");
    assert_eq!(list[0]["user_data"]["position_seconds"], 0.4);
}

async fn a_series_in_a_library_the_caller_cannot_see_does_not_exist(backend: Backend) {
    let kids = tempfile::tempdir().unwrap();
    crate::media::add_clip(
        kids.path(),
        "h264_aac.mp4",
        "Bluey/Season 01/Bluey - S01E01 - Magic Xylophone.mp4",
    );
    let kids_path = kids.path().to_owned();
    let Some(app) = household_with(backend, move |s| {
        s.media.libraries.push(homestream::config::Library {
            name: "Kids".into(),
            path: kids_path,
            kind: homestream::config::LibraryKind::Shows,
        });
    })
    .await
    else {
        return;
    };
    let admin = app.token_for("root", Role::Admin).await;
    let ann = app.token_for("ann", Role::User).await;
    let office = series_named(&app, &ann, "The Office").await;
    let id = office["id"].as_str().unwrap().to_owned();
    let pilot = episodes(&app, &ann, &office).await[0]["video"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        post(&app, &format!("/api/videos/{pilot}/watched"), &ann).await,
        204
    );
    assert_eq!(next_up(&app, &ann).await.len(), 1);

    let ann_id = app.my_id(&ann).await;
    let resp = app
        .send_json(
            reqwest::Method::PATCH,
            &format!("/api/users/{ann_id}"),
            &admin,
            &json!({ "libraries": ["Kids"] }),
        )
        .await;
    assert_eq!(resp.status(), 200);
    let ann = app.login_token("ann").await;

    let page = json_of(&app, "/api/series", &ann).await;
    let titles: Vec<&str> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["Bluey"], "{page}");
    assert!(
        next_up(&app, &ann).await.is_empty(),
        "next up of a hidden series"
    );
    let facets = json_of(&app, "/api/library/facets", &ann).await;
    assert_eq!(facets["genres"], json!([]), "{facets}");
    for path in [
        format!("/api/series/{id}"),
        format!("/api/series/{id}/episodes"),
        format!("/api/series/{id}/image/poster"),
        format!("/api/videos/{pilot}/next"),
        format!("/api/videos/{pilot}/image/poster"),
    ] {
        assert_problem(app.get(&path, &ann).await, 404, "not_found").await;
    }
    for path in [
        format!("/api/series/{id}/watched"),
        format!("/api/videos/{pilot}/watched"),
    ] {
        assert_eq!(post(&app, &path, &ann).await, 404, "{path}");
        assert_eq!(delete(&app, &path, &ann).await, 404, "{path}");
    }
}
