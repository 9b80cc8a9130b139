import ArgumentParser
import JSONViews
import OrderDomain
import Store

struct ExceptionsResolve: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resolve", abstract: "Resolve, dismiss or mark as investigating an open exception.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "Exception id (or its first 8 characters, as `orders show` prints it).") var exception: String
    @Option(help: "New resolution status (resolved, dismissed, investigating).") var status: ExceptionResolution =
        .resolved
    @Option(help: "How it was settled.") var note: String?
    @Flag(name: .customLong("customer-notified"), help: "The customer has been told.") var customerNotified = false

    func run() throws {
        let store = try global.openStore()
        let resolved = try store.resolveException(
            exception, to: status, notes: note, customerNotified: customerNotified ? true : nil,
            by: try global.signedIn(store))
        if global.json {
            try Output.json(ExceptionJSON(resolved))
        } else {
            print("exception \(resolved.id.prefix(8)) is \(resolved.resolution.rawValue)")
        }
    }
}
