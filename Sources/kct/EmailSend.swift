import ArgumentParser
import OrderDomain

extension CustomerEmail: ExpressibleByArgument {
    package static var allValueStrings: [String] { allCases.map(\.rawValue) }
}

struct EmailSend: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "send",
        abstract: "Send (or resend) a templated e-mail to the order's customer.",
        discussion: """
            Central sends most of these by itself, once per order, when the order reaches the matching \
            status; this sends one by hand. Each e-mail leaves a customer communication entry whose delivery \
            status follows SendGrid's events (kct orders show ORDER).
            """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: "Order number or id.") var order: String

    @Option(
        help: ArgumentHelp(
            "Template: \(CustomerEmail.allCases.map(\.rawValue).joined(separator: ", ")).", valueName: "name"))
    var template: CustomerEmail

    func run() throws {
        try IntegrationRequestOutput.queue(.email, order: order, template: template, global: global)
    }
}
