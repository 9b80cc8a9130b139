import ArgumentParser
import Central

struct CentralEffectsCancel: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cancel",
        abstract: "Stop a pending, failed or unknown effect from being run (again).",
        discussion: "An attempt already under way at the provider finishes; its answer is then not recorded.")

    @OptionGroup var operation: CentralEffectOperation

    func run() throws {
        try operation.perform({ store, effect, by in try store.cancelEffect(effect, by: by) }) { record in
            "effect \(record.id) (\(record.kind.rawValue)) cancelled"
        }
    }
}
