import EventLoop
import Foundation
import HTTP
import LocalPostgres
import Postgres
import SQLAccess
import Store
import SyncCore
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Central on PostgreSQL (issue 14) through real processes on loopback: push+apply and pull
/// throughput of `kct central serve` on a PostgreSQL server the suite starts itself (durable
/// settings), with one and with two serve processes on one database, beside the SQLite central
/// and beside `pgbench`'s simple-update rate on the same server, all in the same run.
struct PostgresSuite: BenchSuite {
    let name = "postgres"
    let summary =
        "central on PostgreSQL with 1 and 2 serve processes beside SQLite central and pgbench simple-update "
        + "on the same server: push+apply and pull; real kct processes"

    /// Concurrent pushing (then pulling) clients, one node registration each.
    static let clients = 4
    static let ordersPerClient = 1_000 // × 3 changes (order, item, history) = 3,000 per client
    static let pgbenchSeconds = 4
    /// pgbench's client counts: as many as the pushing clients (the baseline of the ratios), and
    /// one and two, whose ratio is what a second process can gain on this machine at best.
    static let pgbenchClients = [clients, 1, 2]

    func run(_ options: BenchOptions) async throws -> SuiteReport {
        let root = try KCTBinary.workDirectory(options, suite: "postgres")
        var notes: [String] = []

        // Durable like the SQLite central (WAL, synchronous=FULL): a commit is on disk when it returns.
        // pg_stat_statements is loaded but tracks nothing outside the profile pass.
        let server = try PostgresServer.start(
            durability: .durable,
            settings: ["shared_preload_libraries": "'pg_stat_statements'", "pg_stat_statements.track": "none"])
        defer { server.stop() }
        let admin = server.url(database: "postgres")
        try server.psql(admin, "CREATE EXTENSION pg_stat_statements")
        let version = try server.psql(admin, "SHOW server_version")
        let pgbench = FileManager.default.isExecutableFile(atPath: server.binDirectory + "/pgbench")
        var pgbenchTransactions: [Int: Int] = [:]
        if pgbench {
            try server.psql(admin, "CREATE DATABASE pgbench")
            try server.tool("pgbench", ["-i", "-q", "-s", "1"] + Self.connection(server) + ["pgbench"])
            // A first run, untimed, sizes the measured ones.
            for clients in Self.pgbenchClients {
                pgbenchTransactions[clients] = Self.pgbenchTransactions(
                    tps: try Self.pgbenchRate(server, clients: clients, transactionsPerClient: 100), clients: clients)
            }
        } else {
            notes.append("pgbench is not installed (Debian's postgresql-15 has it): no pgbench baseline")
        }

        let workload = try Workload(
            clients: Self.clients, ordersPerClient: options.count(Self.ordersPerClient), directory: root + "/sources")
        let thread = try await EventLoopThread.start(name: "bench-postgres-client")
        defer { Task { try? await thread.shutdown() } }
        let client = try await thread.loop.submit { loop in LoopBound(try HTTPClient(loop: loop), loop: loop) }

        // Alternated in each repetition so that drift on the shared machine hits every one alike.
        var runs: [Deployment: [RunResult]] = [:]
        var tps: [Int: [Double]] = [:]
        for repetition in 0..<options.repetitions {
            for deployment in Deployment.allCases {
                let result = try await Self.measure(
                    deployment, workload: workload, server: server,
                    directory: root + "/\(deployment.slug)-\(repetition)", client: client)
                runs[deployment, default: []].append(result)
            }
            for clients in Self.pgbenchClients where pgbench {
                let rate = try Self.pgbenchRate(
                    server, clients: clients, transactionsPerClient: pgbenchTransactions[clients] ?? 100)
                tps[clients, default: []].append(rate)
                pgbenchTransactions[clients] = Self.pgbenchTransactions(tps: rate, clients: clients)
            }
        }
        // Where a push's time goes, in a pass of its own (statement statistics cost a little).
        let profiles = try await [1, 2].asyncMap { processes in
            try await Self.profile(
                processes: processes, workload: workload, server: server, directory: root + "/profile-\(processes)",
                client: client)
        }
        try await thread.loop.submit { _ in client.value.close() }
        try await thread.shutdown()

        let figures = Self.figures(runs: runs, tps: tps, profiles: profiles)
        notes += Self.notes(
            runs: runs, tps: tps, profiles: profiles, workload: workload, version: version, options: options)
        return SuiteReport(suite: name, figures: figures, notes: notes)
    }

