import EventLoop
import Foundation
import HTTP
import OrderDomain
import Store
import SyncCore

/// Sync through real processes on loopback: `kct central serve` and `kct node run` as deployed
/// (release build beside kct-bench), driven through the protocol and the nodes' local APIs,
/// beside raw SQLite inserts measured in the same run.
struct SyncSuite: BenchSuite {
    let name = "sync"
    let summary =
        "node merge, push+apply at central, edit propagation A→central→B, 20-node convergence, idle daemon; "
        + "real kct processes"

    static let mergeOrders = 5_000 // × 3 changes = 15,000
    static let pushOrders = 3_334 // × 3 changes (order, item, history) ≈ 10,000
    static let latencySamples = 200
    static let convergenceNodes = 20
    static let ordersPerNode = 334 // × 3 changes ≈ 1,000 offline edits per node
    static let idleSeconds = 5.0

    func run(_ options: BenchOptions) async throws -> SuiteReport {
        let root = try KCTBinary.workDirectory(options, suite: "sync")
        let thread = try await EventLoopThread.start(name: "bench-sync-client")
        defer { Task { try? await thread.shutdown() } }
        let client = try await thread.loop.submit { loop in LoopBound(try HTTPClient(loop: loop), loop: loop) }

        var figures: [Figure] = []
        var notes: [String] = []

        // Merge of pulled pages at a node (in process: the Store's applyPullPage), beside raw
        // inserts batched like the pages.
        var mergeRates: [Double] = [], rawPageRates: [Double] = []
        var mergeChanges = 0
        for repetition in 0..<options.repetitions {
            let directory = root + "/merge-\(repetition)"
            let merge = try Self.measureMerge(orders: options.count(Self.mergeOrders), directory: directory)
            mergeRates.append(merge.rate)
            mergeChanges = merge.changes
            let changes = merge.changes
            rawPageRates.append(
                try Self.rawBatchRate(
                    rows: changes, batch: ProtocolLimits.defaultPullLimit, path: directory + "/raw.sqlite"))
        }
        figures.append(
            Figure(
                name: "merge of pulled changes at a node", value: Samples(mergeRates).median, unit: "changes/s",
                baseline: "raw SQLite insert, \(ProtocolLimits.defaultPullLimit) rows/txn",
                baselineValue: Samples(rawPageRates).median, target: "≥ 200k changes/s"))
        let mergedOrders = options.count(Self.mergeOrders)
        let replicaStorage = try StorageFigures(
            path: OrderStore.replicaPath(root + "/merge-0/target"), orders: mergedOrders)
        figures.append(
            Figure(
                name: "replica bytes per synced one-item order", value: replicaStorage.bytesPerOrder, unit: "B",
                target: "≤ 2,048 B"))
        notes.append("replica storage after the merge (dbstat, B per order): " + replicaStorage.breakdown)
        notes.append(
            "merge: \(mergeChanges) changes made by another replica's write path (orders with one item), as pull "
                + "pages of \(ProtocolLimits.defaultPullLimit) (the daemon's page size), through "
                + "OrderStore.applyPullPage in process (one transaction per page: confirmed replica, stamps, "
                + "projection of touched orders, cursor)"
        )

        // Push + apply at central, beside raw inserts batched like the pushes.
        var pushChanges = 0
        var pushRates: [Double] = [], rawBatchRates: [Double] = []
        for repetition in 0..<options.repetitions {
            let directory = root + "/push-\(repetition)"
            let (rate, changes) = try await Self.measurePushApply(
                orders: options.count(Self.pushOrders), directory: directory, client: client)
            pushRates.append(rate)
            pushChanges = changes
            rawBatchRates.append(
                try Self.rawBatchRate(
                    rows: pushChanges, batch: ProtocolLimits.maximumChangesPerPush, path: directory + "/raw.sqlite"))
        }
        let centralStorage = try StorageFigures(
            path: root + "/push-0/central.sqlite", orders: options.count(Self.pushOrders))
        figures.append(
            Figure(
                name: "central bytes per pushed one-item order", value: centralStorage.bytesPerOrder, unit: "B",
                target: "≤ 4,096 B"))
        notes.append("central storage after the pushes (dbstat, B per order): " + centralStorage.breakdown)
        figures.append(
            Figure(
                name: "push + apply at central", value: Samples(pushRates).median, unit: "changes/s",
                baseline: "raw SQLite insert, 1,000 rows/txn", baselineValue: Samples(rawBatchRates).median,
                target: "≥ 100k changes/s"))
        notes.append(
            "push + apply: \(pushChanges) changes (\(options.count(Self.pushOrders)) new orders with one item) "
                + "pushed in sequential batches of \(ProtocolLimits.maximumChangesPerPush) from our HTTPClient to a "
                + "`kct central serve` process over loopback; wall time from the first request to the last response"
        )

        // Propagation latency with real daemons, and the idle daemon afterwards.
        let latency = try await Self.measurePropagation(
            samples: options.count(Self.latencySamples), directory: root + "/latency",
            client: client, idleSeconds: Self.idleSeconds)
        let rawSingle = try Self.rawSingleLatency(rows: 1_000, path: root + "/raw-single.sqlite")
        figures.append(
            Figure(
                name: "propagation A→B p50", value: latency.p50, unit: "ms",
                baseline: "raw SQLite insert, 1 row/txn, p50", baselineValue: rawSingle.p50))
        figures.append(
            Figure(
                name: "propagation A→B p99", value: latency.p99, unit: "ms",
                baseline: "raw SQLite insert, 1 row/txn, p99",
                baselineValue: rawSingle.p99, target: "p99 < 20 ms"))
        figures.append(Figure(name: "idle node daemon RSS", value: Double(latency.idleRSSKiB) / 1024, unit: "MiB"))
        figures.append(Figure(name: "idle node daemon CPU", value: latency.idleCPUPercent, unit: "% of a core"))
        notes.append(
            "propagation: real daemons (`kct central serve`, 2 × `kct node run`); PATCH of one order's notes on A's "
                + "local API, clock stopped when B's GET /api/events announces the order with source \"sync\"; "
                + "\(options.count(Self.latencySamples)) sequential edits, 20 ms apart"
        )
        notes.append(
            "idle daemon: node B after the propagation run, stream to central open, no edits for "
                + "\(Int(Self.idleSeconds)) s; VmRSS from /proc/PID/status, CPU from /proc/PID/stat utime+stime"
        )

        // 20 nodes × 1,000 offline edits.
        var convergence: [Double] = [], rawConvergence: [Double] = []
        var perNodeChanges = 0
        let nodes = Self.convergenceNodes
        let perNode = options.count(Self.ordersPerNode)
        for repetition in 0..<min(options.repetitions, 3) {
            let directory = root + "/converge-\(repetition)"
            let (seconds, total) = try await Self.measureConvergence(
                nodes: nodes, ordersPerNode: perNode, directory: directory, client: client)
            convergence.append(seconds)
            perNodeChanges = total / nodes
            rawConvergence.append(
                Double(total)
                    / (try Self.rawBatchRate(
                        rows: total, batch: ProtocolLimits.maximumChangesPerPush, path: directory + "/raw.sqlite")))
        }
        figures.append(
            Figure(
                name: "\(nodes) nodes × \(perNodeChanges) offline edits converge", value: Samples(convergence).median,
                unit: "s",
                baseline: "raw SQLite insert of as many rows, 1,000/txn", baselineValue: Samples(rawConvergence).median,
                target: "< 5 s"))
        notes.append(
            "convergence: \(nodes) replicas each made \(perNode) orders (\(perNodeChanges) changes) with no daemon "
                + "running; clock started when the \(nodes) `kct node run` processes are launched (one after "
                + "another), stopped when every node's GET /api/sync shows nothing pending and its cursor at the "
                + "total; polled every 20 ms; \(min(options.repetitions, 3)) repetitions"
        )

        try await thread.loop.submit { _ in client.value.close() }
        try await thread.shutdown()
        return SuiteReport(suite: name, figures: figures, notes: notes)
    }

