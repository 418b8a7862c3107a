-- ASP.NET Core's data-protection key ring (it protects the antiforgery tokens), shared by every
-- instance: a form served by one instance must be accepted by another.

CREATE TABLE data_protection_keys (
    name        text        PRIMARY KEY,   -- the key's friendly name ("key-<guid>")
    xml         text        NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