    // MARK: Deployments

    enum Deployment: CaseIterable, Hashable {
        case sqlite, postgres1, postgres2

        var processes: Int { self == .postgres2 ? 2 : 1 }
        var slug: String {
            switch self {
            case .sqlite: "sqlite"
            case .postgres1: "pg1"
            case .postgres2: "pg2"
            }
        }
        var label: String {
            switch self {
            case .sqlite: "SQLite central"
            case .postgres1: "PostgreSQL, 1 process"
            case .postgres2: "PostgreSQL, 2 processes"
            }
        }
    }

    /// The pushes every run makes: each client's changes, made by the Store's write path on a
    /// replica of its own that never syncs, as push bodies of `maximumChangesPerPush` (a node's
    /// batch after being offline). Built once; every run pushes the same bytes to a new central.
    struct Workload {
        var names: [String]
        var bodies: [[[UInt8]]]
        var changesPerClient: Int

        var changes: Int { changesPerClient * names.count }
        var pushes: Int { bodies.map(\.count).reduce(0, +) }

        init(clients: Int, ordersPerClient: Int, directory: String) throws {
            names = (1...clients).map { "P\($0)" }
            bodies = []
            changesPerClient = 0
            let draft = LocalEditsSuite.draft()
            for name in names {
                let store = try OrderStore.create(directory: directory + "/" + name, name: name, shopCode: "S01")
                for _ in 0..<ordersPerClient { try store.createOrder(draft, by: benchActor) }
                let changes = try store.outboxEntries()
                changesPerClient = changes.count
                bodies.append(
                    stride(from: 0, to: changes.count, by: ProtocolLimits.maximumChangesPerPush).map { start in
                        let end = min(changes.count, start + ProtocolLimits.maximumChangesPerPush)
                        return PushRequest(nodeID: store.identity.nodeID, changes: Array(changes[start..<end]))
                            .wire.canonicalBytes
                    })
            }
        }
    }

    struct RunResult {
        var pushRate: Double
        var pushesPerSecond: Double
        var pullRate: Double
        /// During the pushes, and during the pulls.
        var pushCPU: CPUShare
        var pullCPU: CPUShare
    }

    /// A new central of `deployment` (a SQLite file, or a new database on `server` served by one
    /// or two processes), every client pushing its changes at once (client i to process i mod
    /// n), then every client pulling the whole log by cursor.
    static func measure(
        _ deployment: Deployment, workload: Workload, server: PostgresServer, directory: String,
        client: LoopBound<HTTPClient>
    ) async throws -> RunResult {
        try await withCentral(deployment, workload: workload, server: server, directory: directory) { servers in
            func usage() throws -> CPUSnapshot {
                try CPUSnapshot(servers: servers.map(\.pid), postmaster: server.postmasterID)
            }
            let start = try usage()
            let push = try await pushAll(workload, urls: servers.map(\.url), tokens: servers.tokens, client: client)
            let pushed = try usage()
            let pull = try await pullAll(workload, urls: servers.map(\.url), tokens: servers.tokens, client: client)
            let pulled = try usage()
            return RunResult(
                pushRate: Double(workload.changes) / push.seconds,
                pushesPerSecond: Double(push.pushes) / push.seconds, pullRate: pull,
                pushCPU: CPUShare(start, pushed, changes: workload.changes),
                pullCPU: CPUShare(pushed, pulled, changes: workload.changes * workload.names.count))
        }
    }

    /// The serve processes of one run and the node tokens they accept.
    struct Servers {
        var processes: [KCTServerProcess]
        var tokens: [String: String]
        var database: String

        func map<T>(_ transform: (KCTServerProcess) throws -> T) rethrows -> [T] { try processes.map(transform) }
    }

