import ArgumentParser
import JSONViews
import OrderDomain
import Store
import SyncCore

struct OrdersShow: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "Show an order with its items, status history and exceptions.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "Order number (S01-W1-000001) or id.") var order: String

    func run() throws {
        let store = try global.openStore()
        let (detail, facts, requests) = try store.detailWithIntegrations(order)
        if global.json {
            var json = OrderJSON(detail)
            json.providerFacts = facts.isEmpty ? nil : facts
            json.integrationRequests = requests.isEmpty ? nil : requests.map(IntegrationRequestJSON.init)
            try Output.json(json)
        } else {
            print(Self.render(detail) + Self.renderIntegrations(facts: facts, requests: requests))
        }
    }

    /// Payment, label and tracking facts from central, and the requests to its providers.
    static func renderIntegrations(facts: [String: FieldValue], requests: [IntegrationRequestRecord]) -> String {
        var lines: [String] = []
        if !facts.isEmpty {
            lines.append("\npayment and shipping (from central)")
            for name in OrderStore.providerFactFields {
                guard let value = facts[name] else { continue }
                lines.append(
                    name.replacingOccurrences(of: "_", with: " ").padding(toLength: 26, withPad: " ", startingAt: 0)
                        + value.displayText)
            }
        }
        if !requests.isEmpty {
            lines.append("\nrequests to providers")
            lines.append(
                Output.table(
                    ["ID", "ASKED", "KIND", "STATE", "ANSWER"],
                    requests.map { request in
                        var kind = request.kind.rawValue
                        if let rate = request.rateID { kind += " " + rate }
                        if let template = request.template { kind += " " + template }
                        return [
                            String(request.id.prefix(8)),
                            "\(request.createdAt.map(Output.time) ?? "") by \(request.createdBy ?? "")", kind,
                            request.stateText, request.answer ?? "",
                        ]
                    }))
        }
        return lines.joined(separator: "\n")
    }

    static func render(_ detail: OrderDetail) -> String {
        let order = detail.order
        var lines: [String] = []
        var status = order.status.rawValue
        if let resume = order.resumeStatus { status += " (resumes \(resume.rawValue))" }
        let fields: [(String, String?)] = [
            ("order", order.orderNumber), ("id", order.id), ("status", status), ("priority", order.priority.rawValue),
            ("customer", order.customerName), ("email", order.customerEmail), ("phone", order.customerPhone),
            ("needed by", order.neededBy?.description), ("shipping address", order.shippingAddress),
            ("billing address", order.billingAddress), ("notes", order.notes),
            ("subtotal", Output.money(order.subtotal)), ("tax", Output.money(order.tax)),
            ("shipping", Output.money(order.shipping)), ("total", Output.money(order.total)),
            ("created", "\(Output.time(order.createdAt)) by \(order.createdBy)"),
            ("updated", Output.time(order.updatedAt)),
        ]
        for (label, value) in fields {
            guard let value else { continue }
            lines.append(label.padding(toLength: 17, withPad: " ", startingAt: 0) + value)
        }
        lines.append("\nitems")
        lines.append(
            Output.table(
                ["#", "PRODUCT", "SIZE", "COLOR", "QTY", "UNIT", "TOTAL", "MEASUREMENTS", "ID"],
                detail.items.map { item in
                    [
                        String(item.lineNumber), item.productName + (item.productSource == .custom ? " (custom)" : ""),
                        item.size ?? "",
                        item.color ?? "", String(item.quantity), item.unitPrice.decimalString,
                        item.totalPrice.decimalString,
                        item.customMeasurements ?? "", String(item.id.prefix(8)),
                    ]
                }))
        lines.append("\nstatus history")
        lines.append(
            Output.table(
                ["WHEN", "FROM", "TO", "BY", "AFTER", "NOTE"],
                detail.history.map { entry in
                    [
                        Output.time(entry.changedAt), entry.from?.rawValue ?? "-", entry.to.rawValue, entry.changedBy,
                        Output.duration(entry.durationInPreviousSeconds), entry.note ?? "",
                    ]
                }))
        if !detail.exceptions.isEmpty {
            lines.append("\nexceptions")
            lines.append(
                Output.table(
                    ["ID", "TYPE", "SEVERITY", "RESOLUTION", "NOTIFIED", "OPENED", "DESCRIPTION"],
                    detail.exceptions.map { exception in
                        [
                            String(exception.id.prefix(8)), exception.type, exception.severity.rawValue,
                            exception.resolution.rawValue,
                            exception.customerNotified ? "yes" : "no",
                            "\(Output.time(exception.createdAt)) by \(exception.createdBy)",
                            [exception.description, exception.resolutionNotes].compactMap { $0 }.joined(
                                separator: " / "),
                        ]
                    }))
        }
        if !detail.communications.isEmpty {
            lines.append("\ncustomer communication")
            lines.append(
                Output.table(
                    ["WHEN", "TYPE", "CHANNEL", "BY", "DELIVERY", "MESSAGE"],
                    detail.communications.map { log in
                        [
                            Output.time(log.createdAt), log.type.rawValue, log.channel.rawValue, log.createdBy,
                            log.deliveryStatus, log.message,
                        ]
                    }))
        }
        return lines.joined(separator: "\n")
    }
}
