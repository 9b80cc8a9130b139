/// One server-sent event (the `text/event-stream` format of the HTML standard).
package struct ServerSentEvent: Sendable, Equatable {
    /// `id:` — remembered by clients and sent back as `Last-Event-ID` when they reconnect.
    package var id: String?
    /// `event:` — the event type; nil means "message".
    package var event: String?
    /// `data:` — may contain newlines (sent as several data lines).
    package var data: String

    package init(id: String? = nil, event: String? = nil, data: String) {
        self.id = id
        self.event = event
        self.data = data
    }

    /// The event in wire format, ending with the blank line that dispatches it. Newlines in
    /// `id` and `event` would break the framing, so they are removed.
    package var encoded: [UInt8] {
        var text = ""
        if let event { text += "event: \(Self.singleLine(event))\n" }
        if let id { text += "id: \(Self.singleLine(id))\n" }
        var start = data.startIndex
        // Any of CRLF, LF, CR ends a line in the format; each line becomes its own data field.
        while true {
            guard let end = data[start...].firstIndex(where: { $0 == "\n" || $0 == "\r" || $0 == "\r\n" }) else {
                text += "data: \(data[start...])\n"
                break
            }
            text += "data: \(data[start..<end])\n"
            start = data.index(after: end)
        }
        text += "\n"
        return Array(text.utf8)
    }

    private static func singleLine(_ text: String) -> String {
        text.filter { $0 != "\n" && $0 != "\r" && $0 != "\r\n" && $0 != "\0" }
    }
}

/// Incremental parser for `text/event-stream`: feed bytes as they arrive, in any chunking, and
/// collect complete events. Follows the HTML standard's interpretation rules (BOM, CR/LF/CRLF line
/// ends, comments, `retry`, ids containing NUL ignored, events without data not dispatched).
package struct ServerSentEventParser: Sendable {
    private var line: [UInt8] = []
    private var sawCarriageReturn = false
    private var isFirstLine = true
    private var data: [UInt8] = []
    private var hasData = false
    private var eventType: String?
    /// The last event id seen (sticky across events, as the standard's "last event ID buffer").
    package private(set) var lastEventID: String?
    /// The reconnection time the server last asked for.
    package private(set) var retry: Duration?

    package init(lastEventID: String? = nil) {
        self.lastEventID = lastEventID
    }

    /// Feeds bytes; returns the events completed by them, in order.
    package mutating func feed(_ bytes: some Sequence<UInt8>) -> [ServerSentEvent] {
        var events: [ServerSentEvent] = []
        for byte in bytes {
            if sawCarriageReturn {
                sawCarriageReturn = false
                if byte == UInt8(ascii: "\n") { continue }
            }
            switch byte {
            case UInt8(ascii: "\r"):
                sawCarriageReturn = true
                processLine(&events)
            case UInt8(ascii: "\n"):
                processLine(&events)
            default:
                line.append(byte)
            }
        }
        return events
    }

    private mutating func processLine(_ events: inout [ServerSentEvent]) {
        defer { line.removeAll(keepingCapacity: true) }
        // A UTF-8 byte order mark may start the stream; it is not part of the first line.
        if isFirstLine {
            isFirstLine = false
            if line.starts(with: [0xEF, 0xBB, 0xBF]) { line.removeFirst(3) }
        }
        if line.isEmpty {
            dispatch(&events)
            return
        }
        if line.first == UInt8(ascii: ":") { return }
        let field: ArraySlice<UInt8>
        var value: ArraySlice<UInt8>
        if let colon = line.firstIndex(of: UInt8(ascii: ":")) {
            field = line[..<colon]
            value = line[(colon + 1)...]
            if value.first == UInt8(ascii: " ") { value = value.dropFirst() }
        } else {
            field = line[...]
            value = []
        }
        switch String(decoding: field, as: UTF8.self) {
        case "data":
            if hasData { data.append(UInt8(ascii: "\n")) }
            data.append(contentsOf: value)
            hasData = true
        case "event":
            eventType = String(decoding: value, as: UTF8.self)
        case "id":
            if !value.contains(0) { lastEventID = String(decoding: value, as: UTF8.self) }
        case "retry":
            if !value.isEmpty, value.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
                let milliseconds = Int(String(decoding: value, as: UTF8.self))
            {
                retry = .milliseconds(milliseconds)
            }
        default:
            break
        }
    }

    private mutating func dispatch(_ events: inout [ServerSentEvent]) {
        defer {
            data.removeAll(keepingCapacity: true)
            hasData = false
            eventType = nil
        }
        guard hasData else { return }
        events.append(
            ServerSentEvent(
                id: lastEventID, event: eventType.flatMap { $0.isEmpty ? nil : $0 },
                data: String(decoding: data, as: UTF8.self)))
    }
}
