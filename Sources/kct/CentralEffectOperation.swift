import ArgumentParser
import Central
import Foundation

/// What `kct central effects retry` and `cancel` both take: the database, one effect, who asks
/// (for the audit trail), and how to print the effect as it is afterwards.
struct CentralEffectOperation: ParsableArguments {
    @OptionGroup var database: CentralDatabaseOption

    @Argument(help: "Effect id (eff_…) or a unique prefix of it.") var effect: String

    @Option(help: ArgumentHelp("Who asks, for the audit trail.", valueName: "name"))
    var by = ProcessInfo.processInfo.environment["KCT_USER"] ?? NSUserName()

    @Flag(help: "Print JSON.")
    var json = false

    /// Runs `change` on central's store and prints the effect it returns (`done` says what became of it).
    func perform(
        _ change: (CentralStore, String, String) throws -> EffectRecord, done: (EffectRecord) -> String
    ) throws {
        let record = try change(try CentralStore.open(at: database.location), effect, by)
        if json {
            try Output.json(EffectJSON(effect: record))
        } else {
            print(done(record))
        }
    }
}
