import Foundation
import GRDB
import Testing

/// `kill -9` a `kct` process in the middle of a burst of edits, many times, and check after each
/// kill that the replica is sound: integrity_check is ok, every order `kct` reported as saved is
/// there, every saved edit has exactly its outbox entries and no outbox entry lacks its edit.
@Suite struct CrashSafetyTests {
    /// SplitMix64: a seeded generator, so a failing run can be replayed.
    struct SeededGenerator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static let burstSize = 60
    static let rounds = 25

    /// A batch of orders, each its own durable transaction with 4 changes.
    static func batch(round: Int) -> String {
        let orders = (0..<burstSize).map { index in
            """
            {"customer_name": "Crash \(round)-\(index)", "customer_email": "c\(round)x\(index)@example.com", "tax_amount": "1.00",
             "items": [{"product_name": "Suit", "unit_price": "899.00", "size": "40R"}, {"product_name": "Tie", "quantity": 2, "unit_price": "49.50"}]}
            """
        }
        return "[" + orders.joined(separator: ",\n") + "]"
    }

    @Test func killDashNineMidBurstLosesNothingAndLeavesNoHalfEdit() throws {
        let kct = KCTProcess()
        defer { kct.cleanUp() }
        try #require(try kct.run("init", "--name", "W1", "--shop", "S01").status == 0)
        var generator = SeededGenerator(state: 20_261_125)
        var reportedSaved = Set<String>()
        var killedMidBurst = 0

        for round in 0..<Self.rounds {
            let batchFile = kct.dataDir + "/batch-\(round).json"
            try Self.batch(round: round).write(toFile: batchFile, atomically: true, encoding: .utf8)
            // Kill after 0 to burstSize-1 reported orders: 0 means while it is still opening.
            let killAfter = Int.random(in: 0..<Self.burstSize, using: &generator)
            let (lines, finished) = try Self.runAndKill(kct, ["orders", "create", "--from-json", batchFile], afterLines: killAfter)
            if !finished { killedMidBurst += 1 }
            for line in lines {
                let words = line.split(separator: " ")
                try #require(words.first == "created", "unexpected output: \(line)")
                reportedSaved.insert(String(words[1]))
            }
            try Self.checkReplica(at: kct.dataDir + "/replica.sqlite", reportedSaved: reportedSaved)
        }
        #expect(killedMidBurst > Self.rounds / 2, "most rounds should have been killed before finishing")
        #expect(reportedSaved.count > 0)
    }

    /// Starts kct, reads its stdout line by line and sends SIGKILL once `afterLines` lines have
    /// arrived. Returns the complete lines read and whether the process finished on its own.
    static func runAndKill(_ kct: KCTProcess, _ arguments: [String], afterLines: Int) throws -> ([String], Bool) {
        let process = Process()
        process.executableURL = KCTProcess.executable
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["KCT_DATA_DIR"] = kct.dataDir
        environment["KCT_USER"] = "crash-test"
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
            let chunk = reader.availableData  // blocks until data or end of file
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

    static func checkReplica(at path: String, reportedSaved: Set<String>) throws {
        guard FileManager.default.fileExists(atPath: path) else { return }
        let queue = try DatabaseQueue(path: path)
        defer { try? queue.close() }
        try queue.read { db in
            #expect(try String.fetchAll(db, sql: "PRAGMA integrity_check") == ["ok"])
            let orders = Set(try String.fetchAll(db, sql: "SELECT order_number FROM orders"))
            #expect(reportedSaved.isSubset(of: orders), "saved orders lost: \(reportedSaved.subtracting(orders).sorted())")

            // The outbox is gap-free and matches the persisted counters.
            let sequences = try Int64.fetchAll(db, sql: "SELECT sequence FROM outbox ORDER BY sequence")
            #expect(sequences == Array(0..<Int64(sequences.count)).map { $0 + 1 })
            let state = try Row.fetchOne(db, sql: "SELECT hlc_last, outbox_last_sequence, order_number_last FROM node_state")!
            #expect(state["outbox_last_sequence"] as Int64 == Int64(sequences.count))
            #expect(state["order_number_last"] as Int == orders.count)
            #expect(try Int64.fetchOne(db, sql: "SELECT max(hlc) FROM outbox") == state["hlc_last"] as Int64?)

            // Every order has exactly its four entries (order, two items, first history row)...
            let perOrder = try Row.fetchAll(db, sql: """
                SELECT o.id,
                  (SELECT count(*) FROM outbox WHERE order_id = o.id AND entity = 'orders' AND op = 'set_fields') AS order_changes,
                  (SELECT count(*) FROM outbox WHERE order_id = o.id AND entity = 'order_items') AS item_changes,
                  (SELECT count(*) FROM outbox WHERE order_id = o.id AND entity = 'order_status_history') AS history_changes,
                  (SELECT count(*) FROM order_items WHERE order_id = o.id) AS items,
                  (SELECT count(*) FROM order_status_history WHERE order_id = o.id) AS history
                FROM orders o
                """)
            for row in perOrder {
                let counts = [row["order_changes"], row["item_changes"], row["history_changes"], row["items"], row["history"]] as [Int]
                #expect(counts == [1, 2, 1, 2, 1], "order \(row["id"] as String): \(counts)")
            }
            // ...and no entry lacks its row.
            let orphans = try Int.fetchOne(db, sql: """
                SELECT count(*) FROM outbox e WHERE
                  (e.entity = 'orders' AND NOT EXISTS (SELECT 1 FROM orders WHERE id = e.row_id)) OR
                  (e.entity = 'order_items' AND NOT EXISTS (SELECT 1 FROM order_items WHERE id = e.row_id)) OR
                  (e.entity = 'order_status_history' AND NOT EXISTS (SELECT 1 FROM order_status_history WHERE id = e.row_id))
                """)
            #expect(orphans == 0)
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM outbox") == orders.count * 4)
        }
    }
}
