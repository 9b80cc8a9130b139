import Central
import Foundation
import GRDB
import StorageSupport
import Store
import SyncCore

#if canImport(Glibc)
    import Glibc
#endif

/// Snapshot bootstrap of an empty workstation from a central of a million orders (issue 13:
/// < 5 s wall, peak RSS < 64 MiB), beside raw SQLite inserts of as many rows in the same run.
///
/// Central's database is built once and cached in `KCT_BENCH_CACHE` (default
/// `.build/bench-cache`): each order is the Store's write path's one-item order (its outbox
/// changes, with fresh ids), merged with SyncCore's rules and written straight into central's
/// `rows` and `order_shops`, as if pushed (pushing a million orders takes minutes). Central is
/// served in process; the node is `kct sync now` in a process of its own, so its wall time and
/// peak RSS are the workstation's.
struct BootstrapSuite: BenchSuite {
    let name = "bootstrap"
    let summary = "bootstrap an empty workstation from a snapshot of a 1M-order central (cached) vs raw SQLite"

    func run(_ options: BenchOptions) async throws -> SuiteReport {
        let orders = options.count(1_000_000)
        let cache =
            ProcessInfo.processInfo.environment["KCT_BENCH_CACHE"]
            ?? FileManager.default.currentDirectoryPath + "/.build/bench-cache"
        let built = cache + "/bootstrap-central-\(orders)-v1"
        var notes: [String] = []
        if !FileManager.default.fileExists(atPath: built + "/token") {
            let started = monotonicSeconds()
            try? FileManager.default.removeItem(atPath: built + ".partial")
            try Self.buildCentral(orders: orders, directory: built + ".partial")
            try FileManager.default.moveItem(atPath: built + ".partial", toPath: built)
            notes.append(String(format: "built central in %.0f s (cached in %@)", monotonicSeconds() - started, built))
        } else {
            notes.append("central from the cache: \(built)")
        }
        let token = try String(contentsOfFile: built + "/token", encoding: .utf8)
        let rowsPerOrder = try Int(String(contentsOfFile: built + "/rows-per-order", encoding: .utf8)) ?? 2

        var walls: [Double] = [], rss: [Double] = [], raws: [Double] = []
        for repetition in 0..<options.repetitions {
            // A copy per repetition: serving may checkpoint or migrate the cached file.
            let directory = options.workDirectory + "/bootstrap-\(repetition)"
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: built + "/central.sqlite", toPath: directory + "/central.sqlite")
            let central = try await CentralService.start(databasePath: directory + "/central.sqlite")
            let environment = ["KCT_DATA_DIR": directory + "/node"]
            try KCTBinary.run(
                ["init", "--name", "W1", "--shop", "S01", "--central", central.baseURL, "--token", token, "--no-sync"],
                environment: environment)
            let begin = monotonicSeconds()
            let (output, peakKiB) = try Self.runMeasured(
                ["sync", "now", "--json"], environment: environment, stdoutPath: directory + "/sync-now.json")
            walls.append(monotonicSeconds() - begin)
            rss.append(Double(peakKiB) / 1024)
            try await central.stop()
            guard let report = try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any],
                report["snapshot_orders"] as? Int == orders
            else {
                throw BenchError("the bootstrap did not bring \(orders) orders: \(output)")
            }
            let rows = orders * rowsPerOrder
            raws.append(
                Double(rows)
                    / (try SyncSuite.rawBatchRate(rows: rows, batch: 1_000, path: directory + "/raw.sqlite")))
            try? FileManager.default.removeItem(atPath: directory)
        }
        let wall = Samples(walls).median
        notes += [
            "\(orders) orders of \(rowsPerOrder) rows each, as the write path makes a one-item order; the node's "
                + "`kct sync now`: snapshot pages of \(SnapshotRequest.defaultLimit) orders, then the pull from the "
                + "snapshot's version",
            "node peak RSS: `kct sync now`'s own maximum resident set (wait4), central served in this process",
            "\(options.repetitions) repetitions, medians",
        ]
        return SuiteReport(
            suite: name,
            figures: [
                Figure(
                    name: "bootstrap \(orders) orders, wall", value: wall, unit: "s",
                    baseline: "raw SQLite inserts of as many rows, 1,000/txn", baselineValue: Samples(raws).median,
                    target: "< 5 s at 1M orders"),
                Figure(name: "bootstrap rate", value: Double(orders) / wall, unit: "orders/s"),
                Figure(name: "node peak RSS", value: Samples(rss).median, unit: "MiB", target: "< 64 MiB"),
            ],
            notes: notes)
    }

    /// Central with `orders` orders of shop S01, registered workstation W1 (its token in `token`).
    static func buildCentral(orders: Int, directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = directory + "/central.sqlite"
        let store = try CentralStore.create(path: path)
        let token = try store.addNode(name: "W1", shop: "S01").token
        // One order as the write path makes it; every order is a copy with fresh ids.
        let template = try OrderStore.create(directory: directory + "/template", name: "B1", shopCode: "S01")
        try template.createOrder(LocalEditsSuite.draft(), by: benchActor)
        let changes = try template.outboxEntries()
        let author = template.identity.nodeID
        let queue = try DatabaseQueue(path: path)
        var version: Int64 = 0
        var rowsPerOrder = 0
        let batch = 10_000
        for start in stride(from: 0, to: orders, by: batch) {
            try queue.write { db in
                let insertRow = try db.makeStatement(
                    sql: """
                        INSERT INTO rows (entity, row_id, order_id, fields, appended, tombstone)
                        VALUES (?, ?, ?, ?, ?, ?)
                        """)
                let insertMove = try db.makeStatement(sql: StatusMoveRows.insertSQL("status_moves"))
                let insertShop = try db.makeStatement(
                    sql: "INSERT INTO order_shops (order_id, shop, node_name) VALUES (?, 'S01', 'W1')")
                for index in start..<min(orders, start + batch) {
                    let orderID = Self.id(index, 0)
                    var ids: [String: String] = [:]
                    var rows: [RowKey: RowState] = [:]
                    var register = StatusRegister()
                    for var change in changes {
                        version += 1
                        change.sequence = version
                        change.orderID = orderID
                        let rowID =
                            ids[change.rowID] ?? (change.entity == .order ? orderID : Self.id(index, ids.count + 1))
                        ids[change.rowID] = rowID
                        change.rowID = rowID
                        if change.fields["order_id"] != nil { change.fields["order_id"] = .text(orderID) }
                        if change.entity == .order, change.fields["order_number"] != nil {
                            change.fields["order_number"] = .text(String(format: "S01-B1-%07d", index + 1))
                        }
                        change.nodeID = author
                        if change.operation == .setStatus {
                            _ = register.merge(change, version: version)
                        } else {
                            let key = RowKey(change.entity, change.rowID)
                            _ = rows[
                                key, default: RowState(entity: change.entity, rowID: change.rowID, orderID: orderID)
                            ]
                            .merge(change, version: version)
                        }
                    }
                    rowsPerOrder = rows.count
                    for row in rows.values {
                        try insertRow.execute(arguments: [
                            row.entity.rawValue, row.rowID, orderID, Data(RowStateCodec.encode(fields: row.fields)),
                            row.appended.map { Data(RowStateCodec.encode($0)) },
                            row.tombstone.map { Data(RowStateCodec.encode($0)) },
                        ])
                    }
                    for move in register.moves {
                        try insertMove.execute(
                            arguments: StatementArguments(StatusMoveRows.databaseValues(move, orderID: orderID)))
                    }
                    try insertShop.execute(arguments: [orderID])
                }
                try db.execute(sql: "UPDATE central_state SET head_version = ?", arguments: [version])
            }
        }
        try token.write(toFile: directory + "/token", atomically: true, encoding: .utf8)
        try String(rowsPerOrder).write(toFile: directory + "/rows-per-order", atomically: true, encoding: .utf8)
    }

    /// A UUID-shaped id for row `row` of order `index`, in the order of `index`.
    static func id(_ index: Int, _ row: Int) -> String {
        let digits = String(format: "%012x", index)
        return String(format: "%08x-0000-4000-8000-", row) + digits
    }

    /// Runs `kct arguments…` and waits for it with `wait4`, which reports the child's own peak RSS
    /// (Foundation's `Process` does not); stdout goes to `stdoutPath`, stderr is discarded.
    static func runMeasured(_ arguments: [String], environment: [String: String], stdoutPath: String) throws -> (
        stdout: String, peakKiB: Int
    ) {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, stdoutPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let argv = ([KCTBinary.path] + arguments).map { strdup($0) } + [nil]
        let merged = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let envp = merged.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, KCTBinary.path, &actions, nil, argv, envp)
        guard spawned == 0 else { throw BenchError("cannot start kct: errno \(spawned)") }
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) == -1 && errno == EINTR {}
        let output = (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? ""
        // Exited normally with status 0 (the wait status's low 7 bits are the signal, 0 for none).
        guard status & 0x7f == 0, (status >> 8) & 0xff == 0 else {
            throw BenchError("kct \(arguments.joined(separator: " ")) failed (wait status \(status)): \(output)")
        }
        return (output, Int(usage.ru_maxrss))
    }
}