    /// Creates the central, starts its serve processes, runs `body`, stops them and drops the
    /// PostgreSQL database.
    static func withCentral<T>(
        _ deployment: Deployment, workload: Workload, server: PostgresServer, directory: String,
        beforeServing: (String) throws -> Void = { _ in }, _ body: (Servers) async throws -> T
    ) async throws -> T {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let database = try deployment == .sqlite ? directory + "/central.sqlite" : server.createDatabase()
        defer {
            if deployment != .sqlite {
                let name = URL(string: database)?.lastPathComponent ?? ""
                _ = try? server.psql(server.url(database: "postgres"), "DROP DATABASE \(name) WITH (FORCE)")
            }
        }
        let tokens = try SyncSuite.prepareCentral(database: database, nodes: workload.names)
        // Each run starts with no dirty pages of an earlier one to write.
        try server.psql(server.url(database: "postgres"), "CHECKPOINT")
        try beforeServing(database)
        var processes: [KCTServerProcess] = []
        defer { for process in processes { process.stop() } }
        for index in 0..<deployment.processes {
            processes.append(
                try KCTServerProcess(
                    ["central", "serve", "--db", database, "--listen", "127.0.0.1:0"],
                    logPath: directory + "/central-\(index).log", readyPrefix: "central listening on "))
        }
        return try await body(Servers(processes: processes, tokens: tokens, database: database))
    }

    static func pushAll(
        _ workload: Workload, urls: [String], tokens: [String: String], client: LoopBound<HTTPClient>
    ) async throws -> (seconds: Double, pushes: Int) {
        let begin = monotonicSeconds()
        let replies = try await withThrowingTaskGroup(of: [[UInt8]].self) { group in
            for (index, name) in workload.names.enumerated() {
                let request = HTTPClientRequest(
                    method: .post, url: urls[index % urls.count] + "/v1/push",
                    headers: [
                        "Authorization": "Bearer \(tokens[name] ?? "")", "Content-Type": "application/json",
                        ProtocolVersion.headerName: String(ProtocolVersion.current),
                    ])
                let bodies = workload.bodies[index]
                group.addTask {
                    var replies: [[UInt8]] = []
                    for body in bodies {
                        var push = request
                        push.body = body
                        replies.append(try await client.response(for: push).body)
                    }
                    return replies
                }
            }
            var all: [[UInt8]] = []
            for try await replies in group { all += replies }
            return all
        }
        let seconds = monotonicSeconds() - begin
        // Checked after the clock stopped, so that decoding the replies does not take CPU from central.
        var applied = 0
        for reply in replies {
            applied += try PushResponse(wire: try JSONValue.parse(reply), path: "$").outcomes
                .filter { $0.result == .applied }.count
        }
        guard applied == workload.changes else {
            throw BenchError("central applied \(applied) of \(workload.changes) pushed changes")
        }
        return (seconds, replies.count)
    }

