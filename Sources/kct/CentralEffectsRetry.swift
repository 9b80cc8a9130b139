import ArgumentParser
import Central
import Foundation

struct CentralEffectsRetry: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retry",
        abstract: "Run a failed, unknown or cancelled effect again, under the same id.",
        discussion: """
            The same id means the same Stripe Idempotency-Key and the same EasyPost shipment, so a retry never \
            charges or buys twice. An unknown SendGrid e-mail retried is sent again: do it when the customer \
            did not get it.
            """)

    @OptionGroup var database: CentralDatabaseOption

    @Argument(help: "Effect id (eff_…) or a unique prefix of it.") var effect: String

    @Option(help: ArgumentHelp("Who asks, for the audit trail.", valueName: "name"))
    var by = ProcessInfo.processInfo.environment["KCT_USER"] ?? NSUserName()

    @Flag(help: "Print JSON.")
    var json = false

    func run() throws {
        let record = try CentralStore.open(path: database.path).retryEffect(effect, by: by)
        if json {
            try Output.json(EffectJSON(effect: record))
        } else {
            print("effect \(record.id) (\(record.kind.rawValue)) is pending again; central runs it within seconds")
        }
    }
}
