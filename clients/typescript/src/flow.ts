// A whole user's flow through the generated TypeScript types and openapi-fetch: the
// same calls the web client makes. Type-checked with tsc --strict; any answer that
// is not the documented success fails.
//
//   node dist/flow.js --url http://127.0.0.1:3000 --username ann --password ...

import createClient from "openapi-fetch";
import type { components, paths } from "./schema.js";

type Video = components["schemas"]["Video"];

function arg(name: string): string {
  const at = process.argv.indexOf(`--${name}`);
  const value = at >= 0 ? process.argv[at + 1] : undefined;
  if (value === undefined) throw new Error(`--${name} is required`);
  return value;
}

function ok<T>(what: string, result: { data?: T; error?: unknown; response: Response }): T {
  if (result.data === undefined) {
    throw new Error(`${what}: ${result.response.status} ${JSON.stringify(result.error)}`);
  }
  return result.data;
}

function check(cond: boolean, what: string): void {
  if (!cond) throw new Error(what);
}

async function main(): Promise<void> {
  const baseUrl = arg("url");
  const anonymous = createClient<paths>({ baseUrl });
  const session = ok(
    "login",
    await anonymous.POST("/api/auth/login", {
      body: { username: arg("username"), password: arg("password") },
    }),
  );
  const client = createClient<paths>({
    baseUrl,
    headers: { Authorization: `Bearer ${session.access_token}` },
  });

  const page = ok("list", await client.GET("/api/videos", { params: { query: { sort: "title" } } }));
  const total = page.total ?? 0;
  check(total >= 2 && page.items.length === total && !page.has_more, `list: ${JSON.stringify(page)}`);
  const first: Video | undefined = page.items[0];
  if (!first) throw new Error("no video");
  const found = ok("search", await client.GET("/api/videos", { params: { query: { q: first.title } } }));
  check(found.items.some((v) => v.id === first.id) && (found.total ?? total) < total, "search narrows the list");

  const video = ok("get", await client.GET("/api/videos/{id}", { params: { path: { id: first.id } } }));
  const duration = video.duration ?? 0;
  check(video.size > 0 && duration > 0, "size and duration");

  const link = ok(
    "signed link",
    await client.POST("/api/videos/{id}/stream-url", { params: { path: { id: video.id } } }),
  );
  // The signed link alone (LinkAuth), a byte range as a player asks for it.
  const player = createClient<paths>({ baseUrl });
  player.use({
    onRequest({ request }) {
      const url = new URL(request.url);
      url.searchParams.set("token", link.token);
      return new Request(url, request);
    },
  });
  const ranged = await player.GET("/api/stream/{video_id}", {
    params: { path: { video_id: video.id }, header: { Range: "bytes=0-99" } },
    parseAs: "arrayBuffer",
  });
  check(ranged.response.status === 206, `range status ${ranged.response.status}`);
  check((ranged.data as ArrayBuffer | undefined)?.byteLength === 100, "100 bytes");

  const progress = ok(
    "progress",
    await client.PUT("/api/videos/{id}/progress", {
      params: { path: { id: video.id } },
      body: { position_seconds: duration / 2, state: "paused" },
    }),
  );
  check(Math.abs(progress.position_seconds - duration / 2) < 0.01, "position kept");
  const rated = ok(
    "rate",
    await client.PUT("/api/videos/{id}/rating", { params: { path: { id: video.id } }, body: { rating: 5 } }),
  );
  check(rated.rating === 5, "rating kept");

  const playlist = ok("create playlist", await client.POST("/api/playlists", { body: { name: "From TypeScript" } }));
  for (const v of page.items.slice(0, 2)) {
    ok(
      "add",
      await client.POST("/api/playlists/{id}/videos", {
        params: { path: { id: playlist.id } },
        body: { video_id: v.id },
      }),
    );
  }
  const filled = ok("get playlist", await client.GET("/api/playlists/{id}", { params: { path: { id: playlist.id } } }));
  check(filled.entries.map((e) => e.video.id).join() === page.items.slice(0, 2).map((v) => v.id).join(), "order");

  const prefs = ok("preferences", await client.GET("/api/users/me/preferences"));
  const sessions = ok("sessions", await client.GET("/api/sessions"));
  check(sessions.some((s) => s.current), "the current session is listed");
  console.log(
    `typescript client flow: ${page.total} videos, quality ${prefs.quality ?? "auto"}, playlist of ${filled.entries.length}`,
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
