import ArgumentParser
import Central
import Foundation

struct CentralEffectsCancel: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cancel",
        abstract: "Stop a pending, failed or unknown effect from being run (again).",
        discussion: "An attempt already under way at the provider finishes; its answer is then not recorded.")

    @OptionGroup var database: CentralDatabaseOption

    @Argument(help: "Effect id (eff_…) or a unique prefix of it.") var effect: String

    @Option(help: ArgumentHelp("Who asks, for the audit trail.", valueName: "name"))
    var by = ProcessInfo.processInfo.environment["KCT_USER"] ?? NSUserName()

    @Flag(help: "Print JSON.")
    var json = false

    func run() throws {
        let record = try CentralStore.open(path: database.path).cancelEffect(effect, by: by)
        if json {
            try Output.json(EffectJSON(effect: record))
        } else {
            print("effect \(record.id) (\(record.kind.rawValue)) cancelled")
        }
    }
}
