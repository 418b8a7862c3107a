-- Failed sign-ins to the operator console, per client address, shared by every instance: after
-- Admin:MaxFailedSignIns in a row the address is locked out for Admin:LockoutDuration, even with
-- the right password. A successful sign-in deletes the row.

CREATE TABLE admin_sign_in_failures (
    client        text        PRIMARY KEY,    -- the client's IP address
    failures      integer     NOT NULL,
    last_at       timestamptz NOT NULL,
    locked_until  timestamptz
);
