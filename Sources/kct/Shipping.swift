import ArgumentParser

struct Shipping: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Ask central for EasyPost shipping rates and labels.",
        subcommands: [ShippingRates.self, ShippingBuy.self])
}
