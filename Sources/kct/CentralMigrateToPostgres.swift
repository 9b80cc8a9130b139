import ArgumentParser
import Central

struct CentralMigrateToPostgres: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate-to-postgres",
        abstract: "Move a SQLite central store into a PostgreSQL database, log, cursors, accounts and audit intact.",
        discussion: """
            Stop `kct central serve` first (a served file is refused: its later pushes would be lost). The \
            PostgreSQL database must exist and hold no central store yet. Everything is copied in one \
            transaction and the row counts are checked before it commits; the SQLite file is not changed. \
            Then serve the PostgreSQL URL (`kct central serve --db postgres://…`) on the same address: \
            workstations keep syncing from their cursors with their tokens, without bootstrapping again.
            """)

    @Option(help: ArgumentHelp("The SQLite central store to copy.", valueName: "file"))
    var from: String

    @Option(help: ArgumentHelp("The PostgreSQL database to copy it into.", valueName: "postgres://…"))
    var to: String

    func validate() throws {
        guard case .postgres = CentralLocation(to) else {
            throw ValidationError("--to needs a postgres:// or postgresql:// URL, got '\(to)'")
        }
        guard case .sqlite = CentralLocation(from) else {
            throw ValidationError("--from needs central's SQLite file, got a URL")
        }
    }

    func run() throws {
        let report = try CentralStore.migrateToPostgres(from: from, to: to) { table, rows in
            Output.note("copied \(rows) rows of \(table)")
        }
        let target = CentralLocation.postgres(url: to)
        let total = report.tables.reduce(0) { $0 + $1.rows }
        print("moved \(total) rows to \(target); the log's head is version \(report.headVersion)")
    }
}
