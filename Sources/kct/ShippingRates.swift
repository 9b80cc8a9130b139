import ArgumentParser

struct ShippingRates: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rates",
        abstract: "Ask central for the carriers' rates to ship the order (an EasyPost shipment).",
        discussion: """
            The parcel comes from the order's items (README, "Parcels"), the from-address from central's \
            shop settings, the to-address from the order's shipping address. Queued like any edit; the \
            rates arrive by sync and show in `kct orders show ORDER`; buy one with `kct shipping buy`.
            """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: "Order number or id.") var order: String

    func run() throws {
        try IntegrationRequestOutput.queue(.shippingRates, order: order, global: global)
    }
}
