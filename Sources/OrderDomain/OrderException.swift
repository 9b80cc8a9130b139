/// How bad an order exception is.
public enum ExceptionSeverity: String, CaseIterable, Codable, Sendable {
    case low, medium, high, critical
}

/// Where the handling of an exception stands. `open` and `investigating` are unresolved.
public enum ExceptionResolution: String, CaseIterable, Codable, Sendable {
    case open
    case investigating
    case resolved
    case dismissed

    public var isUnresolved: Bool { self == .open || self == .investigating }
}

/// A problem recorded against an order (seed table `order_exceptions`): a damaged cloth, a wrong
/// measurement, a failed delivery. Opening one does not change the order's status.
public struct ExceptionDraft: Hashable, Sendable {
    public static let typeLimit = 100
    public static let descriptionLimit = 2000

    public var type: String
    public var severity: ExceptionSeverity
    public var description: String?
    public var customerNotified: Bool

    public init(type: String, severity: ExceptionSeverity, description: String? = nil, customerNotified: Bool = false) {
        self.type = type
        self.severity = severity
        self.description = description
        self.customerNotified = customerNotified
    }

    /// `type` is lower-cased, with spaces and dashes as underscores (`wrong_measurement`).
    public func validated() throws(OrderValidationError) -> ExceptionDraft {
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
public struct ExceptionResolutionChange: Hashable, Sendable {
    public let resolution: ExceptionResolution
    public let notes: String?
    public let customerNotified: Bool?

    public init(
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
