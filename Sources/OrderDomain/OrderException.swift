/// How bad an order exception is.
package enum ExceptionSeverity: String, CaseIterable, Codable, Sendable {
    case low, medium, high, critical
}

/// Where the handling of an exception stands. `open` and `investigating` are unresolved.
package enum ExceptionResolution: String, CaseIterable, Codable, Sendable {
    case open
    case investigating
    case resolved
    case dismissed

    package var isUnresolved: Bool { self == .open || self == .investigating }
}

/// A problem recorded against an order (seed table `order_exceptions`): a damaged cloth, a wrong
/// measurement, a failed delivery. Opening one does not change the order's status.
package struct ExceptionDraft: Hashable, Sendable {
    package static let typeLimit = 100
    package static let descriptionLimit = 2000

    package var type: String
    package var severity: ExceptionSeverity
    package var description: String?
    package var customerNotified: Bool

    package init(type: String, severity: ExceptionSeverity, description: String? = nil, customerNotified: Bool = false)
    {
        self.type = type
        self.severity = severity
        self.description = description
        self.customerNotified = customerNotified
    }

    /// `type` is lower-cased, with spaces and dashes as underscores (`wrong_measurement`).
    package func validated() throws(OrderValidationError) -> ExceptionDraft {
        var draft = self
        draft.type = type.trimmingWhitespace().lowercased()
            .split(whereSeparator: { $0 == " " || $0 == "-" }).joined(separator: "_")
        guard !draft.type.isEmpty else { throw .missingField("exception_type") }
        guard draft.type.count <= Self.typeLimit else { throw .tooLong(field: "exception_type", limit: Self.typeLimit) }
        draft.description = try TextField.optional(description, field: "description", limit: Self.descriptionLimit)
        return draft
    }
}

/// Settling an exception: the new resolution status must be a settled one unless the exception
/// is merely being investigated.
package struct ExceptionResolutionChange: Hashable, Sendable {
    package let resolution: ExceptionResolution
    package let notes: String?
    package let customerNotified: Bool?

    package init(
        current: ExceptionResolution, to resolution: ExceptionResolution, notes: String?, customerNotified: Bool?
    ) throws(OrderValidationError) {
        guard current.isUnresolved else { throw .exceptionSettled(current.rawValue) }
        guard resolution != .open, resolution != current else {
            let allowed = ExceptionResolution.allCases.filter { $0 != .open && $0 != current }.map(\.rawValue)
            throw .invalidChoice(field: "resolution_status", value: resolution.rawValue, allowed: allowed)
        }
        self.resolution = resolution
        self.notes = try TextField.optional(notes, field: "resolution_notes", limit: ExceptionDraft.descriptionLimit)
        self.customerNotified = customerNotified
    }
}
