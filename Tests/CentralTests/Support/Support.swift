import Central
import EventLoop
import Foundation
import HTTP
import StaffAuth
import SyncCore
import TestSupport

/// Short constructors for changes; times are whole seconds after t0, and central's clock stands
/// at t0 + 1 hour unless a test says otherwise.
enum Build {
    static let t0: UInt64 = 1_764_079_200_000
    static let centralNow: UInt64 = t0 + 3_600_000

    static func hlc(_ second: UInt64) -> HLC { HLC(millis: t0 + second * 1000, counter: 0) }

    /// A `set_fields` on order o-1.
    static func change(
        _ node: String, _ sequence: Int64, at second: UInt64, _ fields: [String: FieldValue], base: Int64 = 0
    ) -> Change {
        change(
            node, sequence, at: second, entity: .order, row: "o-1", order: "o-1", op: .setFields, fields: fields,
            base: base)
    }

    static func change(
        _ node: String, _ sequence: Int64, at second: UInt64, entity: EntityKind, row: String,
        order: String = "o-1", op: ChangeOperation = .setFields, fields: [String: FieldValue], base: Int64 = 0,
        author: String = Staff.admin
    ) -> Change {
        Change(
            nodeID: node, sequence: sequence, hlc: hlc(second), entity: entity, rowID: row, orderID: order,
            operation: op, fields: fields, author: author, baseVersion: base)
    }

    static func createOrder(_ node: String, _ sequence: Int64, at second: UInt64, order: String = "o-1") -> Change {
        change(
            node, sequence, at: second, entity: .order, row: order, order: order,
            fields: [
                "order_number": .text("S01-W1-\(sequence)"), "customer_name": .text("Ada Lovelace"),
                "customer_email": .text("ada@example.com"), "currency": .text("USD"), "tax_amount": .integer(500),
            ])
    }

    static func addItem(
        _ node: String, _ sequence: Int64, at second: UInt64, item: String, quantity: Int64 = 1, price: Int64 = 10_000,
        order: String = "o-1"
    ) -> Change {
        change(
            node, sequence, at: second, entity: .orderItem, row: item, order: order,
            fields: [
                "product_name": .text("Navy Suit"), "quantity": .integer(quantity), "unit_price": .integer(price),
            ])
    }

    static func move(
        _ node: String, _ sequence: Int64, at second: UInt64, from: String, to: String, order: String = "o-1"
    ) -> Change {
        change(
            node, sequence, at: second, entity: .order, row: order, order: order, op: .setStatus,
            fields: ["status": .text(to), "from_status": .text(from)])
    }
}

/// Staff accounts for tests: the default author of `Build`'s changes is an admin.
enum Staff {
    static let admin = "staff@kct.example"
    static let password = "correct horse battery"
    /// Adds `accounts` (e-mail, role) to `store`, with `password` hashed at a cheap scrypt cost
    /// (2^10): the tests check who may do what, not the hash's strength.
    static func add(_ store: CentralStore, _ accounts: [(email: String, role: StaffRole)]) throws {
        let hash = try PasswordHash.make(password, log2N: 10)
        for account in accounts {
            try store.addAccount(
                email: account.email, name: account.email, role: account.role, passwordHash: hash, by: "tests")
        }
    }

    /// The e-mail of the test account of `role`.
    static func email(_ role: StaffRole) -> String { "\(role.rawValue)@kct.example" }

    /// One account per role plus `admin`.
    static func addEveryRole(_ store: CentralStore) throws {
        try add(store, [(admin, .admin)] + StaffRole.allCases.map { (email($0), $0) })
    }
}

/// A fresh directory under the system's temporary directory, removed by `remove()`.
struct TemporaryDirectory {
    let path: String

    init() throws {
        path = (NSTemporaryDirectory() as NSString).appendingPathComponent("kct-central-\(UUID().uuidString)")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    var database: String { (path as NSString).appendingPathComponent("central.sqlite") }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

extension TestClient {
    /// Any status comes back as a response.
    func send(_ method: HTTPMethod = .get, _ url: String, headers: HTTPHeaders = [:], body: [UInt8]? = nil) async throws
        -> HTTPClientResponse
    {
        try await client.response(
            for: HTTPClientRequest(
                method: method, url: url, headers: headers, body: body, timeout: .seconds(30),
                acceptedStatuses: 100..<600))
    }
}

/// The protocol error in a response body.
func protocolError(_ response: HTTPClientResponse) throws -> ErrorResponse {
    try ErrorResponse.decode(response.body)
}
