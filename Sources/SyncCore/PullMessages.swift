/// One entry of central's log: an accepted change at its version, with the earlier winners it
/// displaced concurrently (their authors record them as conflicts).
package struct LogEntry: Hashable, Sendable, WireCodable {
    package var version: Int64
    /// The change as accepted (with central's timestamp when it was clamped).
    package var change: Change
    package var displaced: [Conflict]

    package init(version: Int64, change: Change, displaced: [Conflict] = []) {
        self.version = version
        self.change = change
        self.displaced = displaced
    }

    package init(wire value: JSONValue, path: String) throws(SyncDecodingError) {
        var reader = try JSONObjectReader(value, path: path)
        let version = try reader.integer("version", in: 1...Int64.max)
        let change = try reader.object("change", Change.init(wire:path:))
        let displaced = try reader.list("displaced", Conflict.init(wire:path:))
        try reader.finish()
        self.init(version: version, change: change, displaced: displaced)
    }

    package var wire: JSONValue {
        .object(["version": .integer(version), "change": change.wire, "displaced": .array(displaced.map(\.wire))])
    }
}

/// The query of `GET /v1/pull?after=VERSION&limit=N`.
package struct PullRequest: Hashable, Sendable {
    /// The node's cursor: the last version it merged (0 for none).
    package var after: Int64
    package var limit: Int

    package init(after: Int64, limit: Int = ProtocolLimits.defaultPullLimit) {
        self.after = after
        self.limit = limit
    }

    /// Parses the query parameters; missing `limit` means the default, larger ones are capped.
    package init(query: [String: String]) throws(ErrorResponse) {
        guard let afterText = query["after"] else {
            throw ErrorResponse(code: .invalidCursor, message: "pull needs ?after=VERSION (0 for the start of the log)")
        }
        guard let after = Int64(afterText), after >= 0 else {
            throw ErrorResponse(
                code: .invalidCursor, message: "after must be a log version (a whole number ≥ 0), got '\(afterText)'")
        }
        var limit = ProtocolLimits.defaultPullLimit
        if let limitText = query["limit"] {
            guard let value = Int(limitText), value >= 1 else {
                throw ErrorResponse(
                    code: .invalidMessage, message: "limit must be a whole number ≥ 1, got '\(limitText)'")
            }
            limit = min(value, ProtocolLimits.maximumPullLimit)
        }
        if let unknown = query.keys.sorted().first(where: { $0 != "after" && $0 != "limit" }) {
            throw ErrorResponse(code: .invalidMessage, message: "pull takes after and limit, not '\(unknown)'")
        }
        self.init(after: after, limit: limit)
    }

    /// `after=N&limit=M`.
    package var queryString: String { "after=\(after)&limit=\(limit)" }
}

/// A page of the log after the node's cursor. The node merges the entries and stores
/// `nextCursor` in the same transaction; while `hasMore`, it pulls again from there.
package struct PullResponse: Hashable, Sendable, WireCodable {
    package var entries: [LogEntry]
    /// The version of the last entry, or the request's `after` when the page is empty.
    package var nextCursor: Int64
    package var hasMore: Bool
    /// Central's latest version, so a node can show how far behind it is.
    package var headVersion: Int64

    package init(entries: [LogEntry], nextCursor: Int64, hasMore: Bool, headVersion: Int64) {
        self.entries = entries
        self.nextCursor = nextCursor
        self.hasMore = hasMore
        self.headVersion = headVersion
    }

    package init(wire value: JSONValue, path: String) throws(SyncDecodingError) {
        var reader = try JSONObjectReader(value, path: path)
        try ProtocolVersion.read(&reader)
        let entries = try reader.list("entries", LogEntry.init(wire:path:))
        let next = try reader.integer("next_cursor", in: 0...Int64.max)
        let hasMore = try reader.bool("has_more")
        let head = try reader.integer("head_version", in: 0...Int64.max)
        try reader.finish()
        var previous: Int64 = 0
        for (index, entry) in entries.enumerated() {
            guard entry.version > previous else {
                throw SyncDecodingError(
                    path: "entries[\(index)].version",
                    problem: .invalidValue(String(entry.version), expected: "versions in increasing order"))
            }
            previous = entry.version
        }
        if let last = entries.last, last.version != next {
            throw SyncDecodingError(
                path: "next_cursor",
                problem: .invalidValue(String(next), expected: "the version of the last entry (\(last.version))"))
        }
        self.init(entries: entries, nextCursor: next, hasMore: hasMore, headVersion: head)
    }

    package var wire: JSONValue {
        .object([
            "protocol_version": .integer(ProtocolVersion.current), "entries": .array(entries.map(\.wire)),
            "next_cursor": .integer(nextCursor), "has_more": .bool(hasMore), "head_version": .integer(headVersion),
        ])
    }
}
