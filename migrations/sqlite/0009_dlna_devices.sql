-- The TVs and players that have browsed the DLNA server, one per address (a LAN device
-- has no login). Their media URLs carry a credential derived from the server's secret,
-- the device's id and its generation: blocking a device, or allowing it again with the
-- next generation, makes every URL it was given fail at once. Nothing secret is stored.
CREATE TABLE dlna_devices (
    id BLOB PRIMARY KEY,
    address TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    user_agent TEXT,
    generation INTEGER NOT NULL DEFAULT 1,
    blocked_at TEXT,
    first_seen_at TEXT NOT NULL,
    last_seen_at TEXT NOT NULL
);