    /// Every client pulls the whole log from cursor 0 in pages of the daemon's size, all at once;
    /// changes received per second, all clients together.
    static func pullAll(
        _ workload: Workload, urls: [String], tokens: [String: String], client: LoopBound<HTTPClient>
    ) async throws -> Double {
        let head = Int64(workload.changes)
        let begin = monotonicSeconds()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (index, name) in workload.names.enumerated() {
                let base = urls[index % urls.count] + "/v1/pull?limit=\(ProtocolLimits.defaultPullLimit)&after="
                let headers: HTTPHeaders = [
                    "Authorization": "Bearer \(tokens[name] ?? "")",
                    ProtocolVersion.headerName: String(ProtocolVersion.current),
                ]
                group.addTask {
                    var cursor: Int64 = 0
                    var more = true
                    while more {
                        let page = try await client.response(
                            for: HTTPClientRequest(url: base + String(cursor), headers: headers))
                        (cursor, more) = try pageTail(page.body)
                    }
                    guard cursor == head else { throw BenchError("\(name) pulled to \(cursor), not to \(head)") }
                }
            }
            try await group.waitForAll()
        }
        return Double(workload.changes * workload.names.count) / (monotonicSeconds() - begin)
    }

    /// `next_cursor` and `has_more` from the fixed tail central writes after a page's entries
    /// (`PageSplicer.finish`), without decoding the page: the bench shares the cores with central.
    static func pageTail(_ body: [UInt8]) throws -> (cursor: Int64, more: Bool) {
        let tail = String(decoding: body.suffix(160), as: UTF8.self)
        func value(_ key: String) -> Substring? {
            guard let range = tail.range(of: "\"\(key)\":", options: .backwards) else { return nil }
            return tail[range.upperBound...].prefix { $0 != "," && $0 != "}" }
        }
        guard let cursor = value("next_cursor").flatMap({ Int64($0) }), let more = value("has_more") else {
            throw BenchError("not a pull page: …\(tail)")
        }
        return (cursor, more == "true")
    }

    // MARK: pgbench

    static func connection(_ server: PostgresServer) -> [String] {
        ["-h", "127.0.0.1", "-p", String(server.port), "-U", "postgres"]
    }

    /// Transactions per client for a pgbench run of about `pgbenchSeconds` at `tps`. A count, not
    /// `-T`: pgbench ends a timed run on SIGALRM, and a pgbench started from here has it blocked
    /// (SigBlk in /proc: Foundation's Process passes on the spawning pool thread's signal mask), so
    /// `-T 4` ran until it was killed.
    static func pgbenchTransactions(tps: Double, clients: Int) -> Int {
        max(100, Int(tps * Double(pgbenchSeconds) / Double(clients)))
    }

    /// `pgbench -b simple-update` (UPDATE, SELECT, INSERT, COMMIT per transaction), `clients`
    /// clients on as many threads; its tps without connection time.
    static func pgbenchRate(_ server: PostgresServer, clients: Int, transactionsPerClient: Int) throws -> Double {
        try server.psql(server.url(database: "postgres"), "CHECKPOINT")
        let output = try server.tool(
            "pgbench",
            [
                "-b", "simple-update", "-c", String(clients), "-j", String(clients), "-t",
                String(transactionsPerClient),
            ] + connection(server) + ["pgbench"])
        guard let line = output.split(separator: "\n").first(where: { $0.hasPrefix("tps = ") }),
            let tps = Double(line.dropFirst(6).prefix { $0 != " " })
        else {
            throw BenchError("no tps in pgbench's output: \(output)")
        }
        return tps
    }

    // MARK: Profile

    /// Where a push's time goes on PostgreSQL, over one more push phase: pg_stat_statements
    /// (statements and their execution time; the wait for central_state's row lock is the
    /// execution time of `SELECT … FOR UPDATE`), and `LockSampler` (how much of the wall time some
    /// session holds that lock). pg_stat_database's active and idle-in-transaction times were
    /// tried first and left out: they showed the lock held ~67% of the time where sampling
    /// pg_stat_activity (and the sessions' process titles) showed ~95%.
    struct PushProfile {
        var processes: Int
        var pushes: Int
        var seconds: Double
        var statements: Double
        /// Statements sent in the pipelined batches of `PushLedger.flush` (one round trip per batch).
        var pipelined: Double
        var executeMillis: Double
        var lockWaitMillis: Double
        /// Transactions per push that took central_state's row lock (pushes, and any other writer).
        var lockedTransactions: Double
        /// Share of the samples in which a session held the row lock, and mean sessions waiting.
        var lockBusy: Double
        var lockWaiters: Double
        /// Central's most frequent statement sent from the bench after the pushes, in µs: one
        /// round trip each, as the push path sends it, and pipelined.
        var roundTripMicros: Double
        var pipelinedMicros: Double
        /// Per push: calls, milliseconds, statement; the costliest first, and the most frequent.
        var costliest: [(calls: Double, millis: Double, query: String)]
        var frequent: [(calls: Double, millis: Double, query: String)]

        /// Wall time per push during which the row lock was held.
        var lockHeldMillis: Double { lockBusy * seconds * 1000 / Double(pushes) }
        /// One round trip each: everything but the pipelined batches' statements.
        var roundTrips: Double { statements - pipelined }
        /// What those round trips cost per push at `roundTripMicros` each.
        var roundTripMillis: Double { roundTrips * roundTripMicros / 1000 }
    }

    static func profile(
        processes: Int, workload: Workload, server: PostgresServer, directory: String, client: LoopBound<HTTPClient>
    ) async throws -> PushProfile {
        let admin = server.url(database: "postgres")
        func track(_ what: String) throws {
            try server.psql(admin, "ALTER SYSTEM SET pg_stat_statements.track = '\(what)'; SELECT pg_reload_conf()")
        }
        defer { try? track("none") }
        let deployment: Deployment = processes == 1 ? .postgres1 : .postgres2
        return try await withCentral(
            deployment, workload: workload, server: server, directory: directory,
            beforeServing: { _ in try track("top") } // read by the serve processes' new sessions
        ) { servers in
            let name = URL(string: servers.database)?.lastPathComponent ?? ""
            try server.psql(admin, "SELECT pg_stat_statements_reset()")
            let sampler = LockSampler(url: admin, database: name)
            let push: (seconds: Double, pushes: Int)
            do {
                push = try await pushAll(workload, urls: servers.map(\.url), tokens: servers.tokens, client: client)
            } catch {
                _ = try? sampler.stop()
                throw error
            }
            let lockSamples = try sampler.stop()
            let pushes = Double(push.pushes)
            let rows = try server.psql(
                admin,
                """
                SELECT calls, total_exec_time, regexp_replace(query, '\\s+', ' ', 'g') FROM pg_stat_statements
                WHERE dbid = (SELECT oid FROM pg_database WHERE datname = '\(name)') ORDER BY total_exec_time DESC
                """
            ).split(separator: "\n").compactMap { line -> (calls: Double, millis: Double, query: String)? in
                let fields = line.split(separator: "|", maxSplits: 2, omittingEmptySubsequences: false)
                guard fields.count == 3, let calls = Double(fields[0]), let millis = Double(fields[1]) else {
                    return nil
                }
                return (calls / pushes, millis / pushes, String(fields[2]))
            }
            let lock = rows.filter { $0.query.contains("FROM central_state FOR UPDATE") }
            let pipelined = rows.filter { row in pipelinedStatements.contains { row.query.hasPrefix($0) } }
            let trips = try roundTrips(url: servers.database, count: 2_000)
            return PushProfile(
                processes: processes, pushes: push.pushes, seconds: push.seconds,
                statements: rows.map(\.calls).reduce(0, +), pipelined: pipelined.map(\.calls).reduce(0, +),
                executeMillis: rows.map(\.millis).reduce(0, +) - lock.map(\.millis).reduce(0, +),
                lockWaitMillis: lock.map(\.millis).reduce(0, +), lockedTransactions: lock.map(\.calls).reduce(0, +),
                lockBusy: lockSamples.held, lockWaiters: lockSamples.waiting,
                roundTripMicros: trips.single, pipelinedMicros: trips.pipelined,
                costliest: Array(rows.sorted { $0.millis > $1.millis }.prefix(6)),
                frequent: Array(rows.sorted { $0.calls > $1.calls }.prefix(6)))
        }
    }

    /// Central's most frequent statement on a push (a row looked up by key; new rows are not
    /// there) `count` times from the bench with keys that are not there, one round trip each and
    /// then as one pipeline: µs per statement.
    static func roundTrips(url: String, count: Int) throws -> (single: Double, pipelined: Double) {
        let connection = try PostgresConnection(url: url)
        let sql = "SELECT order_id FROM rows WHERE entity = ? AND row_id = ?"
        let keys: [[SQLValue]] = (0..<count).map { _ in [.text("item"), .text(UUID().uuidString.lowercased())] }
        _ = try connection.fetchOne(sql, keys[0]) // prepared once, as central's connections do
        var begin = monotonicSeconds()
        for key in keys { _ = try connection.fetchOne(sql, key) }
        let single = (monotonicSeconds() - begin) / Double(count) * 1e6
        begin = monotonicSeconds()
        try connection.executeMany(sql, keys)
        return (single, (monotonicSeconds() - begin) / Double(count) * 1e6)
    }

    /// The statements central's `PushLedger.flush` sends with `insertMany` and `executeMany` (a
    /// pipeline when there are several), as pg_stat_statements shows them.
    static let pipelinedStatements = [
        "INSERT INTO rows", "INSERT INTO status_moves", "INSERT INTO order_shops", "INSERT INTO log ",
        "INSERT INTO log_shops", "INSERT INTO outcomes", "INSERT INTO audit", "UPDATE nodes SET last_settled_sequence",
    ]

    // MARK: Report

    static func figures(runs: [Deployment: [RunResult]], tps: [Int: [Double]], profiles: [PushProfile]) -> [Figure] {
        func median(_ deployment: Deployment, _ value: (RunResult) -> Double) -> Double {
            Samples((runs[deployment] ?? []).map(value)).median
        }
        var figures: [Figure] = []
        for (what, value) in [("push+apply", { (run: RunResult) in run.pushRate }), ("pull", { $0.pullRate })] {
            let sqlite = median(.sqlite, value), one = median(.postgres1, value), two = median(.postgres2, value)
            figures.append(Figure(name: "\(what), SQLite central", value: sqlite, unit: "changes/s"))
            figures.append(
                Figure(
                    name: "\(what), PostgreSQL, 1 process", value: one, unit: "changes/s", baseline: "SQLite central",
                    baselineValue: sqlite, target: "≥ 0.5× SQLite"))
            figures.append(
                Figure(
                    name: "\(what), PostgreSQL, 2 processes", value: two, unit: "changes/s",
                    baseline: "PostgreSQL, 1 process", baselineValue: one, target: "≥ 1.6× one process"))
        }
        if let four = tps[clients], let one = tps[1], let two = tps[2] {
            let pgbench = Samples(four).median
            figures.append(Figure(name: "pgbench simple-update, c=\(clients)", value: pgbench, unit: "tps"))
            figures.append(Figure(name: "pgbench simple-update, c=1", value: Samples(one).median, unit: "tps"))
            figures.append(
                Figure(
                    name: "pgbench simple-update, c=2 -j 2", value: Samples(two).median, unit: "tps",
                    baseline: "c=1", baselineValue: Samples(one).median))

            figures.append(
                Figure(
                    name: "push+apply, PostgreSQL, 1 process", value: median(.postgres1) { $0.pushRate },
                    unit: "changes/s", baseline: "pgbench tps", baselineValue: pgbench))
        }
        figures.append(
            Figure(
                name: "push transactions, PostgreSQL, 1 process", value: median(.postgres1) { $0.pushesPerSecond },
                unit: "pushes/s"))
        for profile in profiles {
            let label = profile.processes == 1 ? "1 process" : "\(profile.processes) processes"
            figures.append(Figure(name: "statements per push, \(label)", value: profile.statements, unit: ""))
            figures.append(
                Figure(name: "one-round-trip statements per push, \(label)", value: profile.roundTrips, unit: ""))
            figures.append(
                Figure(
                    name: "one statement, one round trip, \(label)", value: profile.roundTripMicros, unit: "µs",
                    baseline: "pipelined", baselineValue: profile.pipelinedMicros))
            figures.append(
                Figure(name: "row lock held per push, \(label)", value: profile.lockHeldMillis, unit: "ms"))
            figures.append(
                Figure(name: "row lock wait per push, \(label)", value: profile.lockWaitMillis, unit: "ms"))
            figures.append(
                Figure(name: "row lock held, \(label)", value: profile.lockBusy * 100, unit: "% of wall time"))
        }
        return figures
    }

    static func notes(
        runs: [Deployment: [RunResult]], tps: [Int: [Double]], profiles: [PushProfile], workload: Workload,
        version: String, options: BenchOptions
    ) -> [String] {
        func list(_ values: [Double]) -> String { values.map { String(format: "%.2f", $0) }.joined(separator: " ") }
        func ratios(_ top: Deployment, _ bottom: Deployment, _ value: (RunResult) -> Double) -> String {
            list(zip(runs[top] ?? [], runs[bottom] ?? []).map { value($0) / value($1) })
        }
        var notes = [
            "PostgreSQL \(version) started by the suite (initdb in a temporary directory, 127.0.0.1 on a free port, "
                + "central's connections over TCP): fsync, synchronous_commit and full_page_writes on, other settings "
                + "initdb's defaults; SQLite central: WAL, synchronous=FULL. Both commit durably, like for like",
            "workload: \(workload.names.count) clients, each its own node registration pushing "
                + "\(workload.changesPerClient) changes (one-item orders from the Store's write path: order, item, "
                + "history) in batches of "
                + "\(ProtocolLimits.maximumChangesPerPush), one push at a time, all clients at once (client i to "
                + "process i mod n); \(workload.pushes) pushes, \(workload.changes) changes per run, every outcome "
                + "checked applied; wall time from the first request to the last reply",
            "pull: then every client pulls the whole log from cursor 0 in pages of \(ProtocolLimits.defaultPullLimit) "
                + "(the daemon's size), all at once; changes received per second by all of them together",
            "each repetition: SQLite, PostgreSQL 1 process, 2 processes (each a new central: init, accounts, "
                + "CHECKPOINT, then serve), then pgbench; \(options.repetitions) repetitions, medians",
            "paired ratios per repetition: push PG-1/SQLite \(ratios(.postgres1, .sqlite) { $0.pushRate }); "
                + "push PG-2/PG-1 \(ratios(.postgres2, .postgres1) { $0.pushRate }); "
                + "pull PG-1/SQLite \(ratios(.postgres1, .sqlite) { $0.pullRate }); "
                + "pull PG-2/PG-1 \(ratios(.postgres2, .postgres1) { $0.pullRate })",
        ]
        for clients in Self.pgbenchClients {
            guard let rates = tps[clients] else { continue }
            notes.append(
                "pgbench: -i -s 1, then -b simple-update -c \(clients) -j \(clients) -t N on the same server over "
                    + "TCP, N per client sized for ~\(pgbenchSeconds) s by the run before (tps without connection "
                    + "time): \(list(rates))")
        }
        if let one = tps[1], let two = tps[2] {
            notes.append("pgbench c=2 / c=1 per repetition: \(list(zip(two, one).map { $0 / $1 }))")
        }
        let cores = ProcessInfo.processInfo.activeProcessorCount
        for (phase, share) in [("pushes", \RunResult.pushCPU), ("pulls", \RunResult.pullCPU)] {
            for deployment in Deployment.allCases {
                let shares = (runs[deployment] ?? []).map { $0[keyPath: share] }
                func median(_ value: (CPUShare) -> Double) -> String {
                    String(format: "%.0f", Samples(shares.map(value)).median)
                }
                func busy(_ value: (CPUShare) -> Double) -> String {
                    String(format: "%.2f", Samples(shares.map(value)).median)
                }
                let each = (0..<deployment.processes).map { index in busy { $0.kctCores[index] } }
                notes.append(
                    "CPU during the \(phase), \(deployment.label) (medians, ms per 1,000 changes): kct serve "
                        + "\(median(\.kct)), PostgreSQL \(median(\.postgres)), bench client \(median(\.bench)); "
                        + "whole machine \(median(\.machineBusy))% busy of \(cores) cores (other work on it "
                        + "included); cores busy: kct serve \(each.joined(separator: " + ")), PostgreSQL "
                        + "\(busy(\.postgresCores)), bench \(busy(\.benchCores))")
            }
        }
        func statements(_ rows: [(calls: Double, millis: Double, query: String)]) -> String {
            rows.map { String(format: "%.0f× %.1f ms ", $0.calls, $0.millis) + $0.query.prefix(64) }
                .joined(separator: " | ")
        }
        for profile in profiles {
            notes.append(
                "profile, PostgreSQL, \(profile.processes) process(es): one more push phase with pg_stat_statements "
                    + "tracking, \(profile.pushes) pushes in " + String(format: "%.2f s", profile.seconds)
                    + "; per push " + String(format: "%.0f", profile.statements) + " statements ("
                    + String(format: "%.0f", profile.pipelined) + " in pipelined batches, "
                    + String(format: "%.0f", profile.roundTrips) + " one round trip each), executing "
                    + String(format: "%.1f ms", profile.executeMillis) + "; "
                    + String(format: "%.1f", profile.lockedTransactions) + " transactions taking the row lock, "
                    + "waiting for it " + String(format: "%.1f ms", profile.lockWaitMillis) + "; the lock held "
                    + String(format: "%.0f%%", profile.lockBusy * 100) + " of the wall time ("
                    + String(format: "%.0f ms", profile.lockHeldMillis) + " per push), "
                    + String(format: "%.2f", profile.lockWaiters) + " sessions waiting for it on average "
                    + "(pg_stat_activity sampled every ~2 ms: a session with a transaction id not itself waiting "
                    + "for a lock holds it); central's row lookup sent from the bench afterwards: "
                    + String(format: "%.0f µs", profile.roundTripMicros) + " one at a time, "
                    + String(format: "%.0f µs", profile.pipelinedMicros) + " pipelined, so the one-at-a-time "
                    + "statements alone cost ~" + String(format: "%.0f ms", profile.roundTripMillis) + " per push")
            notes.append(
                "profile, \(profile.processes) process(es), costliest statements per push (calls, ms): "
                    + statements(profile.costliest))
            notes.append(
                "profile, \(profile.processes) process(es), most frequent statements per push (calls, ms): "
                    + statements(profile.frequent))
        }
        return notes
    }
}

