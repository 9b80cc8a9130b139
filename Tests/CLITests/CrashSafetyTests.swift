import Foundation
import GRDB
import TestSupport
import Testing

/// `kill -9` a `kct` process in the middle of a burst of edits (and a status move at a random
/// moment), many times, and check after each kill that the replica is sound: integrity_check is
/// ok, every edit `kct` reported as saved is there, every saved edit has exactly its outbox
/// entries and no outbox entry lacks its edit.
@Suite struct CrashSafetyTests {

    static let burstSize = 60
    static let rounds = 25

    /// A batch of orders, each its own durable transaction with 4 changes.
    static func batch(round: Int) -> String {
        let orders = (0..<burstSize).map { index in
            """
            {"customer_name": "Crash \(round)-\(index)", "customer_email": "c\(round)x\(index)@example.com", \
            "tax_amount": "1.00",
             "items": [{"product_name": "Suit", "unit_price": "899.00", "size": "40R"}, {"product_name": "Tie", \
             "quantity": 2, "unit_price": "49.50"}]}
            """
        }
        return "[" + orders.joined(separator: ",\n") + "]"
    }

    @Test func killDashNineMidBurstLosesNothingAndLeavesNoHalfEdit() throws {
        let kct = KCTProcess()
        defer { kct.cleanUp() }
        try #require(try kct.run("init", "--name", "W1", "--shop", "S01").status == 0)
        try kct.signInAdmin()
        var generator = SplitMix64(seed: 20_261_125)
        var reportedSaved = Set<String>()
        var reportedMoves: [String: Int] = [:]
        var movesFinished = 0, movesKilled = 0
        var killedMidBurst = 0

        for round in 0..<Self.rounds {
            let batchFile = kct.dataDir + "/batch-\(round).json"
            try Self.batch(round: round).write(toFile: batchFile, atomically: true, encoding: .utf8)
            // Kill after 0 to burstSize-1 reported orders: 0 means while it is still opening.
            let killAfter = Int.random(in: 0..<Self.burstSize, using: &generator)
            let (lines, finished) = try Self.runAndKill(
                kct, ["orders", "create", "--from-json", batchFile], afterLines: killAfter)
            if !finished { killedMidBurst += 1 }
            for line in lines {
                let words = line.split(separator: " ")
                try #require(words.first == "created", "unexpected output: \(line)")
                reportedSaved.insert(String(words[1]))
            }
            // A status move of a saved order, killed at a random moment of its short life.
            if let order = reportedSaved.sorted().randomElement(using: &generator) {
                let move = try Self.moveAndKill(
                    kct, order: order, afterMicroseconds: UInt32.random(in: 0..<60_000, using: &generator))
                if move.reported { reportedMoves[order, default: 0] += 1 }
                if move.finished { movesFinished += 1 } else { movesKilled += 1 }
            }
            try Self.checkReplica(
                at: kct.dataDir + "/replica.sqlite", reportedSaved: reportedSaved, reportedMoves: reportedMoves)
        }
        #expect(killedMidBurst > Self.rounds / 2, "most rounds should have been killed before finishing")
        #expect(reportedSaved.count > 0)
        print(
            "crash safety: \(reportedSaved.count) orders reported saved, \(killedMidBurst) bursts killed; status "
                + "moves: \(movesKilled) killed, \(movesFinished) finished, \(reportedMoves.values.reduce(0, +)) "
                + "reported"
        )
    }

    /// Starts kct, reads its stdout line by line and sends SIGKILL once `afterLines` lines have
    /// arrived. Returns the complete lines read and whether the process finished on its own.
    static func runAndKill(_ kct: KCTProcess, _ arguments: [String], afterLines: Int) throws -> ([String], Bool) {
        let process = Process()
        process.executableURL = KCTProcess.executable
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["KCT_DATA_DIR"] = kct.dataDir
        process.environment = environment
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        if afterLines == 0 { kill(process.processIdentifier, SIGKILL) }
        var buffer = Data()
        var lines: [String] = []
        var killed = afterLines == 0
        let reader = out.fileHandleForReading
        while true {
            let chunk = reader.availableData // blocks until data or end of file
            if chunk.isEmpty { break }
            buffer.append(chunk)
            while let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                lines.append(String(decoding: buffer[buffer.startIndex..<newline], as: UTF8.self))
                buffer.removeSubrange(buffer.startIndex...newline)
            }
            if !killed, lines.count >= afterLines {
                kill(process.processIdentifier, SIGKILL)
                killed = true
            }
        }
        process.waitUntilExit()
        let finished = process.terminationReason == .exit
        if finished { #expect(process.terminationStatus == 0) }
        return (lines, finished)
    }

    /// The status each reported move took an order to, in order (a move made by a killed
    /// process that did not report still counts in the replica, so checks use "at least").
    static let flow = [
        "pending_payment", "payment_confirmed", "processing", "in_production", "quality_check", "packaging", "shipped",
    ]

