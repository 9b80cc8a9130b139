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

// `public`, not `package`: the compiler asks for it on a conformance to a public protocol declared outside the
// type's module (Swift 6.3), though nothing outside this package sees these types.
extension OrderStatus: ExpressibleByArgument {
    public init?(argument: String) { self.init(parsing: argument) }
    public static var allValueStrings: [String] { allCases.map(\.rawValue) }
}

extension OrderPriority: ExpressibleByArgument {
    public init?(argument: String) { self.init(parsing: argument) }
    public static var allValueStrings: [String] { allCases.map(\.rawValue) }
}

extension ExceptionSeverity: ExpressibleByArgument {}
extension ExceptionResolution: ExpressibleByArgument {}
extension CommunicationType: ExpressibleByArgument {}
extension CommunicationChannel: ExpressibleByArgument {}