/// Samples pg_stat_activity on a thread and connection of its own while a push phase runs: in
/// how many samples some session of `database` holds central_state's row lock (it has a
/// transaction id, which `SELECT … FOR UPDATE` assigns, and is not itself waiting for a lock:
/// only central's write transactions have one), and how many sessions wait for a lock.
final class LockSampler: Sendable {
    private let stopping = Atomic<Bool>(false)
    private let finished = DispatchSemaphore(value: 0)
    private let outcome = Mutex<Result<(held: Double, waiting: Double), any Error>>(.success((0, 0)))

    init(url: String, database: String) {
        Thread.detachNewThread { [self] in
            defer { finished.signal() }
            do {
                let connection = try PostgresConnection(url: url)
                let sql = """
                    SELECT count(*) FILTER (WHERE backend_xid IS NOT NULL AND wait_event_type IS DISTINCT FROM 'Lock'),
                      count(*) FILTER (WHERE wait_event_type = 'Lock')
                    FROM pg_stat_activity WHERE datname = ?
                    """
                var samples = 0, held = 0, waiting = 0
                while !stopping.load(ordering: .acquiring) {
                    guard let row = try connection.fetchOne(sql, [.text(database)]) else { continue }
                    samples += 1
                    if try row.read(at: 0, table: "pg_stat_activity", as: Int64.self) > 0 { held += 1 }
                    waiting += Int(try row.read(at: 1, table: "pg_stat_activity", as: Int64.self))
                    usleep(2_000)
                }
                let count = Double(max(samples, 1))
                outcome.withLock { $0 = .success((Double(held) / count, Double(waiting) / count)) }
            } catch {
                outcome.withLock { $0 = .failure(error) }
            }
        }
    }

