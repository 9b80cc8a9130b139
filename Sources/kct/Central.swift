import ArgumentParser
import Central

struct Central: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run and administer the central store that workstations sync with.",
        subcommands: [
            CentralInit.self, CentralAddNode.self, CentralRevokeNode.self, CentralNodes.self, CentralServe.self,
            CentralAddUser.self, CentralSetRole.self, CentralDisable.self, CentralEnable.self, CentralSetPassword.self,
            CentralListUsers.self, CentralAudit.self, CentralEffects.self, CentralCompact.self, CentralVacuum.self,
        ])
}

/// The central store's file, which every `kct central` command names.
struct CentralDatabaseOption: ParsableArguments {
    @Option(name: .customLong("db"), help: ArgumentHelp("Central's SQLite file.", valueName: "path"))
    var path: String
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
