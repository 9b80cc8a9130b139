import LocalPostgres
import Postgres
import Synchronization
import TestSupport
import Testing

@testable import Central

/// A fresh place for a central store on `backend`: a file in a new temporary directory, or a new
/// database on the test process's PostgreSQL server (`PostgresServer.shared()`) holding central's
/// migrated schema and nothing else, as `CentralStore.create` leaves it before its first rows. The
/// directory exists for both, for the files a test keeps beside the store.
struct TestStoreLocation {
    let location: CentralLocation
    let directory: TemporaryDirectory

    init(_ backend: CentralBackend) throws {
        let url = backend == .postgres ? try Self.newDatabase() : nil
        directory = try TemporaryDirectory()
        location = url.map { .postgres(url: $0) } ?? .sqlite(path: directory.database)
    }

    /// Deletes the directory; a PostgreSQL database goes with the server at the end of the run.
    func remove() { directory.remove() }

    /// The server, and connections to its `postgres` database for CREATE DATABASE. Every new
    /// database is a copy of `central_template`, migrated once per test process here with
    /// central's own migration code: on this server the migrations cost about twice the copy,
    /// and central's suites make a database per test case (PostgresSchemaTests and
    /// LogOrderStressTests migrate brand-new databases). Not `PostgresServer.createDatabase`:
    /// a psql process per call costs more than the statement.
    private static let administration = Result {
        let server = try PostgresServer.shared()
        let pool = PostgresPool(url: server.url(database: "postgres"))
        try pool.withConnection { connection in try connection.executeScript("CREATE DATABASE central_template") }
        // Closed at the end of the statement: a database with connections cannot be copied.
        try CentralDatabase.migratePostgres(
            PostgresConnection(url: server.url(database: "central_template")), CentralPostgresSchema.migrations)
        return (server, pool)
    }
    private static let databasesMade = Atomic(0)

    private static func newDatabase() throws -> String {
        let (server, pool) = try administration.get()
        let name = "central_\(databasesMade.add(1, ordering: .relaxed).newValue)"
        try pool.withConnection { connection in
            try connection.executeScript("CREATE DATABASE \(name) TEMPLATE central_template")
        }
        return server.url(database: name)
    }
}
