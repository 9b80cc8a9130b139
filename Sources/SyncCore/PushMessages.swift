/// `POST /v1/push`: a node uploads its next changes, in sequence order without gaps.
package struct PushRequest: Hashable, Sendable, WireCodable {
    package var nodeID: String
    package var changes: [Change]

    package init(nodeID: String, changes: [Change]) {
        self.nodeID = nodeID
        self.changes = changes
    }

    package init(wire value: JSONValue, path: String) throws(SyncDecodingError) {
        var reader = try JSONObjectReader(value, path: path)
        try ProtocolVersion.read(&reader)
        let nodeID = try reader.identifier("node_id")
        let changes = try reader.list("changes", Change.init(wire:path:))
        try reader.finish()
        self.init(nodeID: nodeID, changes: changes)
    }

    package var wire: JSONValue {
        .object([
            "protocol_version": .integer(ProtocolVersion.current), "node_id": .string(nodeID),
            "changes": .array(changes.map(\.wire)),
        ])
    }
}

/// What became of one pushed change.
package struct ChangeOutcome: Hashable, Sendable {
    package enum Result: String, CaseIterable, Sendable {
        /// Took full effect.
        case applied
        /// Accepted and logged, but lost a conflict rule in whole or in part (`conflicts` says
        /// which fields lost to what; any other fields took effect).
        case superseded
        /// Broke a business rule or a permission (`reason`); not logged, changes nothing.
        case rejected
    }

    package var sequence: Int64
    package var result: Result
    /// Central's log version of the change (applied and superseded).
    package var version: Int64?
    /// The timestamp the change was accepted with, when central re-stamped it (clock too far
    /// ahead); the node replaces its copy's `hlc` with it.
    package var hlc: HLC?
    /// With `hlc`: the timestamp the node had given it.
    package var clampedFrom: HLC?
    package var reason: Rejection?
    package var conflicts: [Conflict]
    /// True when central answered from its record of an earlier delivery of the same change.
    package var replayed: Bool

    package init(
        sequence: Int64, result: Result, version: Int64? = nil, hlc: HLC? = nil, clampedFrom: HLC? = nil,
        reason: Rejection? = nil, conflicts: [Conflict] = [], replayed: Bool = false
    ) {
        self.sequence = sequence
        self.result = result
        self.version = version
        self.hlc = hlc
        self.clampedFrom = clampedFrom
        self.reason = reason
        self.conflicts = conflicts
        self.replayed = replayed
    }
}

extension ChangeOutcome: WireCodable {
    package init(wire value: JSONValue, path: String) throws(SyncDecodingError) {
        var reader = try JSONObjectReader(value, path: path)
        let sequence = try reader.integer("sequence", in: 1...Int64.max)
        let result = try reader.enumeration("result", as: Result.self)
        let version = try reader.optionalInteger("version", in: 1...Int64.max)
        let hlc = try reader.optionalHLC("hlc")
        let clampedFrom = try reader.optionalHLC("clamped_from")
        let reason = try reader.optionalObject("reason", Rejection.init(wire:path:))
        let conflicts = try reader.list("conflicts", Conflict.init(wire:path:))
        let replayed = try reader.bool("replayed")
        try reader.finish()
        switch result {
        case .rejected where reason == nil || version != nil:
            throw SyncDecodingError(
                path: reader.childPath("reason"),
                problem: .invalidValue(
                    "a rejected outcome without a reason or with a version", expected: "a reason and no version"))
        case .applied where version == nil, .superseded where version == nil:
            throw SyncDecodingError(path: reader.childPath("version"), problem: .missingField)
        case .superseded where conflicts.isEmpty:
            throw SyncDecodingError(
                path: reader.childPath("conflicts"),
                problem: .invalidValue("[]", expected: "the conflicts a superseded change lost"))
        default: break
        }
        self.init(
            sequence: sequence, result: result, version: version, hlc: hlc, clampedFrom: clampedFrom, reason: reason,
            conflicts: conflicts, replayed: replayed)
    }

    package var wire: JSONValue {
        var object: [String: JSONValue] = [
            "sequence": .integer(sequence), "result": .string(result.rawValue),
            "conflicts": .array(conflicts.map(\.wire)), "replayed": .bool(replayed),
        ]
        if let version { object["version"] = .integer(version) }
        if let hlc { object["hlc"] = hlc.wire }
        if let clampedFrom { object["clamped_from"] = clampedFrom.wire }
        if let reason { object["reason"] = reason.wire }
        return .object(object)
    }
}

/// The reply to a push: one outcome per change of the request, in order.
package struct PushResponse: Hashable, Sendable, WireCodable {
    package var nodeID: String
    /// The highest sequence of this node central has settled (applied, superseded or rejected).
    package var acknowledgedThrough: Int64
    /// Central's log version after the push.
    package var headVersion: Int64
    package var outcomes: [ChangeOutcome]

    package init(nodeID: String, acknowledgedThrough: Int64, headVersion: Int64, outcomes: [ChangeOutcome]) {
        self.nodeID = nodeID
        self.acknowledgedThrough = acknowledgedThrough
        self.headVersion = headVersion
        self.outcomes = outcomes
    }

    package init(wire value: JSONValue, path: String) throws(SyncDecodingError) {
        var reader = try JSONObjectReader(value, path: path)
        try ProtocolVersion.read(&reader)
        let nodeID = try reader.identifier("node_id")
        let acknowledged = try reader.integer("acknowledged_through", in: 0...Int64.max)
        let head = try reader.integer("head_version", in: 0...Int64.max)
        let outcomes = try reader.list("outcomes", ChangeOutcome.init(wire:path:))
        try reader.finish()
        self.init(nodeID: nodeID, acknowledgedThrough: acknowledged, headVersion: head, outcomes: outcomes)
    }

    package var wire: JSONValue {
        .object([
            "protocol_version": .integer(ProtocolVersion.current), "node_id": .string(nodeID),
            "acknowledged_through": .integer(acknowledgedThrough), "head_version": .integer(headVersion),
            "outcomes": .array(outcomes.map(\.wire)),
        ])
    }
}
