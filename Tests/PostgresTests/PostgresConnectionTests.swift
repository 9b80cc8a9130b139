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

extension PostgresConnectionTests {
    @Test func insertManyPutsSeveralRowsInAStatementAndKeepsTheirOrder() throws {
        let connection = try PostgresConnection(url: try PostgresServer.shared().createDatabase())
        try connection.executeScript(
            """
            CREATE TABLE m (id bigint GENERATED ALWAYS AS IDENTITY, k bigint PRIMARY KEY, b bytea, s text,
              r double precision)
            """)
        let insert = SQLInsert(into: "m", columns: ["k", "b", "s", "r"], "ON CONFLICT DO NOTHING")
        // 1,000 rows go out as 15 × 64 + 2 × 16 + 2 × 4 (largest sizes first), parameters typed by
        // their target columns; a key met twice is left to the conflict clause.
        var rows: [[SQLValue]] = (0..<1_000).map { index in
            let text: SQLValue = index % 3 == 0 ? .null : .text("r\(index)")
            return [.integer(Int64(index)), .blob(Data([UInt8(index % 256)])), text, .real(Double(index) / 2)]
        }
        rows.append([.integer(7), .null, .text("second 7"), .real(0)])
        try connection.insertMany(insert, rows)
        #expect(try connection.fetchValue("SELECT count(*) FROM m", as: Int64.self) == 1_000)
        let keys = try connection.fetchValues("SELECT k FROM m ORDER BY id", as: Int64.self)
        #expect(keys == (0..<1_000).map(Int64.init))
        let seven = try #require(try connection.fetchOne("SELECT b, s, r FROM m WHERE k = 7"))
        #expect(seven["b"] == .blob(Data([7])) && seven["s"] == .text("r7") && seven["r"] == .real(3.5))
        #expect(try connection.fetchValue("SELECT s FROM m WHERE k = 9", as: String.self) == nil)
        #expect(try connection.fetchValue("SELECT count(*) FROM m WHERE s IS NULL", as: Int64.self) == 334)

        // A failing row fails the call; outside a transaction, its pipeline is rolled back whole.
        let plain = SQLInsert(into: "m", columns: ["k", "s"])
        #expect(throws: PostgresError.self) {
            let fresh: [[SQLValue]] = (2_000..<2_100).map { [.integer(Int64($0)), .text("x")] }
            try connection.insertMany(plain, fresh + [[.integer(5), .text("dup")]])
        }
        #expect(try connection.fetchValue("SELECT count(*) FROM m", as: Int64.self) == 1_000)
        // One row is one plain statement.
        try connection.insertMany(plain, [[.integer(-1), .text("one")]])
        #expect(try connection.fetchValue("SELECT s FROM m WHERE k = -1", as: String.self) == "one")
    }

    @Test func statementsPreparedForOnePipelineSurviveMakingRoomForThem() throws {
        let connection = try PostgresConnection(url: try PostgresServer.shared().createDatabase())
        try connection.executeScript("CREATE TABLE p (k bigint PRIMARY KEY)")
        // Fill the prepared-statement cache to one short of its limit, so that the four shapes
        // of the next insertMany do not fit: they must all be prepared after the DEALLOCATE.
        for index in 0..<(PostgresConnection.preparedLimit - 1) {
            _ = try connection.fetchValue("SELECT \(index)::bigint", as: Int64.self)
        }
        try connection.insertMany(SQLInsert(into: "p", columns: ["k"]), (0..<85).map { [.integer(Int64($0))] })
        #expect(try connection.fetchValue("SELECT count(*) FROM p", as: Int64.self) == 85)
    }
}
