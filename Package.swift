// swift-tools-version:6.1
// Layers (see README and ../shared/DESIGN.md):
//   C system libraries → EventLoop → HTTP
//   OrderDomain (pure) → SyncCore (pure) → StorageSupport (GRDB) → Store → Node → kct
//                                           StorageSupport (GRDB) → Central → kct
import PackageDescription

let package = Package(
    name: "kct",
    // macOS 15: the Synchronization module's `Mutex`.
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "kct", targets: ["kct"]),
        .executable(name: "kct-bench", targets: ["kct-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", exact: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
    ],
    targets: [
        // MARK: C libraries from Debian (module map + shim header each)
        .systemLibrary(name: "CLibUV", pkgConfig: "libuv", providers: [.apt(["libuv1-dev"])]),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "CHTTPParser", providers: [.apt(["libhttp-parser-dev"])]),
        .systemLibrary(name: "CSQLite", providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CZlib", providers: [.apt(["zlib1g-dev"])]),

        // MARK: Pure layers: no I/O
        .target(name: "OrderDomain"),
        .target(
            name: "SyncCore",
            dependencies: ["OrderDomain", .product(name: "Crypto", package: "swift-crypto")]),

        // Password hashes (scrypt from swift-crypto's _CryptoExtras), bearer tokens and
        // constant-time comparison: the only place secrets are made or checked; and the
        // per-token rate limits of central and the local API (keyed by the token's hash).
        .target(
            name: "StaffAuth",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ]),

        // The JSON shapes of orders, stats and the outbox, shared by `kct --json` and the node's
        // local API; and the JSON order input both accept.
        .target(name: "JSONViews", dependencies: ["OrderDomain", "SyncCore", "Store"]),

        // MARK: Storage
        // SQLite's unix VFS with each WAL transaction's frames written in one pwrite instead of two
        // per frame ("kct-unix", registered by Store; kct_sqlite_vfs.c says why it is safe).
        .target(name: "CSQLiteVFS", linkerSettings: [.linkedLibrary("sqlite3")]),
        // SQLite's session extension (changesets), the peer kct-bench measures the merge against.
        .target(name: "CSQLiteSession", linkerSettings: [.linkedLibrary("sqlite3")]),
        // Dropping the resident pages of loaded code when a node is idle (dl_iterate_phdr).
        .target(name: "CProcessMemory"),
        // What the node's Store and central keep in SQLite alike: HLC columns, status moves,
        // row decoding that throws instead of trapping, the wall clock.
        .target(
            name: "StorageSupport",
            dependencies: [
                "OrderDomain", "SyncCore", "SQLAccess", .product(name: "GRDB", package: "GRDB.swift"),
                // sqlite3_bind_* for central's statements (SQLiteConnection.run).
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
            ]),
        // Central's statements on either backend: values, rows and the connection protocol that
        // SQLite (StorageSupport's SQLiteConnection) and PostgreSQL (Postgres) implement.
        .target(name: "SQLAccess"),
        // PostgreSQL through libpq (Debian's libpq-dev): connections, prepared statements,
        // pipelined batches, LISTEN/NOTIFY; README "Central on PostgreSQL" says why libpq.
        .systemLibrary(name: "CPostgres", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        .target(name: "Postgres", dependencies: ["SQLAccess", "CPostgres"]),
        .target(
            name: "Store",
            dependencies: [
                "OrderDomain", "SyncCore", "StorageSupport", "StaffAuth", "CSQLite", "CSQLiteVFS",
                "CProcessMemory", .product(name: "GRDB", package: "GRDB.swift"),
                // sqlite3_wal_hook for the background checkpointer (WALCheckpointer).
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
            ]),

        // MARK: Transport
        .target(
            name: "EventLoop",
            dependencies: ["CLibUV", .product(name: "Logging", package: "swift-log")]),
        .target(
            name: "HTTP",
            dependencies: [
                "EventLoop", "CLibUV", "CHTTPParser", "CCurl", "CZlib",
                .product(name: "Logging", package: "swift-log"),
            ]),

        // MARK: The staff's web app (web/), embedded at build time; README "The staff's web app"
        .plugin(name: "EmbedWebApp", capability: .buildTool()),
        .target(name: "WebApp", plugins: ["EmbedWebApp"]),
        // MARK: Providers
        // Stripe, EasyPost and SendGrid as pure knowledge: requests built from intents, answers
        // classified, webhooks verified and parsed, configuration, parcels and e-mail templates
        // (embedded, so central stays one binary). No I/O: central sends what it builds.
        .target(
            name: "Integrations",
            dependencies: [
                "OrderDomain", "StaffAuth",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Mustache", package: "swift-mustache"),
            ],
            resources: [.embedInCode("EmailTemplates")]),

        // MARK: Runtimes
        .target(
            name: "Central",
            dependencies: [
                "OrderDomain", "SyncCore", "StorageSupport", "StaffAuth", "EventLoop", "HTTP", "Integrations",
                "SQLAccess", "Postgres",
                // The log's changes stored deflated with a preset dictionary (LogChangeCodec).
                "CZlib",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
                // SHA-256 of settled changes (ReceivedChangeDigest).
                .product(name: "Crypto", package: "swift-crypto"),
            ]),
        .target(
            name: "Node",
            dependencies: [
                "OrderDomain", "SyncCore", "StorageSupport", "Store", "StaffAuth", "JSONViews", "EventLoop", "HTTP",
                "CLibUV", "WebApp",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]),

        // MARK: Executables
        .executableTarget(
            name: "kct",
            dependencies: [
                "OrderDomain", "SyncCore", "Store", "JSONViews", "Central", "Node", "EventLoop", "HTTP", "Integrations",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        // The sync suite runs the `kct` binary built beside it (central and daemons as deployed).
        // The effects suite drives central against the Stripe stand-in (ProviderStandIns) and
        // measures Central's EffectPlanner in process.
        .executableTarget(
            name: "kct-bench",
            dependencies: [
                "OrderDomain", "SyncCore", "Store", "EventLoop", "HTTP", "CSQLite", "CSQLiteSession", "Central",
                "ProviderStandIns",
                // The bootstrap suite writes central's rows in their stored layout (RowStateCodec).
                "StorageSupport",
                // The postgres suite starts a PostgreSQL server of its own, as the tests do, and times
                // one of central's statements through central's driver.
                "LocalPostgres", "Postgres", "SQLAccess",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                // The large-replica suite builds its replica and plain-table peer with GRDB.
                .product(name: "GRDB", package: "GRDB.swift"),
            ]),

        // MARK: Tests
        // What several test targets use: the built `kct` run as a process, pipe reading, an HTTP
        // client on its own loop, and the waits (`eventually`, `Wakeups`, `withStopping`).
        .target(name: "TestSupport", dependencies: ["EventLoop", "HTTP"], path: "Tests/TestSupport"),
        // A real PostgreSQL server in a temporary directory (Debian's binaries, initdb as the
        // `postgres` user under root): the tests' shared throwaway one, and kct-bench's durable one.
        .target(name: "LocalPostgres", path: "Tests/LocalPostgres"),
        .testTarget(name: "OrderDomainTests", dependencies: ["OrderDomain"]),
        .testTarget(name: "EventLoopTests", dependencies: ["EventLoop", "TestSupport"]),
        .testTarget(
            name: "HTTPTests",
            dependencies: [
                "HTTP", "EventLoop", "TestSupport",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ]),
        .testTarget(
            name: "StoreTests",
            dependencies: [
                "Store", "OrderDomain", "SyncCore", "StorageSupport", "CSQLiteVFS", "CProcessMemory", "TestSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
            ]),
        // Runs the built `kct` binary found beside the test bundle (`swift build --build-tests`
        // builds every product); reads the replica with GRDB to check what the processes left.
        .testTarget(name: "CLITests", dependencies: ["TestSupport", .product(name: "GRDB", package: "GRDB.swift")]),
        // Central and nodes as separate `kct` processes on loopback (the binary is found as
        // CLITests finds it, through TestSupport's KCTProcess). The end-to-end integrations test
        // drives providers' stand-ins in-process while central runs as a process pointed at them.
        .testTarget(
            name: "SyncIntegrationTests",
            dependencies: ["TestSupport", "ProviderStandIns", "HTTP", "EventLoop", "LocalPostgres"]),
        // The node daemon against an in-test central (SyncCore's CentralModel behind HTTPServer).
        .testTarget(
            name: "NodeTests",
            dependencies: [
                "Node", "Store", "SyncCore", "StaffAuth", "OrderDomain", "EventLoop", "HTTP", "TestSupport",
            ]),
        .testTarget(
            name: "CentralTests",
            dependencies: [
                "Central", "SyncCore", "StaffAuth", "OrderDomain", "EventLoop", "HTTP", "TestSupport", "Integrations",
                "ProviderStandIns", "Postgres", "SQLAccess", "LocalPostgres", "StorageSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
            ]),
        .testTarget(name: "StaffAuthTests", dependencies: ["StaffAuth"]),
        .testTarget(name: "PostgresTests", dependencies: ["Postgres", "SQLAccess", "LocalPostgres"]),
        // Stand-in Stripe, EasyPost and SendGrid servers on loopback for the test suites: the
        // providers' documented shapes, idempotency replays, errors and signed webhooks. They sign
        // with Crypto directly, never through Integrations, so a verifier's bug cannot cancel out.
        .target(
            name: "ProviderStandIns",
            dependencies: ["HTTP", "EventLoop", .product(name: "Crypto", package: "swift-crypto")],
            path: "Tests/ProviderStandIns"),
        .testTarget(
            name: "IntegrationsTests",
            dependencies: [
                "Integrations", "ProviderStandIns", "OrderDomain", "HTTP", "EventLoop", "TestSupport",
                .product(name: "Crypto", package: "swift-crypto"),
            ]),
        .testTarget(
            name: "SyncCoreTests",
            dependencies: [
                "SyncCore", "OrderDomain", "TestSupport",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ]),

        // MARK: Fuzzing (`make fuzz`, README "Fuzzing")
        // The fuzz entry points: the libFuzzer driver and FuzzRegressionTests call the same code.
        .target(name: "FuzzTargets", dependencies: ["OrderDomain", "SyncCore", "HTTP"], path: "Fuzz/FuzzTargets"),
        // Replays Fuzz/corpus and Fuzz/regressions through FuzzTargets.
        .testTarget(name: "FuzzRegressionTests", dependencies: ["FuzzTargets"]),
    ],
    swiftLanguageModes: [.v6]
)

// The libFuzzer driver calls libFuzzer's runtime, which only `-sanitize=fuzzer` links, so it is
// built only by `make fuzz`.
if Context.environment["KCT_FUZZ"] != nil {
    package.targets.append(.executableTarget(name: "kct-fuzz", dependencies: ["FuzzTargets"], path: "Fuzz/Driver"))
}