    /// Runs `kct orders status ORDER next` and sends SIGKILL after a random delay. The delay only
    /// picks the kill point; nothing waits on it for synchronisation.
    static func moveAndKill(_ kct: KCTProcess, order: String, afterMicroseconds delay: UInt32) throws -> (
        reported: Bool, finished: Bool
    ) {
        let show = try kct.run("orders", "show", order, "--json")
        let status = try show.object()["status"] as? String ?? ""
        guard let index = flow.firstIndex(of: status), index + 1 < flow.count else { return (false, true) }
        let process = Process()
        process.executableURL = KCTProcess.executable
        process.arguments = ["orders", "status", order, flow[index + 1]]
        var environment = ProcessInfo.processInfo.environment
        environment["KCT_DATA_DIR"] = kct.dataDir
        process.environment = environment
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        usleep(delay)
        kill(process.processIdentifier, SIGKILL)
        let output = String(decoding: out.fileHandleForReading.readAllTolerantly(), as: UTF8.self)
        process.waitUntilExit()
        return (output.contains("→"), process.terminationReason == .exit)
    }

    static func checkReplica(at path: String, reportedSaved: Set<String>, reportedMoves: [String: Int]) throws {
        guard FileManager.default.fileExists(atPath: path) else { return }
        let queue = try DatabaseQueue(path: path)
        defer { try? queue.close() }
        try queue.read { db in
            #expect(try String.fetchAll(db, sql: "PRAGMA integrity_check") == ["ok"])
            let orders = Set(try String.fetchAll(db, sql: "SELECT order_number FROM orders"))
            #expect(
                reportedSaved.isSubset(of: orders), "saved orders lost: \(reportedSaved.subtracting(orders).sorted())")

            // The outbox is gap-free and matches the persisted counters.
            let sequences = try Int64.fetchAll(db, sql: "SELECT sequence FROM outbox ORDER BY sequence")
            #expect(sequences == Array(0..<Int64(sequences.count)).map { $0 + 1 })
            let state = try Row.fetchOne(
                db, sql: "SELECT hlc_last, outbox_last_sequence, order_number_last FROM node_state")!
            #expect(state["outbox_last_sequence"] as Int64 == Int64(sequences.count))
            #expect(state["order_number_last"] as Int == orders.count)
            #expect(try Int64.fetchOne(db, sql: "SELECT max(hlc) FROM outbox") == state["hlc_last"] as Int64?)

            // Every order has exactly the entries of its edits: its creation (order, two items,
            // first history row) and one set_status + one history append per status move.
            let perOrder = try Row.fetchAll(
                db,
                sql: """
                    SELECT o.order_number, o.status,
                      (SELECT count(*) FROM outbox WHERE order_id = o.id AND entity = 'orders' AND op = 'set_fields')
                        AS order_changes,
                      (SELECT count(*) FROM outbox WHERE order_id = o.id AND entity = 'order_items') AS item_changes,
                      (SELECT count(*) FROM order_items WHERE order_id = o.id) AS items,
                      (SELECT count(*) FROM outbox WHERE order_id = o.id AND op = 'set_status') AS status_changes,
                      (SELECT count(*) FROM outbox WHERE order_id = o.id AND entity = 'order_status_history') AS
                        history_changes,
                      (SELECT count(*) FROM order_status_history WHERE order_id = o.id) AS history,
                      (SELECT to_status FROM order_status_history WHERE order_id = o.id ORDER BY changed_at DESC, hlc
                        DESC LIMIT 1) AS last_to
                    FROM orders o
                    """)
            var statusChanges = 0
            for row in perOrder {
                let number: String = row["order_number"]
                let counts = [row["order_changes"], row["item_changes"], row["items"]] as [Int]
                #expect(counts == [1, 2, 2], "order \(number): \(counts)")
                let history: Int = row["history"]
                #expect(row["history_changes"] as Int == history, "order \(number)")
                #expect(row["status_changes"] as Int == history - 1, "order \(number)")
                #expect(row["status"] as String == row["last_to"] as String, "order \(number)")
                #expect(history - 1 >= reportedMoves[number, default: 0], "order \(number): a reported move is missing")
                statusChanges += history - 1
            }
            // ...and no entry lacks its row.
            let orphans = try Int.fetchOne(
                db,
                sql: """
                    SELECT count(*) FROM outbox e WHERE
                      (e.entity = 'orders' AND NOT EXISTS (SELECT 1 FROM orders WHERE id = e.row_id)) OR
                      (e.entity = 'order_items' AND NOT EXISTS (SELECT 1 FROM order_items WHERE id = e.row_id)) OR
                      (e.entity = 'order_status_history' AND NOT EXISTS (SELECT 1 FROM order_status_history WHERE id
                        = e.row_id))
                    """)
            #expect(orphans == 0)
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM outbox") == orders.count * 4 + statusChanges * 2)
        }
    }
}