    // MARK: Baselines

    static func rawBatchRate(rows: Int, batch: Int, path: String) throws -> Double {
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let raw = try RawSQLiteBaseline(path: path, shape: .history)
        let begin = monotonicSeconds()
        for start in stride(from: 0, to: rows, by: batch) { try raw.insertBatch(start..<min(rows, start + batch)) }
        return Double(rows) / (monotonicSeconds() - begin)
    }

    static func rawSingleLatency(rows: Int, path: String) throws -> (p50: Double, p99: Double) {
        let raw = try RawSQLiteBaseline(path: path, shape: .history)
        var timer = LocalEditsSuite.Timer()
        try timer.measure(0..<rows) { index in try raw.insert(index: index) }
        return (timer.p50, timer.p99)
    }

    // MARK: Node merge

    /// A merge of new orders timed: its rate, its changes, the pages they came in and the replica
    /// they were merged into (`directory`/target).
    struct MergeRun {
        var rate: Double
        var changes: Int
        var pages: [PullResponse]
        var replica: String
    }

    static func measureMerge(orders: Int, directory: String) throws -> MergeRun {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let source = try OrderStore.create(directory: directory + "/source", name: "M1", shopCode: "S01")
        let draft = LocalEditsSuite.draft()
        for _ in 0..<orders { try source.createOrder(draft, by: benchActor) }
        // As central would log them: versions 1…N in the author's order.
        let changes = try source.outboxEntries()
        let pageSize = ProtocolLimits.defaultPullLimit
        let pages = stride(from: 0, to: changes.count, by: pageSize).map { start in
            let end = min(changes.count, start + pageSize)
            return PullResponse(
                entries: (start..<end).map { LogEntry(version: Int64($0 + 1), change: changes[$0]) },
                nextCursor: Int64(end), hasMore: end < changes.count, headVersion: Int64(changes.count))
        }
        let target = try OrderStore.create(directory: directory + "/target", name: "M2", shopCode: "S01")
        let begin = monotonicSeconds()
        for page in pages { _ = try target.applyPullPage(page) }
        let elapsed = monotonicSeconds() - begin
        guard try target.pullCursor() == Int64(changes.count) else {
            throw BenchError("merge ended at cursor \(try target.pullCursor()) of \(changes.count)")
        }
        return MergeRun(
            rate: Double(changes.count) / elapsed, changes: changes.count, pages: pages,
            replica: OrderStore.replicaPath(directory + "/target"))
    }