    /// Stops sampling: the share of samples with the lock held, and the mean number waiting.
    func stop() throws -> (held: Double, waiting: Double) {
        stopping.store(true, ordering: .releasing)
        finished.wait()
        return try outcome.withLock { $0 }.get()
    }
}

/// CPU time used so far by a run's processes and by the whole machine.
struct CPUSnapshot {
    /// The serve processes, together and each.
    var kct: Double
    var kctEach: [Double]
    /// The postmaster and its children (sessions, writers), ended children included.
    var postgres: Double
    /// This process.
    var bench: Double
    /// Every process on every core (/proc/stat), and the elapsed capacity.
    var machineBusy: Double
    var machineTotal: Double
    var wallSeconds = monotonicSeconds()

    init(servers: [Int32], postmaster: Int32) throws {
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        kctEach = try servers.map { try ProcessUsage(pid: $0).cpuSeconds }
        kct = kctEach.reduce(0, +)
        var postgresTicks = 0.0
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        for entry in entries {
            guard let pid = Int32(entry), let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                let close = stat.lastIndex(of: ")")
            else { continue }
            // After the command name: state, ppid, …; utime, stime, cutime, cstime are 11–14.
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            guard fields.count > 14, let parent = Int32(fields[1]) else { continue }
            let own = (Double(fields[11]) ?? 0) + (Double(fields[12]) ?? 0)
            if pid == postmaster {
                postgresTicks += own + (Double(fields[13]) ?? 0) + (Double(fields[14]) ?? 0)
            } else if parent == postmaster {
                postgresTicks += own
            }
        }
        postgres = postgresTicks / ticks
        var spec = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &spec)
        bench = Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
        let line = try String(contentsOfFile: "/proc/stat", encoding: .utf8).split(separator: "\n").first ?? ""
        let counters = line.split(separator: " ").dropFirst().compactMap { Double($0) }
        guard counters.count >= 5 else { throw BenchError("unreadable /proc/stat") }
        machineTotal = counters.prefix(8).reduce(0, +) / ticks
        // idle and iowait are the 4th and 5th counters.
        machineBusy = machineTotal - (counters[3] + counters[4]) / ticks
    }
}

