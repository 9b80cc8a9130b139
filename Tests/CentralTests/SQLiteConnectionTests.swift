import Foundation
import GRDB
import SQLAccess
import StorageSupport
import Testing

/// Central's statements on SQLite bind their values straight to SQLite (`SQLiteConnection.run`):
/// every kind of value must come back as it went in, and a failed statement must leave its cached
/// statement usable.
@Suite struct SQLiteConnectionTests {
    @Test func roundTripsEveryValueKind() throws {
        let queue = try DatabaseQueue()
        try queue.write { db in
            let connection = SQLiteConnection(db)
            try connection.executeScript("CREATE TABLE t (i INTEGER PRIMARY KEY, r REAL, s TEXT, b BLOB, n TEXT)")
            let texts = ["it's ? here", "é – 🧵", ""]
            try connection.executeMany(
                "INSERT INTO t (i, r, s, b, n) VALUES (?, ?, ?, ?, ?)",
                texts.enumerated().map { index, text in
                    [.integer(Int64(index)), .real(1.5), .text(text), .blob(Data([0, 1, 0xfe, 0xff])), .null]
                })
            try connection.execute(
                "INSERT INTO t (i, r, s, b, n) VALUES (?, ?, ?, ?, ?)",
                [.integer(Int64.max), .real(-0.25), .text("x"), .blob(Data()), .null])
            for (index, text) in texts.enumerated() {
                let row = try #require(
                    try connection.fetchOne("SELECT i, r, s, b, n FROM t WHERE i = ?", [.integer(Int64(index))]))
                #expect(row["s"] == .text(text))
                #expect(row["r"] == .real(1.5))
                #expect(row["b"] == .blob(Data([0, 1, 0xfe, 0xff])))
                #expect(row["n"] == .null)
            }
            // A text holding a NUL is bound whole (GRDB reads texts up to a NUL, so compare bytes).
            try connection.execute("INSERT INTO t (i, s) VALUES (?, ?)", [.integer(-1), .text("a\u{0}b")])
            #expect(try connection.fetchValue("SELECT hex(s) FROM t WHERE i = -1", as: String.self) == "610062")
            #expect(
                try connection.fetchValue("SELECT r FROM t WHERE i = ?", [.integer(Int64.max)], as: Double.self)
                    == -0.25)
        }
    }

    @Test func aFailedStatementIsAnErrorAndStaysUsable() throws {
        let queue = try DatabaseQueue()
        try queue.write { db in
            let connection = SQLiteConnection(db)
            try connection.executeScript("CREATE TABLE u (k TEXT PRIMARY KEY)")
            let insert = "INSERT INTO u (k) VALUES (?)"
            try connection.execute(insert, [.text("a")])
            #expect(throws: DatabaseError.self) { try connection.execute(insert, [.text("a")]) }
            #expect(throws: DatabaseError.self) { try connection.execute(insert, [.text("b"), .text("c")]) }
            try connection.execute(insert, [.text("b")])
            #expect(try connection.fetchValue("SELECT count(*) FROM u", as: Int64.self) == 2)
        }
    }
}
