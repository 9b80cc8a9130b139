import ArgumentParser
import Central

struct Central: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run and administer the central store that workstations sync with.",
        subcommands: [
            CentralInit.self, CentralAddNode.self, CentralRevokeNode.self, CentralNodes.self, CentralServe.self,
            CentralAddUser.self, CentralSetRole.self, CentralDisable.self, CentralEnable.self, CentralSetPassword.self,
            CentralListUsers.self, CentralAudit.self, CentralEffects.self, CentralCompact.self, CentralVacuum.self,
            CentralMigrateToPostgres.self,
        ])
}

/// Where central's store is, which every `kct central` command names: `--db` with a SQLite file
/// or a PostgreSQL URL, or `--postgres` with a URL.
struct CentralDatabaseOption: ParsableArguments {
    @Option(
        name: .customLong("db"),
        help: ArgumentHelp(
            "Central's SQLite file, or a PostgreSQL URL (postgres://USER@HOST:PORT/DB).", valueName: "path|url"))
    var db: String?

    @Option(
        name: .customLong("postgres"),
        help: ArgumentHelp("Central's PostgreSQL database (same as --db with a postgres:// URL).", valueName: "url"))
    var postgres: String?

    func validate() throws {
        switch (db, postgres) {
        case (nil, nil): throw ValidationError("name central's store with --db FILE or --db/--postgres postgres://…")
        case (.some, .some): throw ValidationError("give --db or --postgres, not both")
        case (.some(let db), nil) where db.isEmpty: throw ValidationError("--db needs a file or a postgres:// URL")
        case (nil, .some(let url)) where CentralLocation(url) == .sqlite(path: url):
            throw ValidationError("--postgres needs a postgres:// or postgresql:// URL, got '\(url)'")
        default: break
        }
    }

    var location: CentralLocation {
        if let postgres { return .postgres(url: postgres) }
        return CentralLocation(db ?? "")
    }
}

extension CentralError {
    var exitCode: Int32 {
        switch self {
        case .missingStore, .notACentralStore: ExitCodes.noReplica
        case .alreadyExists, .duplicateNode, .duplicateAccount: ExitCodes.alreadyExists
        case .unknownNode, .unknownAccount, .unknownEffect: ExitCodes.notFound
        case .invalidNodeName, .invalidAccount, .storeInUse, .invalidEffectOperation: ExitCodes.refused
        case .corruptValue, .database, .postgres, .fileSystem, .unexpected: ExitCodes.storage
        }
    }
}
