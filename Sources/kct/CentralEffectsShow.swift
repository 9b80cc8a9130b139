import ArgumentParser
import Central
import SyncCore

struct CentralEffectsShow: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "Show one effect: its cause, exact request, attempts and answer.")

    @OptionGroup var database: CentralDatabaseOption

    @Argument(help: "Effect id (eff_…) or a unique prefix of it.") var effect: String

    @Flag(help: "Print JSON.")
    var json = false

    func run() throws {
        let record = try CentralStore.open(at: database.location).effect(effect)
        if json {
            try Output.json(EffectJSON(effect: record))
            return
        }
        let fields: [(String, String?)] = [
            ("effect", record.id), ("kind", "\(record.kind.rawValue) (\(record.kind.provider.displayName))"),
            ("state", record.state.rawValue + (record.inFlight ? ", in flight" : "")),
            ("cause", record.cause), ("order", record.orderID), ("request", record.requestID),
            ("attempts", String(record.attempts)), ("provider ref", record.providerRef),
            ("parameters", JSONValue.object(record.parameters).canonicalString),
            ("result", record.result.map { JSONValue.object($0).canonicalString }), ("message", record.message),
            ("created", Output.time(record.createdAt)), ("updated", Output.time(record.updatedAt)),
        ]
        for (label, value) in fields {
            guard let value else { continue }
            print(label.padding(toLength: 14, withPad: " ", startingAt: 0) + value)
        }
    }
}
