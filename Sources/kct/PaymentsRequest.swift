import ArgumentParser
import JSONViews
import OrderDomain
import Store
import SyncCore

struct PaymentsRequest: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "request",
        abstract: "Ask central to create a Stripe PaymentIntent for the order's total.",
        discussion: """
            Queued like any edit, so it works offline: central creates the PaymentIntent (once, whatever \
            happens) when this workstation reaches it, and its answer arrives by sync. `kct orders show ORDER` \
            shows it; Stripe's webhook then records the payment and moves the order to payment_confirmed.
            """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: "Order number or id.") var order: String

    func run() throws {
        try IntegrationRequestOutput.queue(.payment, order: order, global: global)
    }
}

/// What the request commands share: queue, then say what happens next.
enum IntegrationRequestOutput {
    static func queue(
        _ kind: IntegrationRequestKind, order: String, rateID: String? = nil, template: CustomerEmail? = nil,
        global: GlobalOptions
    ) throws {
        let store = try global.openStore()
        let request = try store.requestIntegration(
            on: order, kind, rateID: rateID, template: template, by: try global.signedIn(store))
        if global.json {
            try Output.json(IntegrationRequestJSON(request))
            return
        }
        let number = try store.order(request.orderID).orderNumber
        print(
            "queued \(kind.rawValue) request \(request.id.prefix(8)) for \(number); central answers when this "
                + "workstation reaches it (kct orders show \(number))")
    }
}
