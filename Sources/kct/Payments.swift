import ArgumentParser

struct Payments: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Ask central to take a card payment through Stripe.",
        subcommands: [PaymentsRequest.self])
}
