import GRDB
import OrderDomain
import StorageSupport

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
        try row.value(column, table: table, as: E.self)
    }

    static func optional<E: RawRepresentable>(_ type: E.Type, _ row: Row, _ column: String, table: String) throws -> E?
    where E.RawValue == String {
        try row.optionalValue(column, table: table, as: E.self)
    }

    static func currency(_ row: Row, table: String) throws -> Currency {
        let code: String = try row.value("currency", table: table)
        do { return try Currency(code: code) } catch {
            throw StoreError.corruptValue(table: table, column: "currency", value: code)
        }
    }

    static func order(_ row: Row) throws -> OrderRecord {
        let table = "orders"
        let currency = try currency(row, table: table)
        func money(_ column: String) throws -> Money {
            Money(minorUnits: try row.value(column, table: table), currency: currency)
        }
        let neededBy: String? = try row.value("needed_by", table: table)
        return OrderRecord(
            id: try row.value("id", table: table), orderNumber: try row.value("order_number", table: table),
            customerName: try row.value("customer_name", table: table),
            customerEmail: try row.value("customer_email", table: table),
            customerPhone: try row.value("customer_phone", table: table),
            status: try value(OrderStatus.self, row, "status", table: table),
            resumeStatus: try optional(OrderStatus.self, row, "resume_status", table: table),
            priority: try value(OrderPriority.self, row, "priority", table: table),
            currency: currency, subtotal: try money("subtotal_amount"), tax: try money("tax_amount"),
            shipping: try money("shipping_amount"), total: try money("total_amount"),
            neededBy: try neededBy.map { text in
                do { return try CalendarDate(parsing: text) } catch {
                    throw StoreError.corruptValue(table: table, column: "needed_by", value: text)
                }
            },
            shippingAddress: try row.value("shipping_address", table: table),
            billingAddress: try row.value("billing_address", table: table), notes: try row.value("notes", table: table),
            createdAt: try row.value("created_at", table: table), createdBy: try row.value("created_by", table: table),
            updatedAt: try row.value("updated_at", table: table))
    }

    static func item(_ row: Row, currency: Currency) throws -> OrderItemRecord {
        let table = "order_items"
        return OrderItemRecord(
            id: try row.value("id", table: table), lineNumber: try row.value("line_number", table: table),
            productSource: try value(ProductSource.self, row, "product_source", table: table),
            productName: try row.value("product_name", table: table), size: try row.value("size", table: table),
            color: try row.value("color", table: table),
            customMeasurements: try row.value("custom_measurements", table: table),
            quantity: try row.value("quantity", table: table),
            unitPrice: Money(minorUnits: try row.value("unit_price", table: table), currency: currency),
            totalPrice: Money(minorUnits: try row.value("total_price", table: table), currency: currency),
            createdAt: try row.value("created_at", table: table))
    }

    static func history(_ row: Row) throws -> StatusHistoryRecord {
        let table = "order_status_history"
        return StatusHistoryRecord(
            id: try row.value("id", table: table),
            from: try optional(OrderStatus.self, row, "from_status", table: table),
            to: try value(OrderStatus.self, row, "to_status", table: table),
            changedBy: try row.value("changed_by", table: table), changedAt: try row.value("changed_at", table: table),
            note: try row.value("note", table: table),
            durationInPreviousSeconds: try row.value("duration_in_previous_seconds", table: table))
    }

    static func exception(_ row: Row) throws -> ExceptionRecord {
        let table = "order_exceptions"
        return ExceptionRecord(
            id: try row.value("id", table: table), orderID: try row.value("order_id", table: table),
            type: try row.value("exception_type", table: table),
            severity: try value(ExceptionSeverity.self, row, "exception_severity", table: table),
            description: try row.value("description", table: table),
            resolution: try value(ExceptionResolution.self, row, "resolution_status", table: table),
            customerNotified: try row.value("customer_notified", table: table),
            resolutionNotes: try row.value("resolution_notes", table: table),
            createdAt: try row.value("created_at", table: table), createdBy: try row.value("created_by", table: table),
            resolvedAt: try row.value("resolved_at", table: table),
            resolvedBy: try row.value("resolved_by", table: table))
    }

    static func communication(_ row: Row) throws -> CommunicationRecord {
        let table = "customer_communication_logs"
        return CommunicationRecord(
            id: try row.value("id", table: table),
            type: try value(CommunicationType.self, row, "communication_type", table: table),
            channel: try value(
                CommunicationChannel.self, row, "communication_channel", table: table),
            message: try row.value("message_content", table: table),
            deliveryStatus: try row.value("delivery_status", table: table),
            createdAt: try row.value("created_at", table: table), createdBy: try row.value("created_by", table: table))
    }
}
