import ArgumentParser

struct ShippingBuy: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "buy",
        abstract: "Ask central to buy one of the order's rates: the label, tracking code and cost.",
        discussion: """
            The rate id is one of those `kct shipping rates` brought back (rate_…). Central buys it on the \
            order's shipment exactly once, even if asked twice or interrupted; the label URL and tracking \
            code arrive by sync, and tracking then moves the order to shipped and delivered.
            """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: "Order number or id.") var order: String

    @Option(help: ArgumentHelp("The EasyPost rate to buy.", valueName: "rate_id")) var rate: String

    func validate() throws {
        let trimmed = rate.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty, trimmed.count <= 255, !trimmed.contains(" ") else {
            throw ValidationError("--rate takes one rate id from `kct shipping rates`, e.g. rate_0123456789abcdef")
        }
    }

    func run() throws {
        try IntegrationRequestOutput.queue(
            .shippingLabel, order: order, rateID: rate.trimmingCharacters(in: .whitespaces), global: global)
    }
}
