import Foundation
import GRDB
import Testing

@testable import Store

/// `Statement.execute(binding:)`, the merge's bypass of GRDB's argument handling, writes what
/// GRDB's `execute(arguments:)` writes, reports SQLite's errors as GRDB does, and leaves the
/// cached statement usable by either afterwards.
@Suite struct StatementBindingTests {
    static let values: [DatabaseValue] = [
        "a".databaseValue, 42.databaseValue, 2.5.databaseValue, Data([0, 1, 255]).databaseValue, .null,
        "é—𝄞".databaseValue,
    ]

    @Test func bindsEveryStorageClassAsGRDBDoes() throws {
        let queue = try DatabaseQueue()
        try queue.write { db in
            try db.execute(sql: "CREATE TABLE t (k TEXT PRIMARY KEY, i, r, b, n, u)")
            let insert = try db.cachedStatement(sql: "INSERT INTO t VALUES (?, ?, ?, ?, ?, ?)")
            try insert.execute(binding: Self.values)
            var viaGRDB = Self.values
            viaGRDB[0] = "b".databaseValue
            try insert.execute(arguments: StatementArguments(databaseValues: viaGRDB))
            let rows = try Row.fetchAll(db, sql: "SELECT * FROM t ORDER BY k")
            #expect(rows.count == 2)
            #expect(Array(rows[0].databaseValues) == Self.values)
            #expect(Array(rows[0].databaseValues.dropFirst()) == Array(rows[1].databaseValues.dropFirst()))
            // The bindings do not outlive the call: the next GRDB execution binds its own.
            try insert.execute(binding: ["c".databaseValue, 1.databaseValue, .null, .null, .null, .null])
            #expect(try Int.fetchOne(db, sql: "SELECT i FROM t WHERE k = 'c'") == 1)
        }
    }

    @Test func reportsConstraintFailuresAndStaysUsable() throws {
        let queue = try DatabaseQueue()
        try queue.write { db in
            try db.execute(sql: "CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER NOT NULL)")
            let insert = try db.cachedStatement(sql: "INSERT INTO t VALUES (?, ?)")
            try insert.execute(binding: ["a".databaseValue, 1.databaseValue])
            do {
                try insert.execute(binding: ["a".databaseValue, 2.databaseValue])
                Issue.record("a duplicate key was inserted")
            } catch let error as DatabaseError {
                #expect(error.resultCode == .SQLITE_CONSTRAINT)
                #expect(error.sql == "INSERT INTO t VALUES (?, ?)")
            }
            #expect(throws: DatabaseError.self) { try insert.execute(binding: ["b".databaseValue, .null]) }
            try insert.execute(binding: ["b".databaseValue, 3.databaseValue])
            try insert.execute(arguments: ["c", 4])
            #expect(try Int.fetchAll(db, sql: "SELECT v FROM t ORDER BY k") == [1, 3, 4])
        }
    }
}
