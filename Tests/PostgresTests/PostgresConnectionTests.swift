import Foundation
import LocalPostgres
import Postgres
import SQLAccess
import Testing

/// The libpq driver against the test run's PostgreSQL server.
@Suite struct PostgresConnectionTests {
    @Test func roundTripsEveryValueKind() throws {
        let connection = try PostgresConnection(url: try PostgresServer.shared().createDatabase())
        try connection.executeScript(
            "DROP TABLE IF EXISTS t; CREATE TABLE t (i bigint PRIMARY KEY, r double precision, s text, b bytea, n text)"
        )
        try connection.execute(
            "INSERT INTO t (i, r, s, b, n) VALUES (?, ?, ?, ?, ?)",
            [.integer(Int64.max), .real(1.5), .text("it's ? here"), .blob(Data([0, 1, 0xfe, 0xff])), .null])
        let row = try #require(try connection.fetchOne("SELECT i, r, s, b, n, count(*) OVER () AS c FROM t"))
        #expect(row["i"] == .integer(Int64.max))
        #expect(row["r"] == .real(1.5))
        #expect(row["s"] == .text("it's ? here"))
        #expect(row["b"] == .blob(Data([0, 1, 0xfe, 0xff])))
        #expect(row["n"] == .null)
        #expect(row["c"] == .integer(1))
        try connection.executeMany(
            "INSERT INTO t (i, s) VALUES (?, ?) ON CONFLICT (i) DO UPDATE SET s = excluded.s",
            (0..<2500).map { [.integer(Int64($0)), .text("row \($0)")] })
        #expect(try connection.fetchValue("SELECT count(*) FROM t", as: Int64.self) == 2501)
        #expect(throws: PostgresError.self) {
            try connection.executeMany(
                "INSERT INTO t (i, s) VALUES (?, ?)", [[.integer(-1), .text("a")], [.integer(-1), .text("dup")]])
        }
        // A pipeline outside a transaction is one implicit transaction up to its sync point.
        #expect(try connection.fetchValue("SELECT s FROM t WHERE i = ?", [.integer(-1)], as: String.self) == nil)
        // The connection is usable after the failed pipeline.
        #expect(try connection.fetchValue("SELECT count(*) FROM t", as: Int64.self) == 2501)
    }
}

extension PostgresConnectionTests {
    @Test func placeholdersOutsideQuotesAndCommentsAreNumbered() {
        let (text, count) = PostgresPlaceholders.numbered("SELECT '?', \"a?\" FROM t WHERE x = ? -- why?\nAND y = ?")
        #expect(text == "SELECT '?', \"a?\" FROM t WHERE x = $1 -- why?\nAND y = $2")
        #expect(count == 2)
    }

    @Test func aRefusedConnectionIsAClearError() {
        #expect {
            _ = try PostgresConnection(url: "postgres://nobody@127.0.0.1:1/none?connect_timeout=2")
        } throws: { error in
            (error as? PostgresError)?.kind == .connectionFailed && (error as? PostgresError)?.isUnavailable == true
        }
    }

    @Test func statementErrorsCarryTheirSQLState() throws {
        let connection = try PostgresConnection(url: try PostgresServer.shared().createDatabase())
        try connection.executeScript("CREATE TABLE u (k text PRIMARY KEY)")
        try connection.execute("INSERT INTO u (k) VALUES (?)", [.text("a")])
        #expect {
            try connection.execute("INSERT INTO u (k) VALUES (?)", [.text("a")])
        } throws: { error in
            (error as? PostgresError)?.sqlState == "23505" && (error as? PostgresError)?.isConstraintViolation == true
        }
        // A failed statement outside a transaction leaves the connection usable.
        #expect(try connection.fetchValue("SELECT count(*) FROM u", as: Int64.self) == 1)
    }
}