/// CPU used during one push phase, per 1,000 changes, and how busy the machine was.
struct CPUShare {
    var kct: Double
    var postgres: Double
    var bench: Double
    /// Percent of all cores' time.
    var machineBusy: Double
    /// Cores kept busy on average (CPU seconds per wall second): each serve process, the
    /// postmaster and its children, the bench.
    var kctCores: [Double]
    var postgresCores: Double
    var benchCores: Double

    init(_ before: CPUSnapshot, _ after: CPUSnapshot, changes: Int) {
        let per = 1_000_000 / Double(changes) // seconds → ms per 1,000 changes
        let wall = max(after.wallSeconds - before.wallSeconds, 1e-9)
        kctCores = zip(after.kctEach, before.kctEach).map { ($0 - $1) / wall }
        postgresCores = (after.postgres - before.postgres) / wall
        benchCores = (after.bench - before.bench) / wall
        kct = (after.kct - before.kct) * per
        postgres = (after.postgres - before.postgres) * per
        bench = (after.bench - before.bench) * per
        machineBusy =
            (after.machineBusy - before.machineBusy) / max(after.machineTotal - before.machineTotal, 1e-9) * 100
    }
}

extension Array {
    /// `transform` of each element in order, awaiting each before the next.
    func asyncMap<T>(_ transform: (Element) async throws -> T) async throws -> [T] {
        var results: [T] = []
        for element in self { results.append(try await transform(element)) }
        return results
    }
}
