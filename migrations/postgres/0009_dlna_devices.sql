-- The TVs and players that have browsed the DLNA server, one per address (a LAN device
-- has no login). Their media URLs carry a credential derived from the server's secret,
-- the device's id and its generation: blocking a device, or allowing it again with the
-- next generation, makes every URL it was given fail at once. Nothing secret is stored.
CREATE TABLE dlna_devices (
    id UUID PRIMARY KEY,
    address VARCHAR(64) NOT NULL UNIQUE,
    name VARCHAR(200) NOT NULL,
    user_agent VARCHAR(512),
    generation INTEGER NOT NULL DEFAULT 1,
    blocked_at TIMESTAMPTZ,
    first_seen_at TIMESTAMPTZ NOT NULL,
    last_seen_at TIMESTAMPTZ NOT NULL
);
