import ArgumentParser
import Central

extension EffectState: ExpressibleByArgument {
    package static var allValueStrings: [String] { allCases.map(\.rawValue) }
}

struct CentralEffectsList: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List effects, newest first.")

    @OptionGroup var database: CentralDatabaseOption

    @Option(
        help: ArgumentHelp(
            "Only effects in this state (\(EffectState.allCases.map(\.rawValue).joined(separator: ", "))); repeatable.",
            valueName: "state"))
    var state: [EffectState] = []

    @Option(help: ArgumentHelp("Only one order's effects (id or order number).", valueName: "order"))
    var order: String?

    @Option(help: ArgumentHelp("At most N effects.", valueName: "N"))
    var limit = 100

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    func validate() throws {
        if limit < 1 { throw ValidationError("--limit must be at least 1") }
    }

    func run() throws {
        let store = try CentralStore.open(at: database.location)
        let effects = try store.effects(states: Set(state), orderID: order, limit: limit)
        if json {
            try Output.json(effects.map(EffectJSON.init))
            return
        }
        print(
            Output.table(
                ["ID", "KIND", "STATE", "ATTEMPTS", "ORDER", "PROVIDER REF", "UPDATED", "MESSAGE"],
                effects.map { effect in
                    [
                        effect.id, effect.kind.rawValue,
                        effect.state.rawValue + (effect.inFlight ? " (in flight)" : ""),
                        String(effect.attempts), String(effect.orderID.prefix(8)), effect.providerRef ?? "",
                        Output.time(effect.updatedAt), String((effect.message ?? "").prefix(80)),
                    ]
                }))
    }
}
