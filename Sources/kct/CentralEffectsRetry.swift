import ArgumentParser
import Central

struct CentralEffectsRetry: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retry",
        abstract: "Run a failed, unknown or cancelled effect again, under the same id.",
        discussion: """
            The same id means the same Stripe Idempotency-Key and the same EasyPost shipment, so a retry never \
            charges or buys twice. An unknown SendGrid e-mail retried is sent again: do it when the customer \
            did not get it.
            """)

    @OptionGroup var operation: CentralEffectOperation

    func run() throws {
        try operation.perform({ store, effect, by in try store.retryEffect(effect, by: by) }) { record in
            "effect \(record.id) (\(record.kind.rawValue)) is pending again; central runs it within seconds"
        }
    }
}
