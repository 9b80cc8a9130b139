import SyncCore

extension ReplicaMigrations {
    static let roles = quoted(StaffRole.allCases.map(\.rawValue))

    /// Staff accounts, sessions and the sign-in audit (protocol/PERMISSIONS.md, "Accounts"):
    /// - `accounts`: the replica's copy of the staff (central's, once joined; else its own);
    /// - `accounts_source` / `accounts_version` on `sync_state`: where they come from and the
    ///   version of central's list last fetched;
    /// - `sessions`: only the SHA-256 of each session token is kept;
    /// - `sign_in_failures`: consecutive failed sign-ins per e-mail, for the slow-down;
    /// - `auth_events`: sign-ins, failures and sign-outs, until uploaded to central.
    static let staffTables = """
        CREATE TABLE accounts (
          email TEXT PRIMARY KEY CHECK (email = lower(email)),
          name TEXT NOT NULL,
          role TEXT NOT NULL CHECK (role IN (\(roles))),
          password_hash TEXT NOT NULL,
          disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
          version INTEGER NOT NULL,
          updated_at TEXT NOT NULL
        ) WITHOUT ROWID;
        ALTER TABLE sync_state ADD COLUMN accounts_source TEXT NOT NULL DEFAULT 'local'
          CHECK (accounts_source IN ('local', 'central'));
        ALTER TABLE sync_state ADD COLUMN accounts_version INTEGER NOT NULL DEFAULT 0;
        CREATE TABLE sessions (
          token_hash BLOB PRIMARY KEY,
          email TEXT NOT NULL,
          kind TEXT NOT NULL CHECK (kind IN ('cli', 'api')),
          created_at TEXT NOT NULL,
          expires_at TEXT NOT NULL,
          ended_at TEXT
        ) WITHOUT ROWID;
        CREATE INDEX sessions_by_email ON sessions (email);
        CREATE TABLE sign_in_failures (
          email TEXT PRIMARY KEY,
          consecutive INTEGER NOT NULL,
          last_failed_at TEXT NOT NULL
        ) WITHOUT ROWID;
        -- `seq` keeps the order they happened in (ids are random UUIDs).
        CREATE TABLE auth_events (
          seq INTEGER PRIMARY KEY,
          id TEXT NOT NULL UNIQUE,
          kind TEXT NOT NULL CHECK (kind IN ('sign_in', 'sign_in_failed', 'sign_out')),
          email TEXT NOT NULL,
          at TEXT NOT NULL,
          detail TEXT NOT NULL,
          uploaded INTEGER NOT NULL DEFAULT 0 CHECK (uploaded IN (0, 1))
        );
        CREATE INDEX auth_events_pending ON auth_events (uploaded, seq);
        """
}