    // MARK: Central

    /// The staff account every benchmark edit is made by.
    static let benchAuthor = "bench@kct.example"
    static let benchPassword = "a long enough password"

    /// A fresh central database served by a `kct central serve` process on a free port.
    static func startCentral(directory: String, nodes: [String]) throws -> (
        server: KCTServerProcess, tokens: [String: String]
    ) {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let database = directory + "/central.sqlite"
        let tokens = try prepareCentral(database: database, nodes: nodes)
        let server = try KCTServerProcess(
            ["central", "serve", "--db", database, "--listen", "127.0.0.1:0"],
            logPath: directory + "/central.log", readyPrefix: "central listening on ")
        return (server, tokens)
    }

    /// `kct central init` of a new central at `database` (a file or a postgres:// URL), the bench
    /// account, and one node registration per name; each node's token.
    static func prepareCentral(database: String, nodes: [String]) throws -> [String: String] {
        try KCTBinary.run(["central", "init", "--db", database])
        // Central judges every change by its author's account (PERMISSIONS.md).
        try KCTBinary.run(
            [
                "central", "add-user", "--db", database, "--email", benchAuthor, "--name", "Bench", "--role", "admin",
                "--password-stdin",
            ],
            stdin: benchPassword + "\n")
        var tokens: [String: String] = [:]
        for node in nodes {
            let output = try KCTBinary.run([
                "central", "add-node", "--db", database, "--name", node, "--shop", "S01", "--json",
            ])
            guard let object = try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any],
                let token = object["token"] as? String
            else {
                throw BenchError("add-node printed no token: \(output)")
            }
            tokens[node] = token
        }
        return tokens
    }

    static func measurePushApply(orders: Int, directory: String, client: LoopBound<HTTPClient>) async throws -> (
        rate: Double, changes: Int
    ) {
        let (central, tokens) = try startCentral(directory: directory, nodes: ["P1"])
        defer { central.stop() }
        // Real changes: made by the Store's write path on a replica that never syncs.
        let store = try OrderStore.create(directory: directory + "/source", name: "P1", shopCode: "S01")
        let draft = LocalEditsSuite.draft()
        for _ in 0..<orders { try store.createOrder(draft, by: benchActor) }
        let changes = try store.outboxEntries()
        let bodies = stride(from: 0, to: changes.count, by: ProtocolLimits.maximumChangesPerPush).map { start in
            PushRequest(
                nodeID: store.identity.nodeID,
                changes: Array(changes[start..<min(changes.count, start + ProtocolLimits.maximumChangesPerPush)])
            ).wire.canonicalBytes
        }
        let headers: HTTPHeaders = ["Authorization": "Bearer \(tokens["P1"]!)", "Content-Type": "application/json"]
        let begin = monotonicSeconds()
        var applied = 0
        for body in bodies {
            let response = try await client.response(
                for: HTTPClientRequest(method: .post, url: central.url + "/v1/push", headers: headers, body: body))
            let decoded = try PushResponse(wire: try JSONValue.parse(response.body), path: "$")
            applied += decoded.outcomes.filter { $0.result == .applied }.count
        }
        let elapsed = monotonicSeconds() - begin
        guard applied == changes.count else {
            throw BenchError(
                "central applied \(applied) of \(changes.count) pushed changes; see \(directory)/central.log")
        }
        return (Double(changes.count) / elapsed, changes.count)
    }

    // MARK: Nodes

    /// A replica joined to central with `orders` orders made offline, ready for its daemon.
    static func makeNode(_ name: String, directory: String, centralURL: String, token: String, orders: Int) throws
        -> [String: String]
    {
        let environment = ["KCT_DATA_DIR": directory + "/node-\(name)"]
        // `init --central` fetches central's accounts, so the bench account can sign in at once.
        try KCTBinary.run(
            ["init", "--name", name, "--shop", "S01", "--central", centralURL, "--token", token],
            environment: environment)
        try KCTBinary.run(
            ["login", "--email", benchAuthor, "--password-stdin"], environment: environment, stdin: benchPassword + "\n"
        )
        if orders > 0 {
            let order =
                #"{"customer_name": "Bench Customer", "customer_email": "bench@example.com", "tax_amount": "10.00", "#
                + #""items": [{"product_name": "Navy Suit", "unit_price": "899.00", "size": "40R"}]}"#
            try KCTBinary.run(
                ["orders", "create", "--from-json", "-"], environment: environment,
                stdin: "[" + Array(repeating: order, count: orders).joined(separator: ",") + "]")
        }
        return environment
    }

    static func startDaemon(_ name: String, environment: [String: String], directory: String) throws -> KCTServerProcess
    {
        try KCTServerProcess(
            ["node", "run", "--listen", "127.0.0.1:0"], environment: environment,
            logPath: directory + "/node-\(name).log", readyPrefix: "node listening on ")
    }

    /// Signs the bench account in on a daemon's local API; the bearer header for its requests.
    static func apiSession(_ url: String, client: LoopBound<HTTPClient>) async throws -> HTTPHeaders {
        let body = try JSONSerialization.data(withJSONObject: ["email": benchAuthor, "password": benchPassword])
        let response = try await client.response(
            for: HTTPClientRequest(
                method: .post, url: url + "/api/session",
                headers: ["Content-Type": "application/json"], body: Array(body)))
        guard let object = try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any],
            let token = object["token"] as? String
        else {
            throw BenchError("POST \(url)/api/session: no token")
        }
        return ["Authorization": "Bearer \(token)"]
    }

    /// GET /api/sync of a node daemon: (pending, cursor).
    static func syncState(_ url: String, session: HTTPHeaders, client: LoopBound<HTTPClient>) async throws -> (
        pending: Int, cursor: Int
    ) {
        let response = try await client.response(for: HTTPClientRequest(url: url + "/api/sync", headers: session))
        guard let object = try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any] else {
            throw BenchError("GET \(url)/api/sync: not a JSON object")
        }
        return (object["pending"] as? Int ?? -1, object["cursor"] as? Int ?? -1)
    }

    static func measureConvergence(
        nodes count: Int, ordersPerNode: Int, directory: String, client: LoopBound<HTTPClient>
    ) async throws -> (seconds: Double, changes: Int) {
        let names = (1...count).map { "N\($0)" }
        let (central, tokens) = try startCentral(directory: directory, nodes: names)
        defer { central.stop() }
        let environments = try names.map {
            try makeNode($0, directory: directory, centralURL: central.url, token: tokens[$0]!, orders: ordersPerNode)
        }
        // The changes to converge on, counted from the outboxes rather than assumed.
        var total = 0
        for environment in environments {
            let outbox = try KCTBinary.run(["outbox", "--json", "--limit", "1"], environment: environment)
            let object = try JSONSerialization.jsonObject(with: Data(outbox.utf8)) as? [String: Any]
            total += object?["last_sequence"] as? Int ?? 0
        }
        let begin = monotonicSeconds()
        var daemons: [KCTServerProcess] = []
        var sessions: [HTTPHeaders] = []
        defer { for daemon in daemons { daemon.stop() } }
        for (name, environment) in zip(names, environments) {
            daemons.append(try startDaemon(name, environment: environment, directory: directory))
        }
        // Signing in (scrypt, ~0.1 s each) is part of the clock: a real morning starts that way too.
        for daemon in daemons { sessions.append(try await apiSession(daemon.url, client: client)) }
        let deadline = begin + 120
        while monotonicSeconds() < deadline {
            var converged = true
            for (daemon, session) in zip(daemons, sessions) {
                let state = try await syncState(daemon.url, session: session, client: client)
                if state.pending != 0 || state.cursor < total {
                    converged = false
                    break
                }
            }
            if converged { return (monotonicSeconds() - begin, total) }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw BenchError("\(count) nodes did not converge within 120 s; logs in \(directory)")
    }

    struct PropagationResult: Sendable {
        var p50: Double, p99: Double
        var idleRSSKiB: Int, idleCPUPercent: Double
    }

    static func measurePropagation(samples: Int, directory: String, client: LoopBound<HTTPClient>, idleSeconds: Double)
        async throws -> PropagationResult
    {
        let (central, tokens) = try startCentral(directory: directory, nodes: ["A", "B"])
        defer { central.stop() }
        let environmentA = try makeNode(
            "A", directory: directory, centralURL: central.url, token: tokens["A"]!, orders: 1)
        let environmentB = try makeNode(
            "B", directory: directory, centralURL: central.url, token: tokens["B"]!, orders: 0)
        let a = try startDaemon("A", environment: environmentA, directory: directory)
        defer { a.stop() }
        let b = try startDaemon("B", environment: environmentB, directory: directory)
        defer { b.stop() }
        let sessionA = try await apiSession(a.url, client: client)
        let sessionB = try await apiSession(b.url, client: client)
        // B has A's order before the clock runs.
        let order = "S01-A-000001"
        let deadline = monotonicSeconds() + 60
        while true {
            let response = try? await client.response(
                for: HTTPClientRequest(
                    url: b.url + "/api/orders/" + order, headers: sessionB, acceptedStatuses: 200..<500))
            if response?.status.code == 200 { break }
            guard monotonicSeconds() < deadline else {
                throw BenchError("B never received A's order; logs in \(directory)")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        let aURL = a.url, bURL = b.url
        let latencies: [Double] = try await client.loop.submitDeferred { loop, finish in
            let http = client.value
            var patchHeaders = sessionA
            patchHeaders.set("Content-Type", "application/json")
            var results: [Double] = []
            var sentAt: Double?
            var index = 0
            var done = false
            var source: EventSource?
            func complete(_ result: Result<[Double], any Error>) {
                guard !done else { return }
                done = true
                source?.close()
                finish(result)
            }
            func next() {
                guard index < samples else { return complete(.success(results)) }
                index += 1
                let body = Array(#"{"notes": "propagation sample \#(index)"}"#.utf8)
                sentAt = monotonicSeconds()
                http.send(
                    HTTPClientRequest(
                        method: .patch, url: aURL + "/api/orders/" + order,
                        headers: patchHeaders, body: body)
                ) { result in
                    if case .failure(let error) = result { complete(.failure(error)) }
                }
            }
            source = http.openEventStream(
                url: bURL + "/api/events", headers: sessionB,
                onStateChange: { state in
                    // Not from inside curl's callback: curl refuses new transfers there.
                    if state == .open, index == 0 { _ = loop.schedule(after: .milliseconds(1)) { next() } }
                }
            ) { event in
                guard let since = sentAt, event.data.contains("\"sync\"") else { return }
                results.append((monotonicSeconds() - since) * 1000)
                sentAt = nil
                _ = loop.schedule(after: .milliseconds(20)) { next() }
            }
            _ = loop.schedule(after: .seconds(120)) {
                complete(.failure(BenchError("propagation run timed out after \(results.count) samples")))
            }
        }
        // B idle: nothing to do but keep its stream to central open.
        let before = try ProcessUsage(pid: b.pid)
        try await Task.sleep(for: .seconds(idleSeconds))
        let after = try ProcessUsage(pid: b.pid)
        let sorted = Samples(latencies)
        return PropagationResult(
            p50: sorted.percentile(50), p99: sorted.percentile(99),
            idleRSSKiB: after.residentKiB, idleCPUPercent: (after.cpuSeconds - before.cpuSeconds) / idleSeconds * 100)
    }
}
