import Foundation
import SyncCore
import Synchronization

@testable import OrderDomain
@testable import Store

/// A wall clock the test moves by hand.
final class ManualClock: Sendable {
    private let millis: Mutex<UInt64>

    init(_ start: UInt64 = 1_795_000_000_000) { millis = Mutex(start) }

    func advance(seconds: Double) { millis.withLock { $0 += UInt64(seconds * 1000) } }
    func set(_ value: UInt64) { millis.withLock { $0 = value } }
    var now: UInt64 { millis.withLock { $0 } }
    var function: @Sendable () -> UInt64 { { [self] in now } }
}

/// A fresh directory under the system temporary directory, removed at deinit.
final class TemporaryDirectory {
    let path: String

    init() {
        path =
            FileManager.default.temporaryDirectory
            .appendingPathComponent("kct-store-tests-\(UUID().uuidString)").path
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func sub(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

func usd(_ text: String) -> Money { try! Money(parsing: text, currency: .usd) }

func sampleDraft(
    name: String = "Jane Doe", email: String = "jane@example.com", phone: String? = "+1 555 010 0100",
    priority: OrderPriority = .normal, items: [ItemDraft]? = nil
) -> OrderDraft {
    OrderDraft(
        customer: Customer(name: name, email: email, phone: phone),
        items: items ?? [
            ItemDraft(productName: "Navy Suit", size: "40R", color: "navy", quantity: 1, unitPrice: usd("899.00")),
            ItemDraft(productName: "Silk Tie", quantity: 2, unitPrice: usd("75.00")),
        ],
        priority: priority, tax: usd("84.50"), shipping: usd("15.00"))
}

/// The `StoreError` a body threw, if any (StoreError wraps GRDB's error, so it is not Equatable).
func storeError(_ body: () throws -> Void) -> StoreError? {
    do {
        try body()
        return nil
    } catch let error as StoreError {
        return error
    } catch {
        return nil
    }
}

/// Whether a body was refused with exactly this validation error.
func refused(with expected: OrderValidationError, _ body: () throws -> Void) -> Bool {
    guard case .invalid(let error)? = storeError(body) else { return false }
    return error == expected
}

extension StaffActor {
    /// Someone to make edits as in write-path tests, without an account or a sign-in (tests of
    /// sign-in itself make real accounts). Admin unless the test is about roles.
    static func test(_ email: String, role: StaffRole = .admin) -> StaffActor {
        StaffActor(email: email, name: email, role: role)
    }
}
