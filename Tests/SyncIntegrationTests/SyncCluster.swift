import Foundation
import LocalPostgres
import TestSupport
import Testing

/// Central and its nodes as separate `kct` processes on 127.0.0.1, each with its own data in one
/// temporary directory. `shutDown()` (also run on deinit) kills every process still running and
/// removes the directory.
final class SyncCluster {
    /// One workstation: its replica (driven through the CLI) and, while running, its daemon.
    final class Node {
        let name: String
        let kct: KCTProcess
        let token: String
        var daemon: KCTServer?
        /// What `kct init --central` printed (its first sync, a bootstrap, reports on stderr).
        var initOutput: KCTProcess.Result?

        init(name: String, kct: KCTProcess, token: String) {
            self.name = name
            self.kct = kct
            self.token = token
        }

        /// The staff account this workstation's edits are made by (central judges every change
        /// by its author's account, PERMISSIONS.md).
        var staffEmail: String { "staff-\(name.lowercased())@kct.example" }

        /// `kct ARGS` against this node's replica; fails the test with stderr on a non-zero exit.
        @discardableResult
        func run(_ arguments: String..., stdin: String? = nil) throws -> KCTProcess.Result {
            let result = try kct.run(arguments, stdin: stdin)
            guard result.status == 0 else {
                throw Failure(
                    "\(name): kct \(arguments.joined(separator: " ")) exited \(result.status): \(result.stderr)")
            }
            return result
        }

        /// Fields that are not replicated: `updated_at` is when this replica last re-projected the
        /// order (not a synced field in CONFLICT-RULES.md), so it differs between replicas.
        static let localFields: Set<String> = ["updated_at"]

        /// Every order, in full, as `kct orders list --json` prints it (without `localFields`),
        /// sorted by order number and re-serialised with sorted keys so replicas compare as text.
        func ordersSnapshot() throws -> String {
            let orders = try run("orders", "list", "--json", "--limit", "100000").array()
                .map { $0.filter { !Self.localFields.contains($0.key) } }
            let sorted = orders.sorted { ($0["order_number"] as? String ?? "") < ($1["order_number"] as? String ?? "") }
            return String(
                decoding: try JSONSerialization.data(withJSONObject: sorted, options: [.sortedKeys]), as: UTF8.self)
        }

        func orderNumbers() throws -> Set<String> {
            Set(
                try run("orders", "list", "--json", "--limit", "100000").array().compactMap {
                    $0["order_number"] as? String
                })
        }

        func syncStatus() throws -> [String: Any] { try run("sync", "status", "--json").object() }

        func pending() throws -> Int { try syncStatus()["pending"] as? Int ?? -1 }

        /// The node id and the last sequence of its outbox (`kct outbox --json`).
        func outboxHead() throws -> (nodeID: String, lastSequence: Int) {
            let outbox = try run("outbox", "--json", "--limit", "1").object()
            return (outbox["node_id"] as? String ?? "", outbox["last_sequence"] as? Int ?? -1)
        }

        /// `kct orders create --from-json` of `orders`; the order numbers it reported.
        func createOrders(_ orders: [[String: Any]]) throws -> [String] {
            let json = String(decoding: try JSONSerialization.data(withJSONObject: orders), as: UTF8.self)
            let result = try run("orders", "create", "--from-json", "-", stdin: json)
            return result.stdout.split(separator: "\n").compactMap { line in
                let words = line.split(separator: " ")
                return words.first == "created" && words.count > 1 ? String(words[1]) : nil
            }
        }
    }

    let directory: String
    /// What `--db` names: central's SQLite file, or a PostgreSQL URL.
    let databasePath: String
    private(set) var central: KCTServer?
    /// More `kct central serve` processes on the same (PostgreSQL) database, each on its own port.
    private(set) var otherCentrals: [KCTServer] = []
    /// Central's address once it first listened; restarts reuse it, as the nodes know it.
    private(set) var centralListen = "127.0.0.1:0"
    private(set) var nodes: [Node] = []
    private var restarts = 0
    /// Environment of `kct central serve` (provider settings, crash points), kept across restarts.
    var centralEnvironment: [String: String] = [:]

