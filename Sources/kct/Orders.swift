import ArgumentParser
import OrderDomain

struct Orders: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create, list, show and edit orders.",
        subcommands: [
            OrdersCreate.self, OrdersList.self, OrdersShow.self, OrdersStatus.self, OrdersUpdate.self,
            OrdersItem.self, OrdersPriority.self, OrdersLog.self,
        ])
}

extension OrderStatus: ExpressibleByArgument {
    package init?(argument: String) { self.init(parsing: argument) }
    package static var allValueStrings: [String] { allCases.map(\.rawValue) }
}

extension OrderPriority: ExpressibleByArgument {
    package init?(argument: String) { self.init(parsing: argument) }
    package static var allValueStrings: [String] { allCases.map(\.rawValue) }
}

extension ExceptionSeverity: ExpressibleByArgument {}
extension ExceptionResolution: ExpressibleByArgument {}
extension CommunicationType: ExpressibleByArgument {}
extension CommunicationChannel: ExpressibleByArgument {}
