import GRDB
import OrderDomain

/// An order as stored, with its derived amounts.
package struct OrderRecord: Hashable, Sendable {
    package var id: String
    package var orderNumber: String
    package var customerName: String
    package var customerEmail: String
    package var customerPhone: String?
    package var status: OrderStatus
    /// Where a suspended order returns to.
    package var resumeStatus: OrderStatus?
    package var priority: OrderPriority
    package var currency: Currency
    package var subtotal: Money
    package var tax: Money
    package var shipping: Money
    package var total: Money
    package var neededBy: CalendarDate?
    /// JSON objects.
    package var shippingAddress: String?
    package var billingAddress: String?
    package var notes: String?
    package var createdAt: String
    package var createdBy: String
    package var updatedAt: String
}

package struct OrderItemRecord: Hashable, Sendable {
    package var id: String
    package var lineNumber: Int
    package var productSource: ProductSource
    package var productName: String
    package var size: String?
    package var color: String?
    package var customMeasurements: String?
    package var quantity: Int
    package var unitPrice: Money
    package var totalPrice: Money
    package var createdAt: String

    var draft: ItemDraft {
        ItemDraft(
            productName: productName, productSource: productSource, size: size, color: color,
            customMeasurements: customMeasurements, quantity: quantity, unitPrice: unitPrice)
    }
}

package struct StatusHistoryRecord: Hashable, Sendable {
    package var id: String
    package var from: OrderStatus?
    package var to: OrderStatus
    package var changedBy: String
    package var changedAt: String
    package var note: String?
    package var durationInPreviousSeconds: Int64?
}

package struct ExceptionRecord: Hashable, Sendable {
    package var id: String
    package var orderID: String
    package var type: String
    package var severity: ExceptionSeverity
    package var description: String?
    package var resolution: ExceptionResolution
    package var customerNotified: Bool
    package var resolutionNotes: String?
    package var createdAt: String
    package var createdBy: String
    package var resolvedAt: String?
    package var resolvedBy: String?
}

package struct CommunicationRecord: Hashable, Sendable {
    package var id: String
    package var type: CommunicationType
    package var channel: CommunicationChannel
    package var message: String
    package var deliveryStatus: String
    package var createdAt: String
    package var createdBy: String
}

/// Everything `kct orders show` prints.
package struct OrderDetail: Hashable, Sendable {
    package var order: OrderRecord
    package var items: [OrderItemRecord]
    package var history: [StatusHistoryRecord]
    package var exceptions: [ExceptionRecord]
    package var communications: [CommunicationRecord]
}

/// Decoding of stored values, refusing what the domain would not accept.
enum Decode {
    static func value<E: RawRepresentable>(_ type: E.Type, _ row: Row, _ column: String, table: String) throws -> E
    where E.RawValue == String {
        let raw: String = row[column]
        guard let value = E(rawValue: raw) else {
            throw StoreError.corruptValue(table: table, column: column, value: raw)
        }
        return value
    }

    static func optional<E: RawRepresentable>(_ type: E.Type, _ row: Row, _ column: String, table: String) throws -> E?
    where E.RawValue == String {
        guard let raw: String = row[column] else { return nil }
        guard let value = E(rawValue: raw) else {
            throw StoreError.corruptValue(table: table, column: column, value: raw)
        }
        return value
    }

    static func currency(_ row: Row, table: String) throws -> Currency {
        let code: String = row["currency"]
        do { return try Currency(code: code) } catch {
            throw StoreError.corruptValue(table: table, column: "currency", value: code)
        }
    }

    static func order(_ row: Row) throws -> OrderRecord {
        let currency = try currency(row, table: "orders")
        func money(_ column: String) -> Money { Money(minorUnits: row[column], currency: currency) }
        let neededBy: String? = row["needed_by"]
        return OrderRecord(
            id: row["id"], orderNumber: row["order_number"], customerName: row["customer_name"],
            customerEmail: row["customer_email"], customerPhone: row["customer_phone"],
            status: try value(OrderStatus.self, row, "status", table: "orders"),
            resumeStatus: try optional(OrderStatus.self, row, "resume_status", table: "orders"),
            priority: try value(OrderPriority.self, row, "priority", table: "orders"),
            currency: currency, subtotal: money("subtotal_amount"), tax: money("tax_amount"),
            shipping: money("shipping_amount"), total: money("total_amount"),
            neededBy: try neededBy.map { text in
                do { return try CalendarDate(parsing: text) } catch {
                    throw StoreError.corruptValue(table: "orders", column: "needed_by", value: text)
                }
            },
            shippingAddress: row["shipping_address"], billingAddress: row["billing_address"], notes: row["notes"],
            createdAt: row["created_at"], createdBy: row["created_by"], updatedAt: row["updated_at"])
    }

    static func item(_ row: Row, currency: Currency) throws -> OrderItemRecord {
        OrderItemRecord(
            id: row["id"], lineNumber: row["line_number"],
            productSource: try value(ProductSource.self, row, "product_source", table: "order_items"),
            productName: row["product_name"], size: row["size"], color: row["color"],
            customMeasurements: row["custom_measurements"], quantity: row["quantity"],
            unitPrice: Money(minorUnits: row["unit_price"], currency: currency),
            totalPrice: Money(minorUnits: row["total_price"], currency: currency), createdAt: row["created_at"])
    }

    static func history(_ row: Row) throws -> StatusHistoryRecord {
        StatusHistoryRecord(
            id: row["id"], from: try optional(OrderStatus.self, row, "from_status", table: "order_status_history"),
            to: try value(OrderStatus.self, row, "to_status", table: "order_status_history"),
            changedBy: row["changed_by"], changedAt: row["changed_at"], note: row["note"],
            durationInPreviousSeconds: row["duration_in_previous_seconds"])
    }

    static func exception(_ row: Row) throws -> ExceptionRecord {
        ExceptionRecord(
            id: row["id"], orderID: row["order_id"], type: row["exception_type"],
            severity: try value(ExceptionSeverity.self, row, "exception_severity", table: "order_exceptions"),
            description: row["description"],
            resolution: try value(ExceptionResolution.self, row, "resolution_status", table: "order_exceptions"),
            customerNotified: row["customer_notified"], resolutionNotes: row["resolution_notes"],
            createdAt: row["created_at"], createdBy: row["created_by"], resolvedAt: row["resolved_at"],
            resolvedBy: row["resolved_by"])
    }

    static func communication(_ row: Row) throws -> CommunicationRecord {
        CommunicationRecord(
            id: row["id"],
            type: try value(CommunicationType.self, row, "communication_type", table: "customer_communication_logs"),
            channel: try value(
                CommunicationChannel.self, row, "communication_channel", table: "customer_communication_logs"),
            message: row["message_content"], deliveryStatus: row["delivery_status"],
            createdAt: row["created_at"], createdBy: row["created_by"])
    }
}