    /// `databaseDirectory` puts central's database elsewhere (a small tmpfs, to fill the disk);
    /// `postgresURL` puts it in that (empty) PostgreSQL database instead.
    init(databaseDirectory: String? = nil, postgresURL: String? = nil) throws {
        directory =
            FileManager.default.temporaryDirectory.appendingPathComponent("kct-sync-it-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        databasePath = postgresURL ?? (databaseDirectory ?? directory) + "/central.sqlite"
        try centralCommand("central", "init", "--db", databasePath)
    }

    /// Central's database on `backend`: a file in the directory, or a new PostgreSQL database on
    /// the test run's server.
    convenience init(backend: CentralBackend) throws {
        switch backend {
        case .sqlite: try self.init()
        case .postgres: try self.init(postgresURL: try PostgresServer.shared().createDatabase())
        }
    }

    deinit { shutDown() }

    /// Kills whatever is still running (daemons first) and removes the directory. Idempotent.
    func shutDown() {
        for node in nodes { node.daemon?.killNow() }
        central?.killNow()
        for other in otherCentrals { other.killNow() }
        try? FileManager.default.removeItem(atPath: directory)
    }

    var centralURL: String { "http://" + centralListen }

    /// `kct ARGS` for central's database (no replica involved).
    @discardableResult
    func centralCommand(_ arguments: String...) throws -> KCTProcess.Result {
        let result = try KCTProcess(dataDir: directory + "/no-replica").run(arguments)
        guard result.status == 0 else {
            throw Failure("kct \(arguments.joined(separator: " ")) exited \(result.status): \(result.stderr)")
        }
        return result
    }

    /// `kct ARGS` for central's database with `input` on standard input.
    func centralCommandWithInput(_ input: String, _ arguments: String...) throws {
        let result = try KCTProcess(dataDir: directory + "/no-replica").run(arguments, stdin: input)
        guard result.status == 0 else {
            throw Failure("kct \(arguments.joined(separator: " ")) exited \(result.status): \(result.stderr)")
        }
    }

    /// Registers a node at central and returns its token (`add-node --json`).
    func addNode(_ name: String, shop: String = "S01", scope: String = "shop") throws -> String {
        let registered = try centralCommand(
            "central", "add-node", "--db", databasePath, "--name", name, "--shop", shop, "--scope", scope, "--json"
        ).object()
        return try #require(registered["token"] as? String, "add-node printed no token")
    }

    /// Starts `kct central serve` on the same database (and, after the first start, the same port).
    func startCentral() throws {
        precondition(central?.isRunning != true, "central already running")
        central = try KCTServer(
            name: "central", arguments: ["central", "serve", "--db", databasePath, "--listen", centralListen],
            environment: centralEnvironment, logPath: directory + "/central.log", readyPrefix: "central listening on ")
        centralListen = central!.listenAddress
    }

    /// Starts one more `kct central serve` on the same database, on a port of its own (central on
    /// PostgreSQL serves from any number of processes); returns it (also kept in `otherCentrals`).
    @discardableResult
    func startOtherCentral(listen: String = "127.0.0.1:0") throws -> KCTServer {
        let index = otherCentrals.count + 2
        let server = try KCTServer(
            name: "central \(index)", arguments: ["central", "serve", "--db", databasePath, "--listen", listen],
            environment: centralEnvironment, logPath: directory + "/central-\(index).log",
            readyPrefix: "central listening on ")
        otherCentrals.append(server)
        return server
    }

    /// Registers `name` at central, initialises its replica pointing at central, returns it.
    /// Central must have been started once (the node needs its URL); `centralURL` points the
    /// node elsewhere (a `FaultProxy` in front of central); `dataDir` puts its replica elsewhere.
    func addWorkstation(
        _ name: String, shop: String = "S01", scope: String = "shop", via centralURL: String? = nil,
        dataDir: String? = nil, initArguments: [String] = []
    ) throws -> Node {
        let token = try addNode(name, shop: shop, scope: scope)
        let node = Node(name: name, kct: KCTProcess(dataDir: dataDir ?? directory + "/node-\(name)"), token: token)
        try centralCommandWithInput(
            "a long enough password\n",
            "central", "add-user", "--db", databasePath, "--email", node.staffEmail, "--name", "Staff \(name)",
            "--role", "admin", "--password-stdin")
        // `init --central` fetches central's accounts, so the workstation's person signs in at once.
        let initialised = try node.kct.run(
            ["init", "--name", name, "--shop", shop, "--central", centralURL ?? self.centralURL, "--token", token]
                + initArguments)
        guard initialised.status == 0 else {
            throw Failure("\(name): kct init exited \(initialised.status): \(initialised.stderr)")
        }
        node.initOutput = initialised
        try node.run("login", "--email", node.staffEmail, "--password-stdin", stdin: "a long enough password\n")
        nodes.append(node)
        return node
    }

    func startDaemon(_ node: Node, extraArguments: [String] = []) throws {
        precondition(node.daemon?.isRunning != true, "\(node.name)'s daemon already running")
        node.daemon = try KCTServer(
            name: "node \(node.name)", arguments: ["node", "run", "--listen", "127.0.0.1:0"] + extraArguments,
            environment: ["KCT_DATA_DIR": node.kct.dataDir],
            logPath: directory + "/node-\(node.name).log", readyPrefix: "node listening on ")
    }

    /// Logs of every process, for a failure message.
    func logs() -> String {
        ([central?.logPath ?? directory + "/central.log"] + otherCentrals.map(\.logPath)
            + nodes.map { directory + "/node-\($0.name).log" })
            .map { path in
                "== \(path)\n" + String(((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").suffix(3_000))
            }
            .joined(separator: "\n")
    }

    /// Polls `condition` every 100 ms until it returns nil or `timeout` passes; then throws
    /// with the last reason it gave and the processes' logs. The processes are independent, so
    /// there is no event to await: convergence is observed from outside, as staff would.
    func waitUntil(_ what: String, timeout: TimeInterval = 40, _ condition: () throws -> String?) throws {
        let deadline = Date().addingTimeInterval(timeout)
        var reason: String? = "not checked"
        while Date() < deadline {
            reason = try condition()
            if reason == nil { return }
            usleep(100_000)
        }
        throw Failure("\(what) did not happen within \(Int(timeout)) s: \(reason ?? "")\n\(logs())")
    }

    /// Waits until every node has nothing pending and all hold the same orders (with
    /// `expected` order numbers when given); returns the common snapshot.
    @discardableResult
    func waitForConvergence(of nodes: [Node]? = nil, expected: Set<String>? = nil, timeout: TimeInterval = 40) throws
        -> String
    {
        let nodes = nodes ?? self.nodes
        var common = ""
        try waitUntil("convergence of \(nodes.map(\.name).joined(separator: ", "))", timeout: timeout) {
            for node in nodes {
                let pending = try node.pending()
                if pending != 0 { return "\(node.name) has \(pending) pending" }
            }
            let snapshots = try nodes.map { try $0.ordersSnapshot() }
            if let expected {
                for node in nodes {
                    let have = try node.orderNumbers()
                    if have != expected {
                        return
                            "\(node.name) lacks \(expected.subtracting(have).sorted().prefix(5)), has extra "
                            + "\(have.subtracting(expected).sorted().prefix(5))"
                    }
                }
            }
            for (node, snapshot) in zip(nodes, snapshots) where snapshot != snapshots[0] {
                return "\(node.name) differs from \(nodes[0].name): " + Self.difference(snapshots[0], snapshot)
            }
            common = snapshots[0]
            return nil
        }
        return common
    }

    /// The first fields that differ between two snapshots, for a failure message.
    static func difference(_ first: String, _ second: String) -> String {
        func orders(_ text: String) -> [String: [String: Any]] {
            let array = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [[String: Any]] ?? []
            return Dictionary(
                array.map { ($0["order_number"] as? String ?? "?", $0) }, uniquingKeysWith: { first, _ in first })
        }
        func text(_ value: Any?) -> String {
            guard let value else { return "absent" }
            return (try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed]))
                .map { String(decoding: $0, as: UTF8.self) } ?? "\(value)"
        }
        let (a, b) = (orders(first), orders(second))
        var differences: [String] = []
        for number in Set(a.keys).union(b.keys).sorted() {
            let keys = Set(a[number]?.keys.map { $0 } ?? []).union(b[number]?.keys.map { $0 } ?? [])
            for key in keys.sorted() where text(a[number]?[key]) != text(b[number]?[key]) {
                differences.append(
                    "\(number).\(key): \(text(a[number]?[key]).prefix(300)) ≠ \(text(b[number]?[key]).prefix(300))")
            }
        }
        return differences.prefix(4).joined(separator: "; ")
    }

    /// `GET path` on central with curl (installed by the Makefile); the body, or nil when central
    /// cannot be reached or answers with an error.
    func centralGET(_ path: String, token: String? = nil) throws -> Data? {
        let curl = Process()
        curl.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        curl.arguments =
            ["-sS", "--fail", "--max-time", "10", "-H", "KCT-Protocol-Version: 3"]
            + (token.map { ["-H", "Authorization: Bearer \($0)"] } ?? []) + [centralURL + path]
        let out = Pipe()
        curl.standardOutput = out
        curl.standardError = FileHandle.nullDevice
        try curl.run()
        let data = out.fileHandleForReading.readAllTolerantly()
        curl.waitUntilExit()
        return curl.terminationStatus == 0 ? data : nil
    }

    /// Central's head version from `GET /healthz`, nil when it has not answered within
    /// `seconds`. Asks again every 100 ms: a central just restarted after `kill -9` on a loaded
    /// machine once failed the first request (seen in LoopbackKillTests).
    func centralHead(waitingUpTo seconds: Double = 30) throws -> Int? {
        let deadline = Date().addingTimeInterval(seconds)
        while true {
            if let data = try centralGET("/healthz"),
                let head = (try? JSONSerialization.jsonObject(with: data) as? [String: Any])?["head_version"] as? Int
            {
                return head
            }
            guard Date() < deadline else { return nil }
            usleep(100_000)
        }
    }

    /// Central's whole log, through the protocol (`GET /v1/pull` with `token`): every entry's
    /// version and the (node_id, sequence) of its change. Uses curl, as the Makefile installs it.
    func centralLog(token: String) throws -> [(version: Int, nodeID: String, sequence: Int)] {
        var entries: [(Int, String, Int)] = []
        var after = 0
        while true {
            let data = try #require(
                try centralGET("/v1/pull?after=\(after)&limit=5000", token: token), "pull after \(after) failed")
            let page = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
            let pageEntries = try #require(page["entries"] as? [[String: Any]])
            for entry in pageEntries {
                let change = try #require(entry["change"] as? [String: Any])
                entries.append(
                    (
                        try #require(entry["version"] as? Int), try #require(change["node_id"] as? String),
                        try #require(change["sequence"] as? Int)
                    ))
            }
            after = try #require(page["next_cursor"] as? Int)
            if page["has_more"] as? Bool != true { return entries }
        }
    }
}

/// Orders in `kct orders create --from-json` form.
enum SampleOrders {
    static func orders(_ count: Int, tag: String) -> [[String: Any]] {
        (0..<count).map { index in
            [
                "customer_name": "Customer \(tag) \(index)",
                "customer_email": "c\(index)@\(tag.lowercased()).example.com",
                "tax_amount": "10.00", "notes": "created on \(tag)",
                "items": [
                    ["product_name": "Navy Suit", "unit_price": "899.00", "size": "40R"],
                    ["product_name": "Tie", "quantity": 2, "unit_price": "49.50"],
                ],
            ]
        }
    }
}
